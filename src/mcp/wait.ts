import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Reentry, Token } from '../domain/token.js';
import type { RodizioBackend } from './backend.js';

export type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** How often a waiting tool call tells the client it is still alive, unless the server is told otherwise. */
export const DEFAULT_PROGRESS_INTERVAL_MS = 10_000;

export interface WaitOptions {
  backend: RodizioBackend;
  tokenId: string;
  extra: ToolExtra;
  /** Between two progress notifications. */
  intervalMs: number;
  /** What the progress notifications say (the elapsed time is appended). */
  waitingFor: string;
}

function elapsed(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 120 ? `${s} s` : `${Math.round(s / 60)} min`;
}

/**
 * The reentry of a token a grant or a rule answered when it was created, read off the token itself: nobody was
 * asked, so there is no card, no note and nothing to wait for, and the agent is spared a second request to the
 * bridge. Undefined for any other token (those are waited for, notes and all).
 */
export function decidedAtCreate(token: Token): Reentry | undefined {
  const auto = token.answered_via === 'grant' || token.answered_via === 'rule';
  if (token.status !== 'resolved' || !auto) return undefined;
  return {
    token_id: token.id,
    frozen_state: token.frozen_state,
    human_input: token.human_input,
    original_event: token.original_event,
    outcome: 'resolved',
    answered_by: token.answered_by,
    answered_by_name: token.answered_by_name,
    answered_at: token.resolved_at ?? token.received_at,
    via: token.answered_via,
    ...(token.edited_input !== undefined ? { edited_input: token.edited_input } : {}),
    ...(token.message !== undefined ? { message: token.message } : {}),
    ...(token.decided_by !== undefined ? { decided_by: token.decided_by } : {}),
    notes: [],
  };
}

/**
 * Waits for the token's reentry. While it waits, a request that carries a progress token gets a
 * `notifications/progress` at once and then every `intervalMs`, so clients with a request timeout that progress
 * resets keep waiting. When the client cancels the call (or goes away) the token is cancelled, so no card is
 * left asking for an answer nobody waits for; a person who answered first wins, and that answer is returned.
 */
export async function waitWithProgress(options: WaitOptions): Promise<Reentry> {
  const { backend, tokenId, extra, intervalMs, waitingFor } = options;
  const progressToken = extra._meta?.progressToken;
  const started = Date.now();
  let progress = 0;
  const tick = () => {
    if (progressToken === undefined || extra.signal.aborted) return;
    progress += 1;
    extra
      .sendNotification({
        method: 'notifications/progress',
        params: {
          progressToken,
          progress,
          message: `${waitingFor} (${elapsed(Date.now() - started)}, token ${tokenId})`,
        },
      })
      // A client that went away cannot be told; the wait ends through the signal.
      .catch(() => {});
  };
  tick();
  const timer = progressToken === undefined ? undefined : setInterval(tick, intervalMs);
  try {
    return await backend.wait(tokenId, extra.signal);
  } catch (err) {
    if (!extra.signal.aborted) throw err;
    const stood = await backend.cancel(tokenId, 'the agent stopped waiting (the MCP request was cancelled)');
    if (stood) return stood;
    throw err;
  } finally {
    clearInterval(timer);
  }
}
