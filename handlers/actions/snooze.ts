import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs, StaticSelectAction } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import { alreadyClosedText } from '../../blocks/notices.js';
import { decodeSnoozeValue, forgedSnoozeText, notSnoozedText, resumedText, snoozedText } from '../../blocks/snooze.js';
import { createSnoozes, SNOOZE_CHOICES, snoozeTimeZone } from '../../src/followups/snooze.js';
import type { Logger } from '../../src/logger.js';
import { type IntakeProcessor, intakeKind } from '../../src/slack/intake.js';
import { isValidTimeZone } from '../../src/time.js';
import type { HandlerDeps } from '../deps.js';
import { actionKey } from '../intake-keys.js';
import { admitClick, tell } from '../tell.js';

type SelectArgs = SlackActionMiddlewareArgs<BlockAction<StaticSelectAction>> & AllMiddlewareArgs;

/** A choice from a card's Snooze menu: who, which token, which choice, and where to tell them. */
export const SnoozeClick = intakeKind(
  'snooze',
  z.object({
    token_id: z.string().min(1),
    choice: z.enum(SNOOZE_CHOICES),
    user: z.string().min(1),
    channel: z.string().nullable(),
    trigger_id: z.string().nullable(),
    from_home: z.boolean(),
  }),
);
type SnoozeClick = z.infer<typeof SnoozeClick.schema>;

/**
 * The Snooze menu: a value rodizio did not offer is refused at once (nothing recorded); a good one is recorded
 * in the intake table before the ack, so a crash after the ack still snoozes, then processed.
 */
export function createSnoozeHandler(deps: HandlerDeps) {
  return async ({ ack, body, action, client }: SelectArgs): Promise<void> => {
    const user = body.user.id;
    const picked = decodeSnoozeValue(action.selected_option?.value ?? '');
    if (!picked) {
      await ack();
      const place = { userId: user, channel: body.channel?.id, triggerId: body.trigger_id };
      await tell(client, place, forgedSnoozeText, deps.logger);
      return;
    }
    const { id, fresh } = await deps.intake.record(
      SnoozeClick,
      actionKey({
        actionId: action.action_id,
        where: body.message?.ts ?? body.view?.id ?? 'unknown',
        user,
        actionTs: action.action_ts,
      }),
      {
        token_id: picked.tokenId,
        choice: picked.choice,
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

/** The clicker's Slack time zone (`users.info` → `user.tz`), or undefined when Slack does not say. */
async function userTimeZone(client: WebClient, user: string, logger: Logger): Promise<string | undefined> {
  try {
    const tz = (await client.users.info({ user })).user?.tz;
    return tz && isValidTimeZone(tz) ? tz : undefined;
  } catch (err) {
    logger.info({ err, user }, 'cannot read the Slack time zone of a user; snoozing to 9:00 UTC');
    return undefined;
  }
}

/**
 * Snoozes (or resumes) the token's reminders for everyone its reminders reach, once the clicker may answer it.
 * "Until tomorrow 9:00" is read in the project's quiet-hours zone, else the clicker's Slack zone, else UTC.
 */
export function createSnoozeProcessor(deps: HandlerDeps): IntakeProcessor<SnoozeClick> {
  const snoozes = createSnoozes({ purgatory: deps.purgatory });
  return async (click, ctx) => {
    const place = { userId: click.user, channel: click.channel ?? undefined, triggerId: click.trigger_id ?? undefined };
    if (ctx.attempt > 1) {
      // An earlier attempt may have acted before its process stopped: a second `snoozed` would move the end.
      const last = (await deps.purgatory.history(click.token_id)).at(-1);
      const mine = click.choice === 'resume' ? 'snooze_ended' : 'snoozed';
      if (last?.type === mine && last.actor === click.user) return 'done';
    }
    const token = await admitClick(deps, ctx.client, place, click.token_id);
    if (!token) return 'unchanged';
    const zone =
      click.choice === 'tomorrow'
        ? snoozeTimeZone(deps.config, token, await userTimeZone(ctx.client, click.user, ctx.logger))
        : { zone: 'UTC', from: 'utc' as const };
    const result = await snoozes.apply(token.id, click.user, click.choice, zone.zone);
    const text =
      result.kind === 'snoozed'
        ? snoozedText({
            untilMs: result.untilMs,
            ...(click.choice === 'tomorrow' ? { zone: { name: zone.zone, from: zone.from } } : {}),
          })
        : result.kind === 'resumed'
          ? resumedText
          : result.kind === 'not_snoozed'
            ? notSnoozedText
            : result.kind === 'closed'
              ? alreadyClosedText(result.token)
              : 'This request no longer exists.';
    await tell(ctx.client, place, text, ctx.logger);
    if (click.from_home) await deps.publishHome(ctx.client, click.user);
    return result.kind === 'snoozed' || result.kind === 'resumed' ? 'done' : 'unchanged';
  };
}
