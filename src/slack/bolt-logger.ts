import { LogLevel, type Logger as SlackLogger } from '@slack/logger';
import type { Logger } from '../logger.js';

const TO_SLACK: Record<string, LogLevel> = {
  trace: LogLevel.DEBUG,
  debug: LogLevel.DEBUG,
  info: LogLevel.INFO,
  warn: LogLevel.WARN,
  error: LogLevel.ERROR,
  fatal: LogLevel.ERROR,
  silent: LogLevel.ERROR,
};

/**
 * Bolt's and the Web API client's logger interface on top of pino, so Slack's own messages land in the same
 * JSON stream. Their arguments become one message string (an Error becomes `err`); nothing from a payload is
 * bound as a field.
 */
export function toSlackLogger(logger: Logger, name = 'slack'): SlackLogger {
  let log = logger.child({ component: name });
  const write =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (...args: unknown[]): void => {
      const err = args.find((a): a is Error => a instanceof Error);
      const text = args
        .filter((a) => a !== err)
        .map((a) => (typeof a === 'string' ? a : JSON.stringify(a)))
        .join(' ');
      if (err) log[level]({ err }, text || err.message);
      else log[level](text);
    };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    setLevel(level: LogLevel) {
      log.level = level;
    },
    getLevel() {
      return TO_SLACK[log.level] ?? LogLevel.INFO;
    },
    setName(n: string) {
      log = logger.child({ component: n });
    },
  };
}
