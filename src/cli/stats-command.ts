import { type StatsGroup, type StatsSummary, summarizeClosed } from '../metrics/summary.js';
import { formatDuration, parseDuration } from '../time.js';
import { type Command, JSON_OPTION, UsageError } from './command.js';
import { table } from './format.js';

const DEFAULT_SINCE = '7d';

/** `--since 7d`: a positive duration, checked before the database is opened. */
function parseSince(value: string | boolean | undefined): { text: string; ms: number } {
  const text = typeof value === 'string' ? value : DEFAULT_SINCE;
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0)
    throw new UsageError(`--since takes a duration such as 24h, 7d or 4w (got "${text}")`);
  return { text, ms };
}

const seconds = (s: number | null) => (s === null ? '-' : formatDuration(s * 1000));

function groupTable(title: string, groups: StatsGroup[], none: string): string {
  const rows = groups.map((g) => [
    g.key ?? none,
    String(g.answered),
    String(g.expired),
    String(g.cancelled),
    seconds(g.median_seconds),
    seconds(g.p90_seconds),
  ]);
  return table([title, 'ANSWERED', 'EXPIRED', 'CANCELLED', 'MEDIAN', 'P90'], rows);
}

function render(s: StatsSummary, sinceText: string): string {
  const t = s.totals;
  const head = `Tokens closed in the last ${sinceText} (since ${s.since.slice(0, 16).replace('T', ' ')} UTC): ${t.answered} answered, ${t.expired} expired, ${t.cancelled} cancelled; ${t.pending} pending now`;
  if (t.answered + t.expired + t.cancelled === 0) return `${head}\n`;
  return [
    head,
    '',
    groupTable('REASON', s.by_reason, '-'),
    '',
    groupTable('CHANNEL', s.by_channel, '(no card)'),
    '',
    'MEDIAN and P90: time from arrival to a person’s answer (rules and grants not counted).',
    '',
  ].join('\n');
}

export const statsCommand: Command = {
  name: 'stats',
  summary: 'Answered/expired/cancelled counts and time to answer (median, p90) by reason and by channel',
  usage: 'rodizio stats [--since 7d] [--json]',
  details: [
    'Reads RODIZIO_DB (SQLite or Postgres), so it covers every replica and the CLI alike: the same summary',
    'as /metrics for people without Prometheus. --since is a duration (90m, 24h, 7d, 4w; default 7d) counted',
    'back from now over the time tokens left pending. --json prints {since, until, totals, by_reason,',
    'by_channel}, times in seconds.',
  ].join('\n'),
  options: { since: { type: 'string' }, ...JSON_OPTION },
  positionals: 0,
  async run({ values, io, store }) {
    const since = parseSince(values.since);
    const { store: opened } = await store();
    const untilMs = io.clock.now();
    const sinceMs = untilMs - since.ms;
    const [rows, counts] = await Promise.all([opened.stats.closedSince(sinceMs), opened.tokens.countByStatus()]);
    const summary = summarizeClosed(rows, { sinceMs, untilMs, pending: counts.pending ?? 0 });
    io.stdout(values.json ? `${JSON.stringify(summary, null, 2)}\n` : render(summary, since.text));
    return 0;
  },
};
