/** The terminal's view of the JSON log lines: one readable line each, the line a person must act on set apart. */
import type { DestinationStream } from 'pino';

const LEVEL_STYLE: Record<string, [label: string, color: string]> = {
  trace: ['TRACE', '90'],
  debug: ['DEBUG', '90'],
  info: ['INFO ', '32'],
  warn: ['WARN ', '33'],
  error: ['ERROR', '31'],
  fatal: ['FATAL', '35'],
};
/** Fields every line has, or that only steer the format: not repeated as `key=value`. */
const QUIET = new Set(['level', 'time', 'msg', 'name', 'pid', 'hostname', 'banner', 'err']);

export interface PrettyOptions {
  /** ANSI colours (a terminal); off gives the same layout in plain text. */
  color: boolean;
}

function field(value: unknown): string {
  if (typeof value === 'string') return /[\s"=]/.test(value) ? JSON.stringify(value) : value;
  return JSON.stringify(value);
}

/**
 * Formats one pino JSON line. Secrets are already redacted: pino applies `redact` before this sees the line.
 * A line logged with `banner: true` (the sandbox's "open http://…/sandbox") gets blank lines around it, an
 * arrow, and its URL in bold, so it is not lost among the start-up lines.
 */
export function formatLogLine(line: string, { color }: PrettyOptions): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  const paint = (code: string, text: string) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
  const [label, levelColor] = LEVEL_STYLE[String(entry.level)] ?? [String(entry.level).toUpperCase(), '0'];
  const time = typeof entry.time === 'string' ? entry.time.slice(11, 19) : '';
  const msg = typeof entry.msg === 'string' ? entry.msg : '';
  const extras = Object.entries(entry)
    .filter(([key]) => !QUIET.has(key))
    .map(([key, value]) => `${paint('2', `${key}=`)}${field(value)}`);
  const err = entry.err as { stack?: unknown; message?: unknown } | undefined;
  const stack = err ? `\n    ${String(err.stack ?? err.message ?? JSON.stringify(err)).replace(/\n/g, '\n    ')}` : '';
  if (entry.banner === true) {
    const url = typeof entry.url === 'string' ? entry.url : undefined;
    const text = url ? msg.split(url).join(paint('1;4;36', url)) : msg;
    return `\n${paint('1;36', '  ▶ ')}${paint('1', text)}\n\n`;
  }
  const head = `${paint('2', time)} ${paint(levelColor, label)} ${msg}`;
  return `${head}${extras.length ? `  ${extras.join(' ')}` : ''}${stack}\n`;
}

/** A pino destination that writes formatted lines to `out` (stdout in a terminal). */
export function createPrettyStream(out: { write(text: string): unknown }, options: PrettyOptions): DestinationStream {
  return {
    write(chunk: string) {
      for (const line of chunk.split('\n')) if (line) out.write(formatLogLine(line, options));
    },
  };
}
