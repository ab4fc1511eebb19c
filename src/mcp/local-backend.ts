import type { Clock } from '../clock.js';
import type { Actor, Purgatory } from '../purgatory.js';
import type { Notifier } from '../slack/notice.js';
import type { ReentryWaiters } from '../waiters.js';
import type { RodizioBackend } from './backend.js';

/** How long one in-process wait lasts before it looks again (a wake-up is what normally ends it). */
const WAIT_SLICE_MS = 60_000;

/** The backend of `/mcp` on the bridge: the purgatory itself, acting as the runner whose bearer token came in. */
export function createLocalBackend(deps: {
  purgatory: Purgatory;
  waiters: ReentryWaiters;
  notifier: Notifier;
  clock: Clock;
  actor: Actor;
}): RodizioBackend {
  const { purgatory, waiters, notifier, clock, actor } = deps;
  return {
    async create(input) {
      return (await purgatory.createQueued(input, actor)).token;
    },
    async wait(tokenId, signal) {
      for (;;) {
        const reentry = await waiters.wait(tokenId, WAIT_SLICE_MS, signal);
        if (reentry) return reentry;
        signal.throwIfAborted();
      }
    },
    async cancel(tokenId, reason) {
      return (await purgatory.cancel(tokenId, { actor: actor.runner, via: 'api', reason })).reentry;
    },
    notify: (body) => notifier.notify(body, actor),
    now: () => clock.now(),
  };
}
