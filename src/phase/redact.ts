/** Things in a terminal pane that look like credentials, replaced before the pane is posted anywhere. */
const SECRET_PATTERNS: [RegExp, string][] = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, '[redacted private key]'],
  [/\bxox[abposr]-[A-Za-z0-9-]{10,}/g, '[redacted slack token]'],
  [/\bxapp-[A-Za-z0-9-]{10,}/g, '[redacted slack token]'],
  [/\bgh[pousr]_[A-Za-z0-9]{20,}/g, '[redacted github token]'],
  [/\bgithub_pat_[A-Za-z0-9_]{20,}/g, '[redacted github token]'],
  [/\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{16,}/g, '[redacted api key]'],
  [/\bAKIA[0-9A-Z]{16}\b/g, '[redacted aws key]'],
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, '[redacted jwt]'],
  [/\b(Bearer|Basic|token)\s+[A-Za-z0-9._~+/=-]{12,}/gi, '$1 [redacted]'],
  [
    /((?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|auth)["']?\s*[:=]\s*["']?)[^\s"',;]{4,}/gi,
    '$1[redacted]',
  ],
  [/\b[A-Fa-f0-9]{40,}\b/g, '[redacted hex]'],
  [/\b[A-Za-z0-9+/]{40,}={0,2}/g, '[redacted base64]'],
];

/** Replaces anything that looks like a token, key or password in `text`. */
export function redactSecrets(text: string): string {
  return SECRET_PATTERNS.reduce((out, [pattern, replacement]) => out.replace(pattern, replacement), text);
}
