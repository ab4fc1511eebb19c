import type { InputBlock, KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import type { AnswerField } from '../src/domain/answer-schema.js';
import type { Token } from '../src/domain/token.js';
import { REASON_DISPLAY } from './display.js';
import { BlockId, CallbackId, INPUT_ACTION_ID } from './ids.js';
import { mrkdwnFit, plainLine, truncate } from './text.js';

/** Where the modal was opened from, carried in `private_metadata` so the submission can reply there. */
export interface ModalOrigin {
  token_id: string;
  channel?: string | null;
  ts?: string | null;
}

const plain = (text: string) => ({ type: 'plain_text' as const, text, emoji: true });

function fieldInput(name: string, field: AnswerField, required: boolean): InputBlock {
  const base = {
    type: 'input' as const,
    block_id: BlockId.field(name),
    label: plain(truncate(field.title ?? name, 2000)),
    optional: !required,
    ...(field.description ? { hint: plain(truncate(field.description, 2000)) } : {}),
  };
  if (field.type === 'boolean') {
    const options: PlainTextOption[] = [
      { text: plain('Yes'), value: 'true' },
      { text: plain('No'), value: 'false' },
    ];
    return { ...base, element: { type: 'radio_buttons', action_id: INPUT_ACTION_ID, options } };
  }
  if (field.type === 'number' || field.type === 'integer') {
    return {
      ...base,
      element: {
        type: 'number_input',
        action_id: INPUT_ACTION_ID,
        is_decimal_allowed: field.type === 'number',
        ...(field.minimum !== undefined ? { min_value: String(field.minimum) } : {}),
        ...(field.maximum !== undefined ? { max_value: String(field.maximum) } : {}),
      },
    };
  }
  if (field.enum) {
    return {
      ...base,
      element: {
        type: 'static_select',
        action_id: INPUT_ACTION_ID,
        placeholder: plain('Choose…'),
        options: field.enum.map((value) => ({ text: plain(plainLine(value, 75)), value })),
      },
    };
  }
  return {
    ...base,
    element: {
      type: 'plain_text_input',
      action_id: INPUT_ACTION_ID,
      multiline: field.multiline ?? false,
      ...(field.minLength !== undefined ? { min_length: field.minLength } : {}),
      ...(field.maxLength !== undefined ? { max_length: field.maxLength } : {}),
    },
  };
}

/**
 * The "Answer…" modal: a multiline text box, or — when the token carries an answer schema — one input per
 * field (text, number, yes/no, or a menu for enums), required fields first as the schema orders them.
 */
export function renderAnswerModal(token: Token, origin: Omit<ModalOrigin, 'token_id'> = {}): ModalView {
  const { icon, label } = REASON_DISPLAY[token.reason];
  const prompt = token.prompt ? mrkdwnFit(token.prompt, 2900).text : `_${label}_`;
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: prompt } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: `${icon} ${label} · \`${token.id}\`` }] },
  ];
  const schema = token.answer_schema;
  if (schema) {
    for (const [name, field] of Object.entries(schema.properties)) {
      blocks.push(fieldInput(name, field, schema.required.includes(name)));
    }
  } else {
    blocks.push({
      type: 'input',
      block_id: BlockId.freeText,
      label: plain('Your answer'),
      element: { type: 'plain_text_input', action_id: INPUT_ACTION_ID, multiline: true, max_length: 3000 },
      ...(token.options.length
        ? { hint: plain(truncate(`Suggested: ${token.options.map((o) => plainLine(o, 60)).join(' · ')}`, 2000)) }
        : {}),
    });
  }
  const metadata: ModalOrigin = { token_id: token.id, channel: origin.channel ?? null, ts: origin.ts ?? null };
  return {
    type: 'modal',
    callback_id: CallbackId.answerModal,
    private_metadata: JSON.stringify(metadata),
    title: plain(truncate(schema?.title ?? 'Answer the agent', 24)),
    submit: plain('Send to agent'),
    close: plain('Cancel'),
    blocks,
  };
}

/** A small modal that only says something (used where an ephemeral message has no channel, e.g. App Home). */
export function renderNoticeModal(title: string, text: string): ModalView {
  return {
    type: 'modal',
    callback_id: CallbackId.noticeModal,
    title: plain(truncate(title, 24)),
    close: plain('OK'),
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: truncate(text, 3000) } }],
  };
}
