import type { ClosedToken } from '../store/stats.js';

/** Answers nobody gave (a rule or a standing grant decided at once): counted, but not in the times. */
const AUTOMATIC = new Set(['rule', 'grant']);

export interface StatsGroup {
  /** The reason, or the channel id (`null` for tokens that had no card). */
  key: string | null;
  answered: number;
  expired: number;
  cancelled: number;
  /** Seconds from arrival to a person's answer; null when nobody answered in the window. */
  median_seconds: number | null;
  p90_seconds: number | null;
}

export interface StatsSummary {
  since: string;
  until: string;
  totals: { answered: number; expired: number; cancelled: number; pending: number };
  by_reason: StatsGroup[];
  by_channel: StatsGroup[];
}

/** The nearest-rank percentile of sorted values: always a time that was observed. */
export function nearestRank(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] as number;
}

function group(rows: ClosedToken[], keyOf: (r: ClosedToken) => string | null): StatsGroup[] {
  const groups = new Map<string | null, { rows: ClosedToken[] }>();
  for (const r of rows) {
    const key = keyOf(r);
    const g = groups.get(key) ?? { rows: [] };
    g.rows.push(r);
    groups.set(key, g);
  }
  return [...groups.entries()]
    .map(([key, g]) => {
      const times = g.rows
        .filter((r) => r.status === 'resolved' && !AUTOMATIC.has(r.via ?? ''))
        .map((r) => Math.max(0, (r.closed_ms - r.received_ms) / 1000))
        .sort((a, b) => a - b);
      return {
        key,
        answered: g.rows.filter((r) => r.status === 'resolved').length,
        expired: g.rows.filter((r) => r.status === 'expired').length,
        cancelled: g.rows.filter((r) => r.status === 'cancelled').length,
        median_seconds: nearestRank(times, 0.5),
        p90_seconds: nearestRank(times, 0.9),
      };
    })
    .sort((a, b) => b.answered + b.expired + b.cancelled - (a.answered + a.expired + a.cancelled) || cmp(a.key, b.key));
}

const cmp = (a: string | null, b: string | null) => (a ?? '\uffff').localeCompare(b ?? '\uffff');

/** What `rodizio stats` prints: counts of closed tokens, and time to answer by reason and by channel. */
export function summarizeClosed(
  rows: ClosedToken[],
  window: { sinceMs: number; untilMs: number; pending: number },
): StatsSummary {
  return {
    since: new Date(window.sinceMs).toISOString(),
    until: new Date(window.untilMs).toISOString(),
    totals: {
      answered: rows.filter((r) => r.status === 'resolved').length,
      expired: rows.filter((r) => r.status === 'expired').length,
      cancelled: rows.filter((r) => r.status === 'cancelled').length,
      pending: window.pending,
    },
    by_reason: group(rows, (r) => r.reason),
    by_channel: group(rows, (r) => r.channel),
  };
}
