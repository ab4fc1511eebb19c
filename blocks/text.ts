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

/**
 * `text` as a finished sentence: a full stop is added unless it already ends in `.`, `!`, `?` or `…` (also
 * before closing quotes, brackets or mrkdwn markers, as in `*not prod.*`), so sentences joined after it never
 * read "not prod.. The agent".
 */
export function endSentence(text: string): string {
  const t = text.trimEnd();
  return /[.!?…]['"’”)\]*_~`]*$/u.test(t) ? t : `${t}.`;
}

// A marker opens after a start, space or opening bracket/quote and closes before an end, space, punctuation or
// closing bracket/quote, hugging non-space text on both sides: so `2 * 3 * 4`, `snake_case` and `file_*.txt` stay.
const EMPHASIS = /(^|[\s([{"'“‘])([*_~])(?=\S)([^\n]*?\S)\2(?=$|[\s.,!?;:)\]}"'”’])/gu;

/**
 * Plain text from text written for mrkdwn: emphasis markers (`*bold*`, `_italic_`, `~strike~`) and code
 * backticks are removed where Slack would treat them as markers, and left alone everywhere else. For
 * `plain_text` fields (confirm dialogs, buttons), where Slack shows every `*` as typed.
 */
export function stripEmphasis(text: string): string {
  let out = text.replace(/```([\s\S]*?)```/g, '$1').replace(/`([^`\n]+)`/g, '$1');
  let before: string;
  // Nested markers (`*_both_*`) come off one layer per pass; every pass that matches makes the text shorter.
  do {
    before = out;
    out = out.replace(EMPHASIS, '$1$3');
  } while (out !== before);
  return out;
}
