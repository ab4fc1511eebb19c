import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Reentry } from '../domain/token.js';
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
