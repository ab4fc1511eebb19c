import type { ModalView } from '@slack/types';
import type { Token } from '../src/domain/token.js';
import type { ModalOrigin } from './answer-modal.js';
import { BlockId, CallbackId, INPUT_ACTION_ID } from './ids.js';
import { describeRequest } from './permission.js';

const plain = (text: string) => ({ type: 'plain_text' as const, text, emoji: true });

/** "Deny…" on a permission request: an optional reason, which the agent receives with the refusal. */
export function renderDenyModal(token: Token, origin: Omit<ModalOrigin, 'token_id'> = {}): ModalView {
  const headline = token.permission ? describeRequest(token.permission).headline : token.id;
  const metadata: ModalOrigin = { token_id: token.id, channel: origin.channel ?? null, ts: origin.ts ?? null };
  return {
    type: 'modal',
    callback_id: CallbackId.denyModal,
    private_metadata: JSON.stringify(metadata),
    title: plain('Deny'),
    submit: plain('Deny'),
    close: plain('Cancel'),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `Deny ${headline}` } },
      {
        type: 'input',
        block_id: BlockId.denyReason,
        optional: true,
        label: plain('Why? (the agent reads this)'),
        element: { type: 'plain_text_input', action_id: INPUT_ACTION_ID, multiline: true, max_length: 3000 },
      },
    ],
  };
}
