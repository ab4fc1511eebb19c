import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { claimText } from '../../blocks/followups.js';
import { alreadyClosedText } from '../../blocks/notices.js';
import type { HandlerDeps } from '../deps.js';
import { admitClick, tell } from '../tell.js';

type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

/** "I'm on it": an allowed answerer claims the token; reminders pause for the lease, the deadline does not. */
export function createClaimHandler(deps: HandlerDeps) {
  return async ({ ack, body, action, client }: ButtonArgs): Promise<void> => {
    await ack();
    const user = body.user.id;
    const place = { userId: user, channel: body.channel?.id, triggerId: body.trigger_id };
    const token = await admitClick(deps, client, place, action.value);
    if (!token) return;
    const result = deps.rules.claim(token.id, user, body.user.name ?? null);
    if (result.kind === 'claimed')
      await tell(client, place, claimText({ by: user, untilMs: result.untilMs, mine: true }), deps.logger);
    else if (result.kind === 'taken')
      await tell(client, place, claimText({ by: result.by, untilMs: result.untilMs, mine: false }), deps.logger);
    else if (result.kind === 'closed') await tell(client, place, alreadyClosedText(result.token), deps.logger);
    if (body.container?.type === 'view') await deps.publishHome(client, user);
  };
}
