import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { who } from '../../blocks/display.js';
import { NotFoundError } from '../../src/errors.js';
import { type IntakeProcessor, intakeKind } from '../../src/slack/intake.js';
import type { HandlerDeps } from '../deps.js';
import { actionKey } from '../intake-keys.js';
import { tell } from '../tell.js';

type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

/** "Revoke" beside a standing grant (App Home or `/rodizio grants`). */
export const RevokeClick = intakeKind(
  'grant_revoke',
  z.object({
    grant_id: z.string().min(1),
    user: z.string().min(1),
    channel: z.string().nullable(),
    trigger_id: z.string().nullable(),
    from_home: z.boolean(),
  }),
);
type RevokeClick = z.infer<typeof RevokeClick.schema>;

/** Recorded, acked, then the grant is revoked (see the processor). */
export function createRevokeGrantHandler(deps: HandlerDeps) {
  return async ({ ack, body, action, client }: ButtonArgs): Promise<void> => {
    const user = body.user.id;
    if (!action.value) {
      await ack();
      const place = { userId: user, channel: body.channel?.id, triggerId: body.trigger_id };
      return tell(client, place, 'This button names no grant. Nothing changed.', deps.logger);
    }
    const where = body.message?.ts ?? body.view?.id ?? body.container?.message_ts ?? 'unknown';
    const { id, fresh } = await deps.intake.record(
      RevokeClick,
      actionKey({ actionId: action.action_id, where, user, actionTs: action.action_ts }),
      {
        grant_id: action.value,
        user,
        channel: body.channel?.id ?? null,
        trigger_id: body.trigger_id ?? null,
        from_home: body.container?.type === 'view',
      },
    );
    await ack();
    if (fresh) await deps.intake.process(id);
  };
}

/**
 * Revokes the grant: anyone who can see the list may, since revoking only means matching requests are asked
 * again. The person is told what happened; App Home is published again.
 */
export function createRevokeGrantProcessor(deps: HandlerDeps): IntakeProcessor<RevokeClick> {
  return async (click, ctx) => {
    const place = { userId: click.user, channel: click.channel ?? undefined, triggerId: click.trigger_id ?? undefined };
    let text: string;
    let changed = false;
    try {
      const result = await deps.purgatory.revokeGrant(click.grant_id, click.user);
      changed = result.changed;
      const { grant } = result;
      text = changed
        ? `🔒 Revoked grant \`${grant.id}\` (${grant.tool}). Matching requests are asked in Slack again.`
        : `Grant \`${grant.id}\` was already revoked by ${who(grant.revoked_by)}. Nothing changed.`;
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      text = 'This grant no longer exists. Nothing changed.';
    }
    // Revoking again after a restart finds it revoked by this very person: that is this click, done.
    await tell(ctx.client, place, text, ctx.logger);
    if (click.from_home) await deps.publishHome(ctx.client, click.user);
    return changed || ctx.attempt > 1 ? 'done' : 'unchanged';
  };
}
