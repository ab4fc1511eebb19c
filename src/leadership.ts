import type { Logger } from './logger.js';
import { LockHeldError, type RunnerLock } from './runner-lock.js';

export interface LeadershipOptions {
  /** The lock row the replicas compete for (`leader`, or `phase:<host>` for one host's phase watcher). */
  lock: RunnerLock;
  /** How often a follower tries to take over; also how soon a dead leader's successor notices (with staleness). */
  retryMs: number;
  logger: Logger;
  /** Starts the singletons (sweeps, maintenance…); called once per term. */
  onElected(): Promise<void> | void;
  /** Stops them: the term ended (another replica took over, or this one is stopping). */
  onDeposed(): Promise<void> | void;
}

/**
 * One replica at a time runs the singletons. Every replica keeps trying to take a lock row with a heartbeat
 * (src/runner-lock.ts); the holder runs them until it stops or loses the row, and a follower takes over once the
 * leader's heartbeat is stale or its process is gone (same host), within `retryMs` of that. Work the singletons
 * do is idempotent (compare-and-set sweeps), so a takeover in the middle of a sweep repeats nothing.
 */
export function createLeadership({ lock, retryMs, logger, onElected, onDeposed }: LeadershipOptions) {
  let leader = false;
  let running = false;
  let timer: NodeJS.Timeout | undefined;
  let transition: Promise<void> = Promise.resolve();

  const later = () => {
    if (!running) return;
    timer = setTimeout(() => void attempt(), retryMs);
    timer.unref();
  };

  async function depose(): Promise<void> {
    if (!leader) return;
    leader = false;
    try {
      await onDeposed();
    } catch (err) {
      logger.error({ err }, 'stopping the singletons failed');
    }
  }

  async function attempt(): Promise<void> {
    if (!running || leader) return;
    try {
      await lock.acquire();
    } catch (err) {
      if (!(err instanceof LockHeldError)) logger.warn({ err }, 'cannot try for the leader lock; will try again');
      return later();
    }
    if (!running) {
      await lock.release();
      return;
    }
    leader = true;
    logger.info({ lock: lock.owner }, 'this replica leads: it runs the sweeps and the other singletons');
    lock.keep(() => {
      transition = transition.then(depose).then(later);
    }, 'another replica took the leader lock over; this one stops its singletons');
    transition = transition.then(async () => {
      try {
        await onElected();
      } catch (err) {
        logger.error({ err }, 'starting the singletons failed');
      }
    });
    await transition;
  }

  return {
    /** Starts competing for the lock; resolves after the first attempt (elected or not). */
    async start(): Promise<void> {
      running = true;
      await attempt();
    },

    /** Stops competing; a leader stops its singletons and frees the lock for the next replica at once. */
    async stop(): Promise<void> {
      running = false;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await transition;
      if (leader) {
        await depose();
        await lock.release();
      }
    },

    isLeader(): boolean {
      return leader;
    },
  };
}

export type Leadership = ReturnType<typeof createLeadership>;
