import type { Reentry } from './domain/token.js';
import type { Purgatory } from './purgatory.js';
import type { ChangeWatcher } from './store/change-watcher.js';

/**
 * Long-poll support: callers wait for a token's reentry. In-process resolutions wake them at once through
 * the purgatory's events; resolutions committed by another process wake them through the change watcher.
 */
export function createReentryWaiters(purgatory: Purgatory, watcher?: ChangeWatcher) {
  const waiting = new Map<string, Set<() => void>>();

  function wake(id: string): void {
    const set = waiting.get(id);
    if (!set) return;
    for (const fn of set) fn();
  }

  purgatory.onSettled(wake);
  watcher?.onChange(() => {
    for (const id of waiting.keys()) wake(id);
  });

  return {
    /**
     * Resolves with the reentry as soon as the token leaves pending, or undefined when `timeoutMs` passes
     * or `signal` aborts (the client went away). Throws NotFoundError for an unknown id.
     */
    wait(id: string, timeoutMs: number, signal?: AbortSignal): Promise<Reentry | undefined> {
      const ready = purgatory.reentry(id);
      if (ready || timeoutMs <= 0 || signal?.aborted) return Promise.resolve(ready);
      return new Promise((resolve) => {
        let set = waiting.get(id);
        if (!set) {
          set = new Set();
          waiting.set(id, set);
        }
        const done = (value: Reentry | undefined) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          set.delete(check);
          if (set.size === 0) waiting.delete(id);
          resolve(value);
        };
        const check = () => {
          const reentry = purgatory.reentry(id);
          if (reentry) done(reentry);
        };
        const onAbort = () => done(undefined);
        const timer = setTimeout(() => done(undefined), timeoutMs);
        signal?.addEventListener('abort', onAbort, { once: true });
        set.add(check);
      });
    },

    /** How many requests are waiting right now (for /healthz). */
    count(): number {
      let n = 0;
      for (const set of waiting.values()) n += set.size;
      return n;
    },
  };
}

export type ReentryWaiters = ReturnType<typeof createReentryWaiters>;
