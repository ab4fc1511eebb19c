import { z } from 'zod';
import type { QuietState } from '../../blocks/snooze.js';
import type { Config } from '../config.js';
import type { Token } from '../domain/token.js';
import type { Purgatory } from '../purgatory.js';
import type { QuietHold } from '../store/followups.js';
import { formatIsoTime, isValidTimeZone, zoneOffsetMinutes } from '../time.js';

const MINUTE = 60_000;
const DAY = 86_400_000;

/** Day names as `days` takes them, in `Date.getUTCDay()` order (Sunday first). */
export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const TimeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day as HH:MM, 00:00 to 23:59');

/**
 * `projects.<name>.quiet_hours` in the config file: when reminders and escalations of the project's non-critical
 * tokens wait. `from`–`to` is a nightly window in `tz` (it crosses midnight when `to` is earlier than `from`);
 * `days` are whole days that are quiet from 00:00 to 24:00 (weekends). Either or both.
 */
export const QuietHours = z
  .strictObject({
    /** The IANA time zone the hours and days are read in; DST is followed. */
    tz: z.string().refine(isValidTimeZone, {
      error: (i) => `"${String(i.input)}" is not an IANA time zone such as Europe/Lisbon`,
    }),
    from: TimeOfDay.optional(),
    to: TimeOfDay.optional(),
    days: z
      .array(z.enum(WEEKDAYS, { error: `must be one of ${WEEKDAYS.join(', ')}` }))
      .max(7)
      .default([]),
  })
  .superRefine((q, ctx) => {
    if ((q.from === undefined) !== (q.to === undefined)) {
      ctx.addIssue({ code: 'custom', path: [q.from === undefined ? 'from' : 'to'], message: 'give both from and to' });
    }
    if (q.from !== undefined && q.from === q.to) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'must differ from "from" (use days for whole days)' });
    }
    if (q.from === undefined && q.days.length === 0) {
      ctx.addIssue({ code: 'custom', path: [], message: 'give from and to, or days, or both' });
    }
    if (new Set(q.days).size !== q.days.length) {
      ctx.addIssue({ code: 'custom', path: ['days'], message: 'must not repeat a day' });
    } else if (q.days.length === 7) {
      ctx.addIssue({ code: 'custom', path: ['days'], message: 'every day quiet would hold reminders forever' });
    }
  });
export type QuietHours = z.infer<typeof QuietHours>;

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** A wall-clock time in the zone as epoch-like ms (the wall time read as if it were UTC). */
const wallOf = (zone: string, ms: number) => ms + zoneOffsetMinutes(zone, ms) * MINUTE;

/**
 * Where the quiet spell holding wall time `wall` ends (wall time), or null when `wall` is not quiet. Each rule
 * that holds is one interval containing `wall`; their union runs to the latest of their ends.
 */
function spellEnd(q: QuietHours, wall: number): number | null {
  const dayStart = wall - (((wall % DAY) + DAY) % DAY);
  const minute = (wall - dayStart) / MINUTE;
  const ends: number[] = [];
  const weekday = WEEKDAYS[new Date(dayStart).getUTCDay()] as Weekday;
  if (q.days.includes(weekday)) ends.push(dayStart + DAY);
  if (q.from !== undefined && q.to !== undefined) {
    const from = minutesOf(q.from);
    const to = minutesOf(q.to);
    if (from < to) {
      if (minute >= from && minute < to) ends.push(dayStart + to * MINUTE);
    } else if (minute >= from) {
      ends.push(dayStart + DAY + to * MINUTE);
    } else if (minute < to) {
      ends.push(dayStart + to * MINUTE);
    }
  }
  return ends.length ? Math.max(...ends) : null;
}

/**
 * The instant a wall time in `zone` happens, the first one after `afterMs`. A time that happens twice (clocks go
 * back) is its first occurrence unless that one has passed; a time that never happens (clocks go forward) is read
 * with the offset before the change, which lands just after the gap.
 */
export function wallToInstant(zone: string, wall: number, afterMs: number): number {
  const offsets = [...new Set([zoneOffsetMinutes(zone, wall - DAY), zoneOffsetMinutes(zone, wall + DAY)])];
  const valid = offsets
    .map((offset) => ({ offset, at: wall - offset * MINUTE }))
    .filter(({ offset, at }) => zoneOffsetMinutes(zone, at) === offset)
    .map(({ at }) => at)
    .sort((a, b) => a - b);
  const at = valid.find((t) => t > afterMs) ?? valid.at(-1) ?? wall - (offsets[0] ?? 0) * MINUTE;
  return Math.max(at, afterMs + 1);
}

/**
 * When the quiet spell around `nowMs` ends (epoch ms), or null when `nowMs` is outside quiet hours. Spells that
 * touch (Friday night into a quiet Saturday and Sunday, into Monday's early hours) are one spell.
 */
export function quietUntil(q: QuietHours, nowMs: number): number | null {
  const wallNow = wallOf(q.tz, nowMs);
  let wall = wallNow;
  // Seven whole days cannot all be quiet (the schema refuses it), so a few steps always reach a loud moment.
  for (let step = 0; step < 16; step++) {
    const end = spellEnd(q, wall);
    if (end === null) break;
    wall = end;
  }
  return wall === wallNow ? null : wallToInstant(q.tz, wall, nowMs);
}

/** `08:00` for an instant, as the clocks in `zone` show it. */
export function wallClockText(zone: string, ms: number): string {
  const wall = new Date(wallOf(zone, ms));
  return `${String(wall.getUTCHours()).padStart(2, '0')}:${String(wall.getUTCMinutes()).padStart(2, '0')}`;
}

/** The next `hh:mm` in `zone` on the calendar day after the one `nowMs` falls on there ("tomorrow 9:00"). */
export function tomorrowAt(zone: string, nowMs: number, hhmm: string): number {
  const wallNow = wallOf(zone, nowMs);
  const dayStart = wallNow - (((wallNow % DAY) + DAY) % DAY);
  return wallToInstant(zone, dayStart + DAY + minutesOf(hhmm) * MINUTE, nowMs);
}

/** The quiet hours of a token's project, if it has any. */
export function projectQuietHours(config: Config, token: Pick<Token, 'project'>): QuietHours | undefined {
  return token.project ? config.file.projects[token.project]?.quiet_hours : undefined;
}

/**
 * Until when a reminder or escalation of `token` falling at `nowMs` waits: the end of its project's quiet spell,
 * or null when it goes now (no quiet hours, outside them, or a `critical` token, which is never held).
 */
export function heldUntil(config: Config, token: Pick<Token, 'project' | 'severity'>, nowMs: number): number | null {
  if (token.severity === 'critical') return null;
  const q = projectQuietHours(config, token);
  return q ? quietUntil(q, nowMs) : null;
}

/** The token's quiet-hours hold while it lasts, for the card: when things resume, also on the project's clocks. */
export function liveQuiet(config: Config, token: Token, nowMs: number): QuietState | null {
  const { quiet_until, quiet_hold } = token.followup;
  const until = quiet_until ? Date.parse(quiet_until) : Number.NaN;
  if (token.status !== 'pending' || !quiet_hold || !(until > nowMs)) return null;
  const tz = projectQuietHours(config, token)?.tz ?? 'UTC';
  return { until, what: quiet_hold, tz, wall: wallClockText(tz, until) };
}

/**
 * Holding reminders and escalations through quiet hours. A hold is recorded once per token and spell (a
 * `quiet_held` event and a card update saying when things resume), so the sweeps skip the token until the spell
 * ends instead of reconsidering it every run; `releaseEnded` lifts it and refreshes the card, and the next sweep
 * sends what waited.
 */
export function createQuietHolds({ purgatory, config }: { purgatory: Purgatory; config: Config }) {
  return {
    /** Until when `token`'s reminder or escalation due at `nowMs` waits; null when it goes now. */
    heldUntil: (token: Token, nowMs: number) => heldUntil(config, token, nowMs),

    /** Records that `what` waits until `untilMs`; false when that was already recorded. */
    hold(token: Token, untilMs: number, what: QuietHold): Promise<boolean> {
      return purgatory.change(async (ctx) => {
        if (!(await ctx.tx.followups.holdForQuiet(token.id, untilMs, what, ctx.nowMs))) return false;
        const tz = projectQuietHours(config, token)?.tz ?? null;
        await ctx.event({
          tokenId: token.id,
          type: 'quiet_held',
          actor: 'rodizio',
          data: { what, until: formatIsoTime(untilMs), until_ms: untilMs, time_zone: tz },
        });
        await ctx.plan({ type: 'updated', token: await ctx.token(token.id), what: 'quiet_held' });
        return true;
      });
    },

    /** Lifts holds whose quiet spell ended and refreshes those cards. */
    async releaseEnded(nowMs: number, limit = 500): Promise<number> {
      let released = 0;
      for (const row of await purgatory.store.followups.quietEnded(nowMs, limit)) {
        const done = await purgatory.change(async (ctx) => {
          if (!(await ctx.tx.followups.releaseQuiet(row.id, ctx.nowMs))) return false;
          const token = await ctx.token(row.id);
          if (token.status === 'pending') await ctx.plan({ type: 'updated', token, what: 'quiet_ended' });
          return true;
        });
        if (done) released++;
      }
      return released;
    },
  };
}

export type QuietHolds = ReturnType<typeof createQuietHolds>;
