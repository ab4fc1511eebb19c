/**
 * Things in a terminal pane that look like credentials, replaced before the pane is posted anywhere. The rules
 * run in order, each only on text no earlier rule replaced, so a placeholder is never cut up by a later rule:
 * a labelled value becomes `KEY=[redacted]` (the label already says what it was), a bare token is named by kind.
 */
const KEY =
  '(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|auth|credentials?)(?:[_-]?key)?';

const RULES: [RegExp, string][] = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g, '[redacted private key]'],
  // https://user:secret@host → keep the scheme, user and host.
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s/@]+@/gi, '$1[redacted]@'],
  [/\b(Bearer|Basic|token)\s+[A-Za-z0-9._~+/=-]{12,}/gi, '$1 [redacted]'],
  // KEY="any value" / KEY: 'value' / "key": "value" — the quotes stay, everything between them goes.
  [new RegExp(String.raw`(${KEY}["']?\s*[:=]\s*)(["'])(?:(?!\2)[^\n])+\2`, 'gi'), '$1$2[redacted]$2'],
  // KEY=value / KEY: value, unquoted; a value that is an auth scheme is left to the rule above.
  [new RegExp(String.raw`(${KEY}\s*[:=]\s*)(?!(?:Bearer|Basic|token)\s)[^\s"',;]{4,}`, 'gi'), '$1[redacted]'],
  [new RegExp(String.raw`(--${KEY}\s+)[^\s-][^\s"',;]{3,}`, 'gi'), '$1[redacted]'],
  [/\bxox[abposr]-[A-Za-z0-9-]{10,}/g, '[redacted slack token]'],
  [/\bxapp-[A-Za-z0-9-]{10,}/g, '[redacted slack token]'],
  [/\bgh[pousr]_[A-Za-z0-9]{20,}/g, '[redacted github token]'],
  [/\bgithub_pat_[A-Za-z0-9_]{20,}/g, '[redacted github token]'],
  [/\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{16,}/g, '[redacted api key]'],
  [/\bAKIA[0-9A-Z]{16}\b/g, '[redacted aws key]'],
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, '[redacted jwt]'],
];

/**
 * A long unlabelled run of base64-like characters with upper case, lower case and digits (a generated key). Commit
 * SHAs and other lower-case hex, words and paths (a `/` without base64's `+` or `=` padding) are left alone:
 * redacting them made panes unreadable.
 */
const OPAQUE = /(?<![\w+/=-])[A-Za-z0-9+/_-]{40,}={0,2}(?![\w+/=-])/g;
const looksGenerated = (s: string) =>
  /[a-z]/.test(s) && /[A-Z]/.test(s) && /\d/.test(s) && (!s.includes('/') || /[+=]/.test(s));

/** Earlier replacements, which later rules must not touch. */
const PLACEHOLDER = /(\[redacted(?: [a-z ]+)?\])/;

function replaceOutside(text: string, apply: (segment: string) => string): string {
  return text
    .split(PLACEHOLDER)
    .map((part, i) => (i % 2 === 1 ? part : apply(part)))
    .join('');
}

/** Replaces anything that looks like a token, key or password in `text`, keeping the rest as it was. */
export function redactSecrets(text: string): string {
  const ruled = RULES.reduce(
    (out, [pattern, replacement]) => replaceOutside(out, (s) => s.replace(pattern, replacement)),
    text,
  );
  return replaceOutside(ruled, (s) => s.replace(OPAQUE, (m) => (looksGenerated(m) ? '[redacted key]' : m)));
}
