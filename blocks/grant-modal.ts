import type { ModalView, PlainTextOption } from '@slack/types';
import { GRANT_DEFAULT_MS } from '../src/domain/grant.js';
import { requestSubject } from '../src/domain/permission.js';
import type { Token } from '../src/domain/token.js';
import type { ModalOrigin } from './answer-modal.js';
import { BlockId, CallbackId, INPUT_ACTION_ID } from './ids.js';
import { describeRequest } from './permission.js';
import { escapeMrkdwn, truncate } from './text.js';

/** The lengths the modal offers, in minutes; 1 h is the default. */
export const GRANT_DURATIONS_MIN = [15, 60, 240, 480, 1440] as const;

/** The longest prefix the modal's box holds (a grant's value is at most 2000 characters). */
export const MAX_GRANT_VALUE = 2000;

const plain = (text: string) => ({ type: 'plain_text' as const, text, emoji: true });

const durationLabel = (min: number) => (min < 60 ? `${min} minutes` : min === 60 ? '1 hour' : `${min / 60} hours`);

/**
 * "Allow for 1 h…": allows this request now and records a standing grant for the runner and tool, scoped to
 * exactly this request or to requests starting with a prefix the clicker edits (prefilled with this one).
 */
export function renderGrantModal(token: Token, origin: Omit<ModalOrigin, 'token_id'> = {}): ModalView {
  const permission = token.permission;
  const subject = permission ? requestSubject(permission) : '';
  const headline = permission ? describeRequest(permission).headline : token.id;
  const scopes: PlainTextOption[] = [
    { text: plain('Exactly this request'), value: 'exact' },
    { text: plain('Anything starting with the prefix below'), value: 'prefix' },
  ];
  const durations: PlainTextOption[] = GRANT_DURATIONS_MIN.map((min) => ({
    text: plain(durationLabel(min)),
    value: String(min * 60_000),
  }));
  const initialDuration = durations.find((d) => d.value === String(GRANT_DEFAULT_MS));
  const metadata: ModalOrigin = { token_id: token.id, channel: origin.channel ?? null, ts: origin.ts ?? null };
  return {
    type: 'modal',
    callback_id: CallbackId.grantModal,
    private_metadata: JSON.stringify(metadata),
    title: plain('Allow for a while'),
    submit: plain('Allow'),
    close: plain('Cancel'),
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: truncate(
            `Allow ${headline} now, and later *${escapeMrkdwn(permission?.tool_name ?? '')}* requests of runner ` +
              `*${escapeMrkdwn(token.runner)}* like it without asking, until the grant expires or is revoked.`,
            3000,
          ),
        },
      },
      {
        type: 'input',
        block_id: BlockId.grantScope,
        label: plain('Which requests'),
        element: { type: 'radio_buttons', action_id: INPUT_ACTION_ID, options: scopes, initial_option: scopes[0] },
      },
      {
        type: 'input',
        block_id: BlockId.grantValue,
        optional: true,
        label: plain('Prefix'),
        hint: plain(
          'With "starting with": requests whose command (URL, file, …) starts with this. Shorter is broader.',
        ),
        element: {
          type: 'plain_text_input',
          action_id: INPUT_ACTION_ID,
          max_length: MAX_GRANT_VALUE,
          // A cut prefix still matches this request; a "…" added by truncate would not.
          initial_value: subject.slice(0, MAX_GRANT_VALUE),
        },
      },
      {
        type: 'input',
        block_id: BlockId.grantDuration,
        label: plain('For'),
        element: {
          type: 'static_select',
          action_id: INPUT_ACTION_ID,
          options: durations,
          ...(initialDuration ? { initial_option: initialDuration } : {}),
        },
      },
    ],
  };
}
