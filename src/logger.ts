import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';
import { createPrettyStream } from './log-format.js';

export type { Logger } from 'pino';

/**
 * Paths pino blanks out. `*` matches exactly one level, so each secret-bearing key is listed at the depths
 * where rodizio's own code binds it.
 */
export const REDACT_PATHS = [
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-slack-signature"]',
  '*.authorization',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'apiTokens',
  '*.apiTokens',
  'adminToken',
  '*.adminToken',
  'botToken',
  '*.botToken',
  'appToken',
  '*.appToken',
  'signingSecret',
  '*.signingSecret',
  'githubToken',
  '*.githubToken',
  'privateKey',
  '*.privateKey',
  'webhookSecret',
  '*.webhookSecret',
  'req.headers["x-hub-signature-256"]',
  'frozen_state',
  '*.frozen_state',
];

export interface CreateLoggerOptions {
  level?: string;
  /** Where lines go; defaults to stdout. Tests pass a stream that collects lines. */
  destination?: DestinationStream;
  name?: string;
  /**
   * `json`: one JSON object a line, for log collectors. `pretty`: readable lines (src/log-format.ts). `auto`
   * (default): pretty when writing to stdout and stdout is a terminal, JSON otherwise (a pipe, a file, a test).
   */
  format?: 'json' | 'pretty' | 'auto';
}

/** The one root logger: JSON lines (readable lines in a terminal), secrets redacted. Others use `logger.child()`. */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const config: LoggerOptions = {
    name: options.name ?? 'rodizio',
    level: options.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  const format = options.format ?? 'auto';
  const pretty = format === 'pretty' || (format === 'auto' && !options.destination && process.stdout.isTTY === true);
  if (pretty) {
    const out = options.destination ?? process.stdout;
    return pino(config, createPrettyStream(out, { color: !options.destination && process.stdout.isTTY === true }));
  }
  return options.destination ? pino(config, options.destination) : pino(config);
}
