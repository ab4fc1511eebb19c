/**
 * Time parsing and formatting shared by the wire format, config and CLI.
 *
 * Python agents emit naive ISO times (`2025-01-01T12:00:00`, maybe with microseconds): `parseIsoTime` reads an
 * offset-less time as UTC; the lifecycle then shifts it by the agent's offset when it knows one (the runner's
 * declared time zone, or an offset inferred from `created_at`: see `inferUtcOffset`). rodizio writes its own times
 * as `…+00:00`, which every Python 3.7+ `fromisoformat` reads.
 */

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/** True for an ISO time without an offset or `Z` (a Python naive datetime): its zone is the writer's guess. */
export function isNaiveIsoTime(text: string): boolean {
  const m = ISO.exec(text.trim());
  return m !== null && m[8] === undefined;
}

/** Parses an ISO 8601 date or date-time into epoch milliseconds; `undefined` when it is not one. */
export function parseIsoTime(text: string): number | undefined {
  const m = ISO.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return undefined;
  const ms = frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0;
  let utc = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  // Date.UTC rolls 31 February over into March: reject instead of guessing.
  if (new Date(utc).getUTCDate() !== day) return undefined;
  if (zone && zone !== 'Z' && zone !== 'z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offset = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0');
    utc -= sign * offset * 60_000;
  }
  return utc;
}

/** Formats epoch milliseconds as `2026-01-01T12:00:00.000+00:00`. */
export function formatIsoTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+00:00');
}

const MINUTE = 60_000;

/** `-05:00`, `+05:30`, `+00:00` for an offset in minutes east of UTC. */
export function formatUtcOffset(minutes: number): string {
  const abs = Math.abs(minutes);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${minutes < 0 ? '-' : '+'}${hh}:${mm}`;
}

/** Minutes east of UTC for `-05:00` / `+0530`; `undefined` when the text is not an offset. */
export function parseUtcOffset(text: string): number | undefined {
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(text);
  if (!m) return undefined;
  const minutes = Number(m[2]) * 60 + Number(m[3]);
  return minutes > 14 * 60 ? undefined : (m[1] === '-' ? -1 : 1) * minutes;
}

/** A naive time's instant when it was written at `offsetMinutes` east of UTC; aware times keep their own offset. */
export function parseIsoTimeAt(text: string, offsetMinutes: number): number | undefined {
  const ms = parseIsoTime(text);
  if (ms === undefined || !isNaiveIsoTime(text)) return ms;
  return ms - offsetMinutes * MINUTE;
}

// Building a DateTimeFormat costs far more than using one: one per zone for the life of the process.
const zoneFormats = new Map<string, Intl.DateTimeFormat>();

function zoneFormat(zone: string): Intl.DateTimeFormat {
  let format = zoneFormats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    zoneFormats.set(zone, format);
  }
  return format;
}

/** True when Intl knows the IANA time zone `name` (`America/New_York`, `Asia/Kolkata`, `UTC`). */
export function isValidTimeZone(name: string): boolean {
  if (name.trim() === '') return false;
  try {
    zoneFormat(name);
    return true;
  } catch {
    return false;
  }
}

/** Minutes east of UTC that `zone` observes at the instant `utcMs` (DST included). */
export function zoneOffsetMinutes(zone: string, utcMs: number): number {
  const parts: Record<string, number> = {};
  for (const p of zoneFormat(zone).formatToParts(new Date(utcMs))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const wall = Date.UTC(
    parts.year ?? 1970,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
    parts.second ?? 0,
  );
  // The formatter drops milliseconds, so compare whole seconds.
  return Math.round((wall - Math.floor(utcMs / 1000) * 1000) / MINUTE);
}

/**
 * The offset (minutes east of UTC) that a wall-clock time in `zone` has, given that wall time read as UTC.
 * Like Python's `fold=0`: a time that occurs twice (clocks go back) is its first occurrence, a time that never
 * occurs (clocks go forward) is read with the offset in force before the change.
 */
export function wallTimeOffsetMinutes(zone: string, wallAsUtcMs: number): number {
  const DAY = 86_400_000;
  const before = zoneOffsetMinutes(zone, wallAsUtcMs - DAY);
  const after = zoneOffsetMinutes(zone, wallAsUtcMs + DAY);
  const fits = (offset: number) => zoneOffsetMinutes(zone, wallAsUtcMs - offset * MINUTE) === offset;
  if (fits(before)) return before;
  if (fits(after)) return after;
  return before;
}

/** Differences between created_at and arrival that read as the agent's offset: 30 min to 14 h, in 15-min steps. */
export const OFFSET_INFERENCE = {
  minMinutes: 30,
  maxMinutes: 14 * 60,
  stepMinutes: 15,
  /** How far the raw difference may be from the quarter hour (transit, a token built a little before sending). */
  toleranceMs: 2 * MINUTE,
} as const;

/**
 * The agent's UTC offset, inferred from a naive `created_at` (read as UTC) and the moment the token arrived:
 * the difference rounded to the nearest quarter hour when it is at least 30 minutes and at most 14 hours and the
 * raw difference lies within 2 minutes of that quarter hour. `undefined` when the difference is no such evidence.
 */
export function inferUtcOffset(naiveCreatedAsUtcMs: number, arrivedMs: number): number | undefined {
  const { minMinutes, maxMinutes, stepMinutes, toleranceMs } = OFFSET_INFERENCE;
  const diffMs = naiveCreatedAsUtcMs - arrivedMs;
  const minutes = Math.round(diffMs / (stepMinutes * MINUTE)) * stepMinutes;
  if (Math.abs(minutes) < minMinutes || Math.abs(minutes) > maxMinutes) return undefined;
  if (Math.abs(diffMs - minutes * MINUTE) > toleranceMs) return undefined;
  return minutes;
}

const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** Parses durations such as `90s`, `6h`, `30d`, `1h30m`; `undefined` when the text is not one. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^(\d+(\.\d+)?(ms|s|m|h|d|w))+$/.test(trimmed)) return undefined;
  let total = 0;
  for (const [, n, unit] of trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g)) {
    total += Number(n) * (UNITS[unit as string] ?? Number.NaN);
  }
  return Number.isFinite(total) ? Math.round(total) : undefined;
}

/** Renders a duration for people: `6h`, `1d 2h`, `45m`, `12s`. */
export function formatDuration(ms: number): string {
  const abs = Math.max(0, Math.round(ms / 1000));
  const d = Math.floor(abs / 86_400);
  const h = Math.floor((abs % 86_400) / 3600);
  const m = Math.floor((abs % 3600) / 60);
  const s = abs % 60;
  const parts = [d && `${d}d`, h && `${h}h`, m && `${m}m`].filter(Boolean) as string[];
  if (parts.length === 0) return `${s}s`;
  return parts.slice(0, 2).join(' ');
}
