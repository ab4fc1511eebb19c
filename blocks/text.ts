/**
 * Text helpers for Block Kit. Lengths are counted in UTF-16 code units (JavaScript's `length`), which is never
 * less than Slack's character count, so a string that fits here fits in Slack; cuts never split an emoji's
 * surrogate pair.
 */

/** Cuts `text` to at most `max` code units, ending with `…` when something was removed. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let out = '';
  for (const ch of text) {
    if (out.length + ch.length > max - 1) break;
    out += ch;
  }
  return `${out}…`;
}

/** Escapes the three characters Slack's mrkdwn treats as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Escapes and cuts text for an mrkdwn field, never leaving half an entity (`&am…`) at the cut.
 */
export function mrkdwnFit(text: string, max: number): { text: string; cut: boolean } {
  const escaped = escapeMrkdwn(text);
  if (escaped.length <= max) return { text: escaped, cut: false };
  let cut = truncate(escaped, max);
  cut = cut.replace(/&[a-z]{0,3}…$/, '…');
  return { text: cut, cut: true };
}

/** A single line of plain text, whitespace folded, cut to `max`. */
export function plainLine(text: string, max: number): string {
  return truncate(text.replace(/\s+/g, ' ').trim() || '—', max);
}

/** Slack's date formatting token: renders in each viewer's time zone, with a plain fallback. */
export function slackDate(ms: number, format = '{date_short_pretty} {time}'): string {
  const seconds = Math.floor(ms / 1000);
  const fallback = new Date(ms).toISOString().replace('T', ' ').slice(0, 16);
  return `<!date^${seconds}^${format}|${fallback} UTC>`;
}

/** A user mention. */
export const mention = (userId: string) => `<@${userId}>`;
