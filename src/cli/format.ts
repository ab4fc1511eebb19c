import type { Token } from '../domain/token.js';
import { formatDuration, parseIsoTime } from '../time.js';

/** Cuts text to `max` characters with an ellipsis, on one line. */
export function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** Left-aligned columns with a header row, for terminals. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** How long ago rodizio received the token, e.g. "3h". */
export function age(token: Token, nowMs: number): string {
  const received = parseIsoTime(token.received_at);
  return received === undefined ? token.received_at : formatDuration(nowMs - received);
}

export function tokenRow(t: Token, nowMs: number): string[] {
  return [
    t.id,
    t.status,
    t.reason,
    t.severity,
    t.project ?? '-',
    t.runner,
    age(t, nowMs),
    oneLine(t.prompt || '(no prompt)', 60),
  ];
}

export const TOKEN_HEADERS = ['ID', 'STATUS', 'REASON', 'SEVERITY', 'PROJECT', 'RUNNER', 'AGE', 'PROMPT'];

function answerText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** A token as a block of `key: value` lines. */
export function describeToken(t: Token, history: { type: string; at: string; actor: string | null }[]): string {
  const lines = [`${t.id}  ${t.status.toUpperCase()}  ${t.reason}  ${t.severity}`, '', t.prompt || '(no prompt)', ''];
  const field = (k: string, v: string | null | undefined) => {
    if (v !== null && v !== undefined && v !== '') lines.push(`${`${k}:`.padEnd(16)}${v}`);
  };
  field('options', t.options.length ? t.options.join(' | ') : null);
  field('runner', t.runner);
  field('project', t.project);
  field('github issue', t.github_issue);
  field('created', t.created_at);
  field('deadline', t.deadline);
  field(
    'time offset',
    t.time_offset
      ? `naive times read at UTC${t.time_offset.assumed} (${t.time_offset.timezone ?? 'inferred from created_at'})`
      : null,
  );
  field('expiry policy', t.deadline ? t.expiry_policy : null);
  field('escalation', t.escalation);
  field('slack', t.slack ? `${t.slack.channel} ${t.slack.ts}` : null);
  if (t.status !== 'pending') {
    field('answer', t.human_input === null ? null : answerText(t.human_input));
    field('answered by', t.answered_by ? `${t.answered_by_name ?? t.answered_by} (${t.answered_by})` : null);
    field('via', t.answered_via);
    field('closed', t.resolved_at ?? t.cancelled_at ?? t.voided_at);
  }
  if (history.length) {
    lines.push('', 'history:');
    for (const e of history) lines.push(`  ${e.at}  ${e.type}${e.actor ? `  by ${e.actor}` : ''}`);
  }
  return lines.join('\n');
}
