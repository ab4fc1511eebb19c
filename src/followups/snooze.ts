import type { SnoozeState } from '../../blocks/snooze.js';
import type { Config } from '../config.js';
import type { Token } from '../domain/token.js';
import type { Purgatory } from '../purgatory.js';
import { rowToToken } from '../store/tokens.js';
import { formatIsoTime } from '../time.js';
import { projectQuietHours, tomorrowAt } from './quiet-hours.js';

const HOUR = 3_600_000;

/** What the Snooze menu offers: an hour, until 9:00 the next morning, or (while snoozed) reminders back on. */
export const SNOOZE_CHOICES = ['1h', 'tomorrow', 'resume'] as const;
export type SnoozeChoice = (typeof SNOOZE_CHOICES)[number];

/** "Until tomorrow 9:00" means 9:00 on the next calendar day in the zone chosen by `snoozeTimeZone`. */
export const SNOOZE_MORNING = '09:00';

/**
 * The zone "tomorrow 9:00" is read in: the project's quiet-hours zone (the team's working day is defined
 * there), else the clicker's own Slack time zone, else UTC.
 */
export function snoozeTimeZone(
  config: Config,
  token: Pick<Token, 'project'>,
  userZone: string | undefined,
): { zone: string; from: 'quiet_hours' | 'user' | 'utc' } {
  const quiet = projectQuietHours(config, token);
  if (quiet) return { zone: quiet.tz, from: 'quiet_hours' };
  if (userZone) return { zone: userZone, from: 'user' };
  return { zone: 'UTC', from: 'utc' };
}

/** When a snooze chosen at `nowMs` ends. */
export function snoozeEnd(choice: Exclude<SnoozeChoice, 'resume'>, nowMs: number, zone: string): number {
  return choice === '1h' ? nowMs + HOUR : tomorrowAt(zone, nowMs, SNOOZE_MORNING);
}

/** The token's snooze while it lasts, for the card. */
export function liveSnooze(token: Token, nowMs: number): SnoozeState | null {
  const { snoozed_until, snoozed_by } = token.followup;
  const until = snoozed_until ? Date.parse(snoozed_until) : Number.NaN;
  return token.status === 'pending' && snoozed_by && until > nowMs ? { user: snoozed_by, until } : null;
}

export type SnoozeResult =
  | { kind: 'snoozed'; token: Token; untilMs: number }
  | { kind: 'resumed'; token: Token }
  | { kind: 'not_snoozed'; token: Token }
  | { kind: 'closed'; token: Token }
  | { kind: 'missing' };

/**
 * Snoozing a token's reminders. A token has one set of answerers (its own, else its project's), and its reminders
 * go to all of them in one thread: so "that person's team" is everyone the token's reminders reach, and a snooze
 * pauses the token's reminders for all of them, recording who snoozed. Deadline, warning and escalation run on.
 * Each change is one transaction: the compare-and-set, the audit event and the card update.
 */
export function createSnoozes({ purgatory }: { purgatory: Purgatory }) {
  return {
    /** Snoozes (or, with `resume`, un-snoozes) the token's reminders for everyone; `zone` reads "tomorrow 9:00". */
    apply(tokenId: string, user: string, choice: SnoozeChoice, zone: string): Promise<SnoozeResult> {
      return purgatory.change(async (ctx): Promise<SnoozeResult> => {
        const row = await ctx.tx.tokens.get(tokenId);
        if (!row) return { kind: 'missing' };
        const before = rowToToken(row);
        if (before.status !== 'pending') return { kind: 'closed', token: before };
        if (choice === 'resume') {
          if (!(await ctx.tx.followups.resumeSnooze(tokenId, ctx.nowMs))) return { kind: 'not_snoozed', token: before };
          await ctx.event({ tokenId, type: 'snooze_ended', actor: user, data: { user: before.followup.snoozed_by } });
          const token = await ctx.token(tokenId);
          await ctx.plan({ type: 'updated', token, what: 'snooze_ended' });
          return { kind: 'resumed', token };
        }
        const untilMs = snoozeEnd(choice, ctx.nowMs, zone);
        if (!(await ctx.tx.followups.snooze(tokenId, user, untilMs))) return { kind: 'closed', token: before };
        await ctx.event({
          tokenId,
          type: 'snoozed',
          actor: user,
          data: { until: formatIsoTime(untilMs), until_ms: untilMs, choice, time_zone: zone },
        });
        const token = await ctx.token(tokenId);
        await ctx.plan({ type: 'updated', token, what: 'snoozed' });
        return { kind: 'snoozed', token, untilMs };
      });
    },

    /** Lifts snoozes that ran out and refreshes those cards; a closed token's snooze is cleared without a word. */
    async releaseEnded(nowMs: number, limit = 500): Promise<number> {
      let released = 0;
      for (const row of await purgatory.store.followups.snoozesEnded(nowMs, limit)) {
        const done = await purgatory.change(async (ctx) => {
          if (!(await ctx.tx.followups.releaseSnooze(row.id, ctx.nowMs))) return false;
          const token = await ctx.token(row.id);
          if (token.status !== 'pending') return false;
          await ctx.event({ tokenId: row.id, type: 'snooze_ended', actor: 'rodizio', data: { user: row.snooze_user } });
          await ctx.plan({ type: 'updated', token, what: 'snooze_ended' });
          return true;
        });
        if (done) released++;
      }
      return released;
    },
  };
}

export type Snoozes = ReturnType<typeof createSnoozes>;
