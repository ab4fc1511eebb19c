// @ts-check
/**
 * Slack mrkdwn → safe HTML, as Slack's client shows it. Pure (no DOM), so it runs in the browser and in Node.
 *
 * Every character of the input ends up HTML-escaped; the only markup in the output is what this module writes
 * itself (b, i, s, code, pre, blockquote, br, a, span, time). Slack's own escapes (`&lt; &gt; &amp;`) are decoded
 * first, so they display as `< > &` and never become live HTML.
 */

/**
 * Names the converter resolves, and how it formats dates.
 * @typedef {object} MrkdwnContext
 * @property {Record<string, string>} [users] user id → name, for `<@U…>`
 * @property {Record<string, string>} [usergroups] user group id → handle, for `<!subteam^S…>`
 * @property {Record<string, string>} [channels] channel id → name, for `<#C…>`
 * @property {string} [timeZone] IANA zone for `<!date^…>` (default: the viewer's own)
 * @property {number} [now] epoch ms that "today" is relative to (default: `Date.now()`)
 */

/** @type {Record<string, string>} */
const HTML_ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Escapes text for HTML content and attribute values.
 * @param {unknown} text
 * @returns {string}
 */
export function escapeHtml(text) {
  return String(text ?? '').replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/**
 * Decodes the three entities Slack escapes in mrkdwn, in one pass (`&amp;lt;` becomes the text `&lt;`).
 * @param {string} text
 * @returns {string}
 */
export function decodeSlackEntities(text) {
  return text.replace(/&(lt|gt|amp);/g, (_, name) => (name === 'lt' ? '<' : name === 'gt' ? '>' : '&'));
}

/** Placeholder delimiters (private-use characters, removed from the input so it cannot forge them). */
const OPEN = '\uE000';
const CLOSE = '\uE001';
const PLACEHOLDER = /\uE000(\d+)\uE001/g;

/**
 * Whether a URL may become a link target.
 * @param {string} url
 * @returns {boolean}
 */
export function isSafeUrl(url) {
  return /^(https?:\/\/|mailto:)/i.test(url);
}

/**
 * The HTML for one `<…>` control sequence, or null when it is not one (it then shows as typed).
 * @param {string} inner what is between `<` and `>`
 * @param {MrkdwnContext} ctx
 * @returns {string | null}
 */
function renderControl(inner, ctx) {
  const bar = inner.indexOf('|');
  const target = bar < 0 ? inner : inner.slice(0, bar);
  const label = bar < 0 ? '' : decodeSlackEntities(inner.slice(bar + 1));
  const mention = (/** @type {string} */ text) => `<span class="mention">${escapeHtml(text)}</span>`;
  if (/^@[UW][A-Z0-9]+$/.test(target)) {
    const id = target.slice(1);
    return mention(`@${ctx.users?.[id] ?? (label.replace(/^@/, '') || id)}`);
  }
  if (/^#[CGD][A-Z0-9]+$/.test(target)) {
    const id = target.slice(1);
    return mention(`#${ctx.channels?.[id] ?? (label.replace(/^#/, '') || id)}`);
  }
  if (target.startsWith('!')) {
    const command = target.slice(1);
    const group = /^subteam\^([A-Z0-9]+)$/.exec(command);
    if (group?.[1]) return mention(`@${ctx.usergroups?.[group[1]] ?? (label.replace(/^@/, '') || group[1])}`);
    if (command === 'here' || command === 'channel' || command === 'everyone') return mention(`@${command}`);
    if (command.startsWith('date^')) return renderDate(command, label, ctx);
    return label ? escapeHtml(label) : null;
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
    const url = decodeSlackEntities(target);
    const text = escapeHtml(label || url);
    if (!isSafeUrl(url)) return text;
    return `<a href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer">${text}</a>`;
  }
  return null;
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** @type {Map<string, Intl.DateTimeFormat>} */
const formatters = new Map();

/**
 * The calendar fields of an instant in a time zone (the viewer's when `timeZone` is undefined).
 * @param {number} ms
 * @param {string | undefined} timeZone
 */
function calendar(ms, timeZone) {
  const key = timeZone ?? '';
  let format = formatters.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      hourCycle: 'h23',
    });
    formatters.set(key, format);
  }
  /** @type {Record<string, number>} */
  const f = {};
  for (const part of format.formatToParts(ms)) if (part.type !== 'literal') f[part.type] = Number(part.value);
  const year = f.year ?? 1970;
  const month = f.month ?? 1;
  const day = f.day ?? 1;
  const dayNumber = Date.UTC(year, month - 1, day) / 86_400_000;
  return { year, month, day, hour: (f.hour ?? 0) % 24, minute: f.minute ?? 0, second: f.second ?? 0, dayNumber };
}

/**
 * "1st", "2nd", "23rd", "11th".
 * @param {number} n
 */
function ordinal(n) {
  const teen = n % 100 >= 11 && n % 100 <= 13;
  const suffix = teen ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' }[n % 10] ?? 'th');
  return `${n}${suffix}`;
}

/**
 * Slack's date tokens for one instant; undefined for a token Slack does not know.
 * @param {string} token
 * @param {number} ms
 * @param {MrkdwnContext} ctx
 * @returns {string | undefined}
 */
function dateToken(token, ms, ctx) {
  const c = calendar(ms, ctx.timeZone);
  const month = MONTHS[c.month - 1] ?? '';
  const weekday = WEEKDAYS[new Date(Date.UTC(c.year, c.month - 1, c.day)).getUTCDay()] ?? '';
  const clock = (/** @type {boolean} */ secs) => {
    const h = c.hour % 12 || 12;
    const mm = String(c.minute).padStart(2, '0');
    const ss = secs ? `:${String(c.second).padStart(2, '0')}` : '';
    return `${h}:${mm}${ss} ${c.hour < 12 ? 'AM' : 'PM'}`;
  };
  const pretty = (/** @type {string} */ otherwise) => {
    const diff = c.dayNumber - calendar(ctx.now ?? Date.now(), ctx.timeZone).dayNumber;
    return diff === 0 ? 'today' : diff === -1 ? 'yesterday' : diff === 1 ? 'tomorrow' : otherwise;
  };
  const date = `${month} ${ordinal(c.day)}, ${c.year}`;
  const dateShort = `${month.slice(0, 3)} ${c.day}, ${c.year}`;
  const dateLong = `${weekday}, ${date}`;
  switch (token) {
    case 'date_num':
      return `${c.year}-${String(c.month).padStart(2, '0')}-${String(c.day).padStart(2, '0')}`;
    case 'date':
      return date;
    case 'date_short':
      return dateShort;
    case 'date_long':
      return dateLong;
    case 'date_pretty':
      return pretty(date);
    case 'date_short_pretty':
      return pretty(dateShort);
    case 'date_long_pretty':
      return pretty(dateLong);
    case 'time':
      return clock(false);
    case 'time_secs':
      return clock(true);
    default:
      return undefined;
  }
}

/**
 * `<!date^seconds^format[^link]|fallback>`: the format with its tokens filled in, or the fallback when the
 * timestamp or a token is not understood.
 * @param {string} command `date^…` (without the `!`)
 * @param {string} fallback the decoded text after `|`
 * @param {MrkdwnContext} ctx
 * @returns {string}
 */
function renderDate(command, fallback, ctx) {
  const [, seconds = '', format = '', ...rest] = command.split('^');
  const link = decodeSlackEntities(rest.join('^'));
  const ms = Number(seconds) * 1000;
  const shown = escapeHtml(fallback || format);
  if (!/^-?\d+$/.test(seconds) || !Number.isFinite(ms)) return shown;
  let ok = true;
  let text;
  try {
    text = decodeSlackEntities(format).replace(/\{([a-z_]+)\}/g, (_, token) => {
      const value = dateToken(token, ms, ctx);
      if (value === undefined) ok = false;
      return value ?? '';
    });
  } catch {
    ok = false; // an unknown time zone
  }
  if (!ok || text === undefined) return shown;
  const html = `<time class="date" datetime="${new Date(ms).toISOString()}" title="${escapeHtml(fallback)}">${escapeHtml(text)}</time>`;
  return link && isSafeUrl(link)
    ? `<a href="${escapeHtml(link)}" target="_blank" rel="noopener noreferrer">${html}</a>`
    : html;
}

/** @type {Record<string, string>} */
const MARKERS = { '*': 'b', _: 'i', '~': 's' };
const WORD = /[\p{L}\p{N}]/u;
const SPACE = /\s/;

/**
 * Bold, italic and strikethrough on one escaped line. A marker opens only at the start or after a non-word
 * character and before a non-space; it closes after a non-space and before the end or a non-word character,
 * so `snake_case_name` and `2*3*4` stay as they are. Pairs nest properly because the content is formatted
 * recursively; closers are found in one pass so a long line stays linear.
 * @param {string} s
 * @returns {string}
 */
function formatLine(s) {
  /** @type {Record<string, number[]>} */
  const closers = { '*': [], _: [], '~': [] };
  /** @type {Record<string, number>} */
  const next = { '*': 0, _: 0, '~': 0 };
  for (let j = 1; j < s.length; j += 1) {
    const marker = s[j] ?? '';
    const before = s[j - 1] ?? ' ';
    const after = s[j + 1];
    if (MARKERS[marker] && !SPACE.test(before) && before !== marker && (after === undefined || !WORD.test(after))) {
      closers[marker]?.push(j);
    }
  }
  let out = '';
  let i = 0;
  while (i < s.length) {
    const c = s[i] ?? '';
    const tag = MARKERS[c];
    if (tag && opens(s, i)) {
      const list = closers[c] ?? [];
      let k = next[c] ?? 0;
      while (k < list.length && (list[k] ?? 0) < i + 2) k += 1;
      next[c] = k;
      const j = list[k];
      if (j !== undefined) {
        out += `<${tag}>${formatLine(s.slice(i + 1, j))}</${tag}>`;
        i = j + 1;
        continue;
      }
    }
    out += c;
    i += 1;
  }
  return out;
}

/**
 * Whether the marker at `i` may open a span.
 * @param {string} s
 * @param {number} i
 */
function opens(s, i) {
  const before = s[i - 1];
  const after = s[i + 1];
  return (before === undefined || !WORD.test(before)) && after !== undefined && !SPACE.test(after) && after !== s[i];
}

/**
 * Slack mrkdwn → HTML that is safe to assign to `innerHTML`.
 *
 * Supports `*bold*`, `_italic_`, `~strike~`, `` `code` ``, ```` ```blocks``` ````, `>` and `>>>` quotes, links,
 * user / user group / channel mentions, `@here` `@channel` `@everyone`, `<!date^…>`, and newlines.
 * @param {unknown} text
 * @param {MrkdwnContext} [ctx]
 * @returns {string}
 */
export function renderMrkdwn(text, ctx = {}) {
  /** @type {string[]} */
  const slots = [];
  const hold = (/** @type {string} */ html) => `${OPEN}${slots.push(html) - 1}${CLOSE}`;
  /** @type {(html: string) => string} */
  const restore = (html) => html.replace(PLACEHOLDER, (_, n) => restore(slots[Number(n)] ?? ''));

  let s = String(text ?? '').replace(/[\uE000\uE001]/g, '');
  s = s.replace(/<([^<>\n]+)>/g, (whole, inner) => {
    const html = renderControl(inner, ctx);
    return html === null ? whole : hold(html);
  });
  s = s.replace(/```([\s\S]+?)```/g, (_, code) => {
    const body = decodeSlackEntities(code.replace(/^\n/, '').replace(/\n$/, ''));
    return hold(`<pre class="code-block">${escapeHtml(body)}</pre>`);
  });
  s = s.replace(/`([^`\n]+)`/g, (_, code) => hold(`<code>${escapeHtml(decodeSlackEntities(code))}</code>`));

  /** @type {{ quote: boolean, html: string }[]} */
  const lines = [];
  let quoteRest = false;
  for (const raw of s.split('\n')) {
    let line = decodeSlackEntities(raw);
    let quote = quoteRest;
    if (!quote && line.startsWith('>>>')) {
      quoteRest = true;
      quote = true;
      line = line.slice(3).replace(/^ /, '');
    } else if (!quote && line.startsWith('>')) {
      quote = true;
      line = line.slice(1).replace(/^ /, '');
    }
    lines.push({ quote, html: formatLine(escapeHtml(line)) });
  }

  let out = '';
  for (let k = 0; k < lines.length; k += 1) {
    const line = /** @type {{ quote: boolean, html: string }} */ (lines[k]);
    if (line.quote) {
      const group = [line.html];
      while (lines[k + 1]?.quote) {
        k += 1;
        group.push(lines[k]?.html ?? '');
      }
      out += `<blockquote>${group.join('<br>')}</blockquote>`;
    } else {
      out += line.html;
      if (k + 1 < lines.length && !lines[k + 1]?.quote) out += '<br>';
    }
  }
  return restore(out);
}
