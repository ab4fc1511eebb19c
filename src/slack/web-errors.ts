import { ErrorCode } from '@slack/web-api';
import { PermanentJobError, RetryLater } from '../outbox/job-errors.js';

/** Slack platform errors that are worth retrying; every other `ok: false` is permanent. */
const TRANSIENT_PLATFORM_ERRORS = new Set([
  'ratelimited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'team_added_to_org',
]);

interface CodedError {
  code?: string;
  retryAfter?: number;
  data?: { error?: string };
  statusCode?: number;
}

/** The Slack platform error string (`channel_not_found`…) of a Web API error, if it is one. */
export function platformError(err: unknown): string | undefined {
  const e = err as CodedError;
  return e?.code === ErrorCode.PlatformError ? e.data?.error : undefined;
}

/**
 * Turns a Web API failure into what the outbox should do: a 429 waits exactly Retry-After without counting
 * as a failure; permanent platform errors (invalid_blocks, channel_not_found…) go dead at once; HTTP 5xx,
 * timeouts and network errors are thrown on for backoff.
 */
export function classifySlackError(err: unknown, onRateLimited?: (retryAfterMs: number) => void): never {
  const e = err as CodedError;
  if (e?.code === ErrorCode.RateLimitedError) {
    const ms = Math.max(1, e.retryAfter ?? 1) * 1000;
    onRateLimited?.(ms);
    throw new RetryLater(ms, `Slack rate limited: retry after ${ms / 1000}s`, { cause: err });
  }
  const platform = platformError(err);
  if (platform && !TRANSIENT_PLATFORM_ERRORS.has(platform)) {
    throw new PermanentJobError(`Slack refused: ${platform}`, { cause: err });
  }
  throw err;
}
