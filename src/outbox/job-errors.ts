import { RodizioError } from '../errors.js';

/**
 * Thrown by a job handler to run the job again later without it counting as a failure: a 429 with
 * Retry-After, per-channel pacing, or a receiver that is not there yet.
 */
export class RetryLater extends RodizioError {
  readonly delayMs: number;
  readonly countsAsAttempt: boolean;

  constructor(delayMs: number, message: string, options: { countsAsAttempt?: boolean; cause?: unknown } = {}) {
    super('retry_later', message, { cause: options.cause });
    this.name = 'RetryLater';
    this.delayMs = delayMs;
    this.countsAsAttempt = options.countsAsAttempt ?? false;
  }
}

/** Thrown by a job handler when retrying cannot help (a 404, a revoked token): the job goes dead now. */
export class PermanentJobError extends RodizioError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('permanent_job_error', message, options);
    this.name = 'PermanentJobError';
  }
}
