import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { ModalView } from '@slack/types';
import type { ModalOrigin } from '../../blocks/answer-modal.js';
import { renderDenyModal } from '../../blocks/deny-modal.js';
import { renderEditModal } from '../../blocks/edit-modal.js';
import { renderGrantModal } from '../../blocks/grant-modal.js';
import { editable, grantable } from '../../blocks/token-card.js';
import type { Token } from '../../src/domain/token.js';
import type { HandlerDeps } from '../deps.js';
import { admitClick, tell } from '../tell.js';

type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

/** Renders the modal for a token, or says why this token has none (undefined: it has one). */
interface TokenModal {
  name: string;
  refuse(token: Token): string | undefined;
  render(token: Token, origin: Omit<ModalOrigin, 'token_id'>): ModalView;
}

/**
 * A button that opens a modal about its token: for someone who may answer it while it is pending; nothing is
 * recorded until the modal is submitted.
 */
function createOpenTokenModalHandler(deps: HandlerDeps, modal: TokenModal) {
  return async ({ ack, body, action, client }: ButtonArgs): Promise<void> => {
    await ack();
    const place = { userId: body.user.id, channel: body.channel?.id, triggerId: body.trigger_id };
    const token = await admitClick(deps, client, place, action.value);
    if (!token) return;
    const refused = modal.refuse(token);
    if (refused) return tell(client, place, refused, deps.logger);
    const origin = { channel: body.channel?.id ?? null, ts: body.message?.ts ?? null };
    try {
      await client.views.open({ trigger_id: body.trigger_id, view: modal.render(token, origin) });
    } catch (err) {
      deps.logger.warn({ err, token_id: token.id }, `cannot open the ${modal.name} modal`);
    }
  };
}

/** "Edit…": the proposal in a text box, to change before answering. */
export const createOpenEditModalHandler = (deps: HandlerDeps) =>
  createOpenTokenModalHandler(deps, {
    name: 'edit',
    refuse: (t) => (editable(t) ? undefined : 'This request has nothing to edit here. Nothing changed.'),
    render: renderEditModal,
  });

/** "Deny…" on a permission request: asks for the reason the agent will read. */
export const createOpenDenyModalHandler = (deps: HandlerDeps) =>
  createOpenTokenModalHandler(deps, {
    name: 'deny',
    refuse: (t) =>
      t.permission && t.options.includes('Deny') ? undefined : 'This request has no Deny. Nothing changed.',
    render: renderDenyModal,
  });

/** "Allow for 1 h…" on a permission request: the scope and length of the standing grant. */
export const createOpenGrantModalHandler = (deps: HandlerDeps) =>
  createOpenTokenModalHandler(deps, {
    name: 'grant',
    refuse: (t) => (grantable(t) ? undefined : 'This request cannot be allowed for a while. Nothing changed.'),
    render: renderGrantModal,
  });
