/** The fake GitHub's wire: error bodies as GitHub writes them, rate-limit headers, and queued faults. */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../src/clock.js';
import type { FakeGitHubFault, FakeGitHubMatch } from './fake-github-types.js';

export const DOCS = 'https://docs.github.com/rest';
export const RATE_LIMIT_DOCS = `${DOCS}/using-the-rest-api/rate-limits-for-the-rest-api`;

/** What a route answers. */
export interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Send `body` as text, not JSON (the `sha` media type). */
  raw?: boolean;
}

/** GitHub's error body: a message, the docs of the endpoint, and (since 2024) the status as a string. */
export function errorBody(status: number, message: string, docs = DOCS, extra: Record<string, unknown> = {}) {
  return { message, ...extra, documentation_url: docs, status: String(status) };
}

export function fail(status: number, message: string, docs = DOCS, extra: Record<string, unknown> = {}): Answer {
  return { status, body: errorBody(status, message, docs, extra) };
}

/** A 422 "Validation Failed" with GitHub's `errors` list. */
export function invalid(docs: string, ...errors: Record<string, unknown>[]): Answer {
  return fail(422, 'Validation Failed', docs, { errors });
}

/** An id shaped like `x-github-request-id` (`C2E0:1B57:5F1D4A:60C2B1:66A0F2C3`). */
export function requestId(): string {
  const hex = (n: number) => randomBytes(n).toString('hex').toUpperCase();
  return [hex(2), hex(2), hex(3), hex(3), hex(4)].join(':');
}

/** The hourly "core" budget: counts requests and says what the `x-ratelimit-*` headers show. */
export class RateBudget {
  readonly #clock: Clock;
  readonly limit: number;
  #used = 0;
  #resetAt = 0;

  constructor(clock: Clock, limit: number) {
    this.#clock = clock;
    this.limit = limit;
  }

  /** Counts one request; false if the budget was already spent. */
  take(): boolean {
    this.#roll();
    if (this.#used >= this.limit) return false;
    this.#used += 1;
    return true;
  }

  /** The rate-limit headers; `exhaustedFor` forces an empty budget resetting that many seconds from now. */
  headers(exhaustedFor?: number): Record<string, string> {
    this.#roll();
    const now = this.#clock.now();
    const reset = exhaustedFor === undefined ? this.#resetAt : Math.ceil(now / 1000 + exhaustedFor);
    const remaining = exhaustedFor === undefined ? Math.max(0, this.limit - this.#used) : 0;
    return {
      'x-ratelimit-limit': String(this.limit),
      'x-ratelimit-remaining': String(remaining),
      'x-ratelimit-reset': String(reset),
      'x-ratelimit-used': String(this.limit - remaining),
      'x-ratelimit-resource': 'core',
    };
  }

  #roll(): void {
    const nowS = Math.floor(this.#clock.now() / 1000);
    if (nowS < this.#resetAt) return;
    this.#used = 0;
    this.#resetAt = nowS + 3600;
  }
}

/** The answer an injected status fault stands for (delays and disconnects are handled by the server). */
export function faultAnswer(fault: Extract<FakeGitHubFault, { status: number }>, budget: RateBudget): Answer {
  switch (fault.status) {
    case 403:
      if (!fault.rateLimited) return fail(403, 'Resource not accessible by integration');
      return {
        ...fail(403, `API rate limit exceeded for user ID 1. ${SUPPORT}`, RATE_LIMIT_DOCS),
        headers: budget.headers(fault.resetAfterSeconds ?? 60),
      };
    case 429:
      return {
        ...fail(
          429,
          `You have exceeded a secondary rate limit. Please wait a few minutes before you try again. ${SUPPORT}`,
        ),
        headers: { 'retry-after': String(fault.retryAfter) },
      };
    case 404:
      return fail(404, 'Not Found');
    case 422:
      return invalid(DOCS, { resource: 'Issue', code: 'custom', message: 'injected by the fake GitHub' });
    case 500:
      return fail(500, 'Server Error');
    case 502:
      return fail(502, 'Server Error');
    case 503:
      return fail(503, 'Service Unavailable');
  }
}

const SUPPORT = 'If you reach out to GitHub Support for help, please include the request ID.';

/** Faults queued per request match, each for a number of requests, used up oldest first. */
export class GitHubFaults {
  #queue: { match: FakeGitHubMatch; fault: FakeGitHubFault; left: number }[] = [];

  inject(match: FakeGitHubMatch, fault: FakeGitHubFault, times: number): void {
    if (times > 0) this.#queue.push({ match, fault, left: times });
  }

  clear(): void {
    this.#queue = [];
  }

  take(method: string, path: string): FakeGitHubFault | undefined {
    const entry = this.#queue.find(
      ({ match }) =>
        (match.method === undefined || match.method.toUpperCase() === method) &&
        (match.path === undefined || testRegExp(match.path, path)),
    );
    if (!entry) return undefined;
    entry.left -= 1;
    if (entry.left <= 0) this.#queue = this.#queue.filter((e) => e !== entry);
    return entry.fault;
  }
}

/** `RegExp.test` without the `lastIndex` drift a global or sticky regex would carry between calls. */
export function testRegExp(re: RegExp, text: string): boolean {
  re.lastIndex = 0;
  return re.test(text);
}
