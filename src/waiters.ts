import type { Reentry, Token } from './domain/token.js';
import type { Purgatory } from './purgatory.js';
import type { Store } from './store/store.js';

/**
 * Long-poll support: callers wait for a token's reentry. In-process resolutions wake them at once through
 * the purgatory's events; resolutions committed by another process (the CLI, another replica) wake them
 * through the store's external changes: a settled token wakes its own waiters, an unknown change all of them.
 * A wake that carries the reentry (the settling transaction computed it) is answered with it; others read.
 */
export function createReentryWaiters(purgatory: Purgatory, store?: Pick<Store, 'onExternalChange'>) {
  /** Each wait's check, called on a wake with the reentry when the wake carried it. */
  const waiting = new Map<string, Set<(reentry?: Reentry) => void>>();

  /**
   * Which wakes came when, so a wait can tell whether one for its token came while it read the token (and was
   * missed, the wait not being registered yet) without reading it again: every wake gets the next number; the
   * last RECENT tokens keep theirs, and `forgotten` is the newest number dropped (an unknown change counts as
   * a wake of every token).
   */
  let epoch = 0;
  let forgotten = 0;
  const recent = new Map<string, number>();

  function wake(id: string, reentry?: Reentry): void {
    recent.delete(id);
    recent.set(id, ++epoch);
    if (recent.size > RECENT) {
      const [oldest, at] = recent.entries().next().value as [string, number];
      recent.delete(oldest);
      forgotten = at;
    }
    const set = waiting.get(id);
    if (!set) return;
    // A copy: a check that finishes removes itself from the set.
    for (const fn of [...set]) fn(reentry);
  }

  function wakeAll(): void {
    forgotten = ++epoch;
    for (const id of [...waiting.keys()]) wake(id);
  }

  /** Whether `id` may have been woken after `since` (an epoch). */
  const wokenSince = (id: string, since: number) => forgotten > since || (recent.get(id) ?? 0) > since;

  const offSettled = purgatory.onSettled((id, _row, reentry) => wake(id, reentry));
  const offExternal = store?.onExternalChange((change) => {
    if (change.kind === 'settled') wake(change.tokenId, change.reentry);
    else if (change.kind === 'unknown') wakeAll();
  });

  return {
    /**
     * Resolves with the reentry as soon as the token leaves pending, or undefined when `timeoutMs` passes
     * or `signal` aborts (the client went away). Rejects with NotFoundError for an unknown id, and with the
     * store's error when a read fails while waiting. `admit`: called with the token from the first read, before
     * waiting; what it throws rejects the wait (the API checks that the caller owns the token).
     */
    async wait(
      id: string,
      timeoutMs: number,
      signal?: AbortSignal,
      admit?: (token: Token) => void,
    ): Promise<Reentry | undefined> {
      const since = epoch;
      const { token, reentry: ready } = await purgatory.withReentry(id);
      admit?.(token);
      if (ready || timeoutMs <= 0 || signal?.aborted) return ready;
      return new Promise((resolve, reject) => {
        let set = waiting.get(id);
        if (!set) {
          set = new Set();
          waiting.set(id, set);
        }
        let finished = false;
        /** A read is in flight; `again` asks for another once it returns (a wake may have come after it began). */
        let reading = false;
        let again = false;
        const finish = () => {
          finished = true;
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          set.delete(check);
          if (set.size === 0) waiting.delete(id);
        };
        const done = (value: Reentry | undefined) => {
          if (finished) return;
          finish();
          resolve(value);
        };
        const fail = (err: unknown) => {
          if (finished) return;
          finish();
          reject(err);
        };
        const check = (carried?: Reentry) => {
          if (finished) return;
          // The wake brought the reentry its transaction computed: answer with it, without reading.
          if (carried) return done(carried);
          if (reading) {
            again = true;
            return;
          }
          reading = true;
          void (async () => {
            try {
              do {
                again = false;
                const { reentry } = await purgatory.withReentry(id);
                if (reentry) {
                  done(reentry);
                  return;
                }
              } while (again && !finished);
            } catch (err) {
              fail(err);
            } finally {
              reading = false;
            }
          })();
        };
        const onAbort = () => done(undefined);
        const timer = setTimeout(() => done(undefined), timeoutMs);
        signal?.addEventListener('abort', onAbort, { once: true });
        set.add(check);
        // A wake that came during the first read, before this registration, was missed: read again then.
        if (wokenSince(id, since)) check();
      });
    },

    /** How many requests are waiting right now (for /healthz). */
    count(): number {
      let n = 0;
      for (const set of waiting.values()) n += set.size;
      return n;
    },

    /** Stops listening to the purgatory and the store (waits in progress end by their timeout or signal). */
    close(): void {
      offSettled();
      offExternal?.();
    },
  };
}

/** How many recently woken tokens the waiters remember (see `wokenSince`). */
const RECENT = 10_000;

export type ReentryWaiters = ReturnType<typeof createReentryWaiters>;
