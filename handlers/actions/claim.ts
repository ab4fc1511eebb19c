import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { claimText } from '../../blocks/followups.js';
import { alreadyClosedText } from '../../blocks/notices.js';
import { type IntakeProcessor, intakeKind } from '../../src/slack/intake.js';
import type { HandlerDeps } from '../deps.js';
import { actionKey } from '../intake-keys.js';
import { admitClick, tell } from '../tell.js';

type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

/** "I'm on it" pressed: who, on which token, and where to tell them. */
export const ClaimClick = intakeKind(
  'claim',
  z.object({
    token_id: z.string().min(1),
    user: z.string().min(1),
    user_name: z.string().nullable(),
    channel: z.string().nullable(),
    trigger_id: z.string().nullable(),
    from_home: z.boolean(),
  }),
);
type ClaimClick = z.infer<typeof ClaimClick.schema>;

/** "I'm on it": recorded, acked, then an allowed answerer claims the token (see the processor). */
export function createClaimHandler(deps: HandlerDeps) {
  return async ({ ack, body, action, client }: ButtonArgs): Promise<void> => {
    const user = body.user.id;
    if (!action.value) {
      await ack();
      const place = { userId: user, channel: body.channel?.id, triggerId: body.trigger_id };
      await admitClick(deps, client, place, undefined);
      return;
    }
    const { id, fresh } = await deps.intake.record(
      ClaimClick,
      actionKey({
        actionId: action.action_id,
        where: body.message?.ts ?? body.view?.id ?? 'unknown',
        user,
        actionTs: action.action_ts,
      }),
      {
        token_id: action.value,
        user,
        user_name: body.user.name ?? null,
        channel: body.channel?.id ?? null,
        trigger_id: body.trigger_id ?? null,
        from_home: body.container?.type === 'view',
      },
    );
    await ack();
    if (fresh) await deps.intake.process(id);
  };
}

/** Reminders pause for the claim's lease, the deadline does not. The claimer is told either way. */
export function createClaimProcessor(deps: HandlerDeps): IntakeProcessor<ClaimClick> {
  return async (click, ctx) => {
    const place = { userId: click.user, channel: click.channel ?? undefined, triggerId: click.trigger_id ?? undefined };
    if (ctx.attempt > 1) {
      // An earlier attempt may have claimed it before its process stopped: claiming again would record it twice.
      const token = await deps.purgatory.find(click.token_id);
      if (token?.status === 'pending' && token.followup.claimed_by === click.user) return 'done';
    }
    const token = await admitClick(deps, ctx.client, place, click.token_id);
    if (!token) return 'unchanged';
    const result = await deps.rules.claim(token.id, click.user, click.user_name);
    if (result.kind === 'claimed')
      await tell(ctx.client, place, claimText({ by: click.user, untilMs: result.untilMs, mine: true }), ctx.logger);
    else if (result.kind === 'taken')
      await tell(ctx.client, place, claimText({ by: result.by, untilMs: result.untilMs, mine: false }), ctx.logger);
    else if (result.kind === 'closed') await tell(ctx.client, place, alreadyClosedText(result.token), ctx.logger);
    if (click.from_home) await deps.publishHome(ctx.client, click.user);
    return result.kind === 'claimed' ? 'done' : 'unchanged';
  };
}
