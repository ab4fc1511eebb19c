import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';

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
  'frozen_state',
  '*.frozen_state',
];

export interface CreateLoggerOptions {
  level?: string;
  /** Where lines go; defaults to stdout. Tests pass a stream that collects lines. */
  destination?: DestinationStream;
  name?: string;
}

/** The one root logger: JSON lines, secrets redacted. Everything else uses `logger.child(...)`. */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const config: LoggerOptions = {
    name: options.name ?? 'rodizio',
    level: options.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  return options.destination ? pino(config, options.destination) : pino(config);
}
