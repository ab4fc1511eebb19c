import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { renderAnswerModal } from '../../blocks/answer-modal.js';
import type { HandlerDeps } from '../deps.js';
import { admitClick } from '../tell.js';

type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

/** "Answer…": opens the answer modal (free text, or a form from the token's answer schema). */
export function createOpenAnswerModalHandler(deps: HandlerDeps) {
  return async ({ ack, body, action, client }: ButtonArgs): Promise<void> => {
    await ack();
    const user = body.user.id;
    const place = { userId: user, channel: body.channel?.id, triggerId: body.trigger_id };
    const token = await admitClick(deps, client, place, action.value);
    if (!token) return;
    const origin = { channel: body.channel?.id ?? null, ts: body.message?.ts ?? null };
    try {
      await client.views.open({ trigger_id: body.trigger_id, view: renderAnswerModal(token, origin) });
    } catch (err) {
      deps.logger.warn({ err, token_id: token.id }, 'cannot open the answer modal');
    }
  };
}
