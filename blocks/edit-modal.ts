import type { KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import type { Token } from '../src/domain/token.js';
import type { ModalOrigin } from './answer-modal.js';
import { BlockId, CallbackId, INPUT_ACTION_ID } from './ids.js';
import { describeRequest, proposalText } from './permission.js';
import { mrkdwnFit, plainLine, truncate } from './text.js';
import { MAX_EDITABLE } from './token-card.js';

/**
 * How the modal shows the proposal, carried in private_metadata so the submission reads it back the same way:
 * `text` a string as typed; `json` pretty JSON; `command` only the command of a Bash request (the rest of its
 * input is kept as it was).
 */
export type EditMode = 'text' | 'json' | 'command';

export interface EditOrigin extends ModalOrigin {
  mode: EditMode;
}

const plain = (text: string) => ({ type: 'plain_text' as const, text, emoji: true });

/** How a token's proposal is edited: a Bash request by its command, other strings as text, the rest as JSON. */
export function editModeOf(token: Pick<Token, 'proposed_input' | 'permission'>): EditMode {
  const proposed = token.proposed_input;
  if (typeof proposed === 'string') return 'text';
  const command =
    proposed !== null && typeof proposed === 'object' && !Array.isArray(proposed) ? proposed.command : undefined;
  return token.permission?.tool_name === 'Bash' && typeof command === 'string' ? 'command' : 'json';
}

/** The text the modal's box starts with. */
export function editPrefill(token: Pick<Token, 'proposed_input' | 'permission'>, mode: EditMode): string {
  const proposed = token.proposed_input;
  if (mode === 'command' && proposed !== null && typeof proposed === 'object' && !Array.isArray(proposed)) {
    return String(proposed.command);
  }
  return proposalText(proposed);
}

/** The option an edit answers with without asking: "Allow" on a permission request. */
export function impliedOption(token: Pick<Token, 'permission' | 'options'>): string | undefined {
  return token.permission && token.options.includes('Allow') ? 'Allow' : undefined;
}

/**
 * "Edit…": the proposal in a text box to change before answering. On a permission request submitting allows
 * the edited request; on other tokens with options the person also picks which option goes with the edit.
 */
export function renderEditModal(token: Token, origin: Omit<ModalOrigin, 'token_id'> = {}): ModalView {
  const mode = editModeOf(token);
  const intro = token.permission
    ? describeRequest(token.permission).headline
    : token.prompt
      ? mrkdwnFit(token.prompt, 2000).text
      : '_What the agent proposes:_';
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: intro } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: `\`${token.id}\` · the agent gets your version` }] },
    {
      type: 'input',
      block_id: BlockId.editValue,
      label: plain(mode === 'command' ? 'Command' : mode === 'json' ? 'Input (JSON)' : 'Proposed value'),
      element: {
        type: 'plain_text_input',
        action_id: INPUT_ACTION_ID,
        multiline: true,
        max_length: MAX_EDITABLE,
        initial_value: truncate(editPrefill(token, mode), MAX_EDITABLE),
      },
    },
  ];
  const implied = impliedOption(token);
  if (!implied && token.options.length > 0) {
    const options: PlainTextOption[] = token.options
      .slice(0, 100)
      .map((option, i) => ({ text: plain(plainLine(option, 75)), value: String(i) }));
    blocks.push({
      type: 'input',
      block_id: BlockId.editOption,
      label: plain('Answer with'),
      element:
        options.length <= 10
          ? { type: 'radio_buttons', action_id: INPUT_ACTION_ID, options }
          : { type: 'static_select', action_id: INPUT_ACTION_ID, placeholder: plain('Choose…'), options },
    });
  }
  const metadata: EditOrigin = { token_id: token.id, channel: origin.channel ?? null, ts: origin.ts ?? null, mode };
  return {
    type: 'modal',
    callback_id: CallbackId.editModal,
    private_metadata: JSON.stringify(metadata),
    title: plain('Edit before answering'),
    submit: plain(implied ? `${implied} edited` : 'Send to agent'),
    close: plain('Cancel'),
    blocks,
  };
}
