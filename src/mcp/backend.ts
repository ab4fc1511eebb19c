import type { Reentry, Token, TokenInput } from '../domain/token.js';
import type { NotifyBody, NotifyResult } from '../slack/notice.js';

/**
 * What the MCP tools need from rodizio, and nothing more: the stdio server reaches a bridge over its HTTP API,
 * the `/mcp` endpoint calls the purgatory of the bridge it runs in. Errors are rodizio's own (a ValidationError
 * in-process, a RodizioApiError over HTTP); `describeBackendError` words both the same way.
 */
export interface RodizioBackend {
  /** Stores the token as the authenticated runner (a grant or rule may return it already resolved). */
  create(input: TokenInput): Promise<Token>;
  /** Resolves with the reentry once the token leaves pending; rejects when `signal` aborts. */
  wait(tokenId: string, signal: AbortSignal): Promise<Reentry>;
  /** Cancels a pending token; returns the reentry that stands (someone else's answer when they were first). */
  cancel(tokenId: string, reason: string): Promise<Reentry | undefined>;
  /** Queues a notice for people without waiting. */
  notify(body: NotifyBody): Promise<NotifyResult>;
  /** Now, by the clock deadlines are measured with. */
  now(): number;
}
