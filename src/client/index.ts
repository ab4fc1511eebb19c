import type { ReassignBody } from '../domain/reassign.js';
import type { Reentry, Token, TokenInput, TokenPatch, TokenStatus } from '../domain/token.js';
import type { NotifyBody, NotifyResult } from '../slack/notice.js';
import { type FeedEvent, parseSse } from './event-stream.js';

export type { FeedEvent } from './event-stream.js';

/** Which events to read: after `since` (an event id or `next_cursor`), of these types, project or token. */
export interface EventQuery {
  since?: string;
  types?: string[];
  project?: string;
  token?: string;
}

export interface EventStreamOptions extends EventQuery {
  /** Ends the iteration (a `break` out of the loop does too). */
  signal?: AbortSignal;
  /** Backoff between reconnects while the bridge is unreachable: first delay and cap, in ms. */
  retryInitialMs?: number;
  retryMaxMs?: number;
}

/** Query string for the feed's filters. */
function eventQuery(q: EventQuery & { limit?: number }): string {
  const qs = new URLSearchParams();
  if (q.since !== undefined) qs.set('since', q.since);
  if (q.types?.length) qs.set('types', q.types.join(','));
  if (q.project !== undefined) qs.set('project', q.project);
  if (q.token !== undefined) qs.set('token', q.token);
  if (q.limit !== undefined) qs.set('limit', String(q.limit));
  return qs.size ? `?${qs}` : '';
}

export interface RodizioClientOptions {
  /** Where the bridge listens, e.g. `http://127.0.0.1:3000`. */
  baseUrl: string;
  /** This runner's secret from RODIZIO_API_TOKENS (or the admin token). */
  token: string;
  /** Swap in another fetch (tests, proxies). */
  fetch?: typeof fetch;
  /** Per-request timeout for ordinary calls (long-polls add their wait). Default 10 s. */
  timeoutMs?: number;
}

export interface WaitOptions {
  /** Give up after this long (default: wait forever). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Seconds each long-poll asks the server to hold (≤ 60, default 30). */
  pollSeconds?: number;
  /** Backoff while the bridge is unreachable or restarting: first delay and cap, in ms. */
  retryInitialMs?: number;
  retryMaxMs?: number;
}

/** A non-2xx answer from the bridge, with its `{ error: { code, message, issues } }` body. */
export class RodizioApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly issues: { path: string; message: string }[];
  readonly body: unknown;

  constructor(status: number, body: unknown) {
    const error = (
      body as { error?: { code?: string; message?: string; issues?: { path: string; message: string }[] } }
    )?.error;
    super(`rodizio answered ${status}: ${error?.message ?? 'no message'}`);
    this.name = 'RodizioApiError';
    this.status = status;
    this.code = error?.code ?? 'unknown';
    this.issues = error?.issues ?? [];
    this.body = body;
  }
}

/** Thrown by `waitForReentry` when its own `timeoutMs` passes before anybody answers. */
export class RodizioTimeoutError extends Error {
  constructor(tokenId: string) {
    super(`no reentry for ${tokenId} before the timeout`);
    this.name = 'RodizioTimeoutError';
  }
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });

/** True for failures worth riding out: the bridge restarting, a proxy hiccup, a dropped connection. */
function isTransient(err: unknown): boolean {
  if (err instanceof RodizioApiError) return err.status === 429 || err.status >= 500;
  return err instanceof TypeError || (err as Error)?.name === 'TimeoutError';
}

/** A stream body cut off mid-read (the bridge restarted, a proxy closed it). */
function isCutOff(err: unknown): boolean {
  const name = (err as Error)?.name;
  return name === 'AbortError' || name === 'SocketError' || (err as { code?: unknown })?.code === 'UND_ERR_SOCKET';
}

/**
 * A typed client for agent runners: hand rodizio a token, then wait for the reentry (or do both with `ask`).
 *
 * ```ts
 * const rodizio = new RodizioClient({ baseUrl: 'http://127.0.0.1:3000', token: process.env.RODIZIO_TOKEN! });
 * const reentry = await rodizio.ask({ reason: 'approval_needed', prompt: 'Deploy?', options: ['yes', 'no'] });
 * resume(reentry.frozen_state, reentry.human_input);
 * ```
 */
export class RodizioClient {
  readonly #baseUrl: string;
  readonly #token: string;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;

  constructor(options: RodizioClientOptions) {
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#token = options.token;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  async #request(
    method: string,
    path: string,
    body?: unknown,
    extra: { timeoutMs?: number; signal?: AbortSignal } = {},
  ) {
    const timeout = AbortSignal.timeout(extra.timeoutMs ?? this.#timeoutMs);
    const res = await this.#fetch(`${this.#baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.#token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: extra.signal ? AbortSignal.any([timeout, extra.signal]) : timeout,
    });
    const text = await res.text();
    const json: unknown = text ? JSON.parse(text) : undefined;
    if (!res.ok) throw new RodizioApiError(res.status, json);
    return { status: res.status, json };
  }

  /** Stores a token (idempotent on `id`) and returns it as stored. */
  async createToken(input: TokenInput): Promise<Token> {
    return (await this.#request('POST', '/v1/tokens', input)).json as Token;
  }

  async getToken(id: string): Promise<Token> {
    return (await this.#request('GET', `/v1/tokens/${encodeURIComponent(id)}`)).json as Token;
  }

  /**
   * Changes a pending token's deadline, escalation, severity, prompt or options (what the Python purgatory's
   * `save()` did by overwriting). A RodizioApiError 409 means it has left pending (the body has the reentry).
   */
  async patchToken(id: string, changes: TokenPatch): Promise<Token> {
    return (await this.#request('PATCH', `/v1/tokens/${encodeURIComponent(id)}`, changes)).json as Token;
  }

  async listTokens(
    query: { status?: TokenStatus; project?: string; limit?: number; cursor?: string } = {},
  ): Promise<{ tokens: Token[]; next_cursor: string | null }> {
    const qs = new URLSearchParams(
      Object.entries(query)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, String(v)]),
    );
    const suffix = qs.size ? `?${qs}` : '';
    return (await this.#request('GET', `/v1/tokens${suffix}`)).json as { tokens: Token[]; next_cursor: string | null };
  }

  /** Cancels a pending token; a RodizioApiError 409 means somebody answered first (its body has the reentry). */
  async cancel(id: string, reason?: string): Promise<{ token: Token; reentry: Reentry }> {
    const body = reason === undefined ? {} : { reason };
    return (await this.#request('POST', `/v1/tokens/${encodeURIComponent(id)}/cancel`, body)).json as {
      token: Token;
      reentry: Reentry;
    };
  }

  /**
   * Routes a pending token to another person (`to.user`), user group (`to.group`) or channel (`to.channel`).
   * A RodizioApiError 409 means it has left pending; `changed: false` means it was already there.
   */
  async reassign(id: string, body: ReassignBody): Promise<{ changed: boolean; token: Token }> {
    return (await this.#request('POST', `/v1/tokens/${encodeURIComponent(id)}/reassign`, body)).json as {
      changed: boolean;
      token: Token;
    };
  }

  /** Posts a notice for people without waiting: to a channel, or in a token's card thread (`token_id`). */
  async notify(body: NotifyBody): Promise<NotifyResult> {
    return (await this.#request('POST', '/v1/notify', body)).json as NotifyResult;
  }

  /** Answers a token (admin token only). */
  async resolve(id: string, humanInput: unknown, by: string): Promise<{ token: Token; reentry: Reentry }> {
    return (
      await this.#request('POST', `/v1/tokens/${encodeURIComponent(id)}/resolve`, { human_input: humanInput, by })
    ).json as { token: Token; reentry: Reentry };
  }

  /**
   * Waits for the reentry with repeated long-polls. While the bridge is unreachable or answers 5xx (a restart,
   * a deploy) it backs off and tries again; a 4xx (unknown token, wrong secret) is thrown at once.
   */
  async waitForReentry(id: string, options: WaitOptions = {}): Promise<Reentry> {
    const pollSeconds = Math.min(60, Math.max(1, options.pollSeconds ?? 30));
    const deadline = options.timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.timeoutMs;
    const initial = options.retryInitialMs ?? 250;
    const max = options.retryMaxMs ?? 5000;
    let delay = initial;
    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new RodizioTimeoutError(id);
      const wait = Math.max(0, Math.min(pollSeconds, Math.floor(remaining / 1000)));
      try {
        const { status, json } = await this.#request(
          'GET',
          `/v1/tokens/${encodeURIComponent(id)}/reentry?wait=${wait}`,
          undefined,
          { timeoutMs: wait * 1000 + this.#timeoutMs, signal: options.signal },
        );
        delay = initial;
        if (status === 200) return json as Reentry;
        if (wait === 0) await sleep(Math.min(remaining, 1000), options.signal);
      } catch (err) {
        if (options.signal?.aborted || !isTransient(err)) throw err;
        await sleep(Math.min(delay, Math.max(0, deadline - Date.now())), options.signal);
        delay = Math.min(max, delay * 2);
      }
    }
  }

  /** One page of audit events, oldest first; pass `next_cursor` as `since` for the next. */
  async listEvents(
    page: EventQuery & { limit?: number } = {},
  ): Promise<{ events: FeedEvent[]; next_cursor: string; has_more: boolean }> {
    return (await this.#request('GET', `/v1/events${eventQuery(page)}`)).json as {
      events: FeedEvent[];
      next_cursor: string;
      has_more: boolean;
    };
  }

  /**
   * The live event stream as an async iterator. A dropped connection (a restart, a proxy, the bridge closing a
   * slow reader) is reopened with `Last-Event-ID`, so every event is seen once, in order; a 4xx is thrown.
   *
   * ```ts
   * for await (const e of rodizio.events({ types: ['resolved'] })) console.log(e.token_id, e.data);
   * ```
   */
  async *events(options: EventStreamOptions = {}): AsyncGenerator<FeedEvent> {
    const initial = options.retryInitialMs ?? 250;
    const max = options.retryMaxMs ?? 5000;
    let last = options.since;
    let delay = initial;
    const { since: _since, ...filters } = options;
    for (;;) {
      if (options.signal?.aborted) return;
      const controller = new AbortController();
      const signal = options.signal ? AbortSignal.any([controller.signal, options.signal]) : controller.signal;
      try {
        const res = await this.#fetch(`${this.#baseUrl}/v1/events/stream${eventQuery(filters)}`, {
          headers: {
            authorization: `Bearer ${this.#token}`,
            accept: 'text/event-stream',
            ...(last === undefined ? {} : { 'last-event-id': last }),
          },
          signal,
        });
        if (!res.ok || !res.body) {
          const text = await res.text();
          throw new RodizioApiError(res.status, text ? JSON.parse(text) : undefined);
        }
        delay = initial;
        for await (const frame of parseSse(res.body)) {
          // The bridge's notice before it closes the stream (a slow reader): reconnect from the last id.
          if (frame.event === 'error' && frame.id === undefined) break;
          if (frame.id !== undefined) last = frame.id;
          if (frame.data === '') continue;
          yield JSON.parse(frame.data) as FeedEvent;
        }
      } catch (err) {
        if (options.signal?.aborted) return;
        if (!isTransient(err) && !isCutOff(err)) throw err;
      } finally {
        controller.abort();
      }
      await sleep(delay, options.signal).catch(() => {});
      delay = Math.min(max, delay * 2);
    }
  }

  /** Creates the token and waits for its reentry: the whole yield/resume round trip in one call. */
  async ask(input: TokenInput, options: WaitOptions = {}): Promise<Reentry> {
    const token = await this.createToken(input);
    return this.waitForReentry(token.id, options);
  }
}

export {
  SIGNATURE_HEADER,
  signRodizioPayload,
  TIMESTAMP_HEADER,
  type VerifyOptions,
  verifyRodizioSignature,
} from '../delivery/signature.js';
