import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { RodizioError } from './errors.js';
import type { Logger } from './logger.js';
import type { RunnerLockRow, RunnerLockStore } from './store/runner-locks.js';

/** Another live process runs the bridge on this database. */
export class LockHeldError extends RodizioError {
  readonly holder: RunnerLockRow;

  constructor(holder: RunnerLockRow, dbPath: string, nowMs: number) {
    const ago = Math.max(0, Math.round((nowMs - holder.heartbeat_ms) / 1000));
    super(
      'database_in_use',
      `${dbPath} is in use by another rodizio (pid ${holder.pid} on ${holder.host}, last heartbeat ${ago}s ago): stop it, or point RODIZIO_DB at another database`,
    );
    this.name = 'LockHeldError';
    this.holder = holder;
  }
}

/** Whether a process with this pid exists on this machine (EPERM: it exists but belongs to someone else). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface RunnerLockOptions {
  store: RunnerLockStore;
  logger: Logger;
  dbPath: string;
  /** The lock's name: one per singleton role. */
  name?: string;
  heartbeatMs?: number;
  staleMs?: number;
  /** Wall time: the lock is about processes being alive, not about the domain clock tests move. */
  now?: () => number;
  host?: string;
  pid?: number;
  isAlive?: (pid: number) => boolean;
}

/**
 * The single-runner lock of a SQLite database: only its holder runs the outbox, the sweeps and the phase
 * watcher. The holder refreshes a heartbeat; a second process is refused while the heartbeat is fresh, and takes
 * over once it is stale or its holder is a dead process on the same host (a SIGKILLed server restarts at once).
 */
export function createRunnerLock(options: RunnerLockOptions) {
  const { store, logger } = options;
  const name = options.name ?? 'bridge';
  const heartbeatMs = options.heartbeatMs ?? 5000;
  const staleMs = options.staleMs ?? 30_000;
  const now = options.now ?? Date.now;
  const host = options.host ?? hostname();
  const pid = options.pid ?? process.pid;
  const isAlive = options.isAlive ?? processExists;
  const owner = `${host}:${pid}:${randomUUID()}`;
  let timer: NodeJS.Timeout | undefined;

  return {
    owner,

    /**
     * Takes the lock or throws LockHeldError. Returns the previous holder when it was taken over from a
     * process that died without releasing it (its outbox leases are then free to take back).
     */
    async acquire(): Promise<RunnerLockRow | undefined> {
      const result = await store.acquire({
        name,
        owner,
        host,
        pid,
        nowMs: now(),
        staleMs,
        holderIsDead: (row) => row.host === host && row.pid !== pid && !isAlive(row.pid),
      });
      if (!result.acquired) throw new LockHeldError(result.holder, options.dbPath, now());
      if (result.previous) {
        logger.warn(
          { previous_pid: result.previous.pid, previous_host: result.previous.host },
          'took over the database from a rodizio that stopped without releasing it',
        );
      }
      return result.previous;
    },

    /** Keeps the heartbeat fresh; `onLost` runs if another process took the lock (this one stalled too long). */
    keep(
      onLost: () => void,
      message = 'another rodizio took over this database; this one stops its outbox, sweeps and watcher',
    ): void {
      let lastHeld = now();
      const lose = () => {
        clearInterval(timer);
        timer = undefined;
        logger.error(message);
        onLost();
      };
      timer = setInterval(async () => {
        let held = false;
        try {
          held = await store.heartbeat(name, owner, now());
        } catch (err) {
          // Unreachable for longer than a holder is trusted: another process may hold it by now.
          if (now() - lastHeld > staleMs) return lose();
          logger.warn({ err }, 'cannot refresh the runner lock heartbeat; will try again');
          return;
        }
        if (!held) return lose();
        lastHeld = now();
      }, heartbeatMs);
      timer.unref();
    },

    async release(): Promise<void> {
      if (timer) clearInterval(timer);
      timer = undefined;
      try {
        await store.release(name, owner);
      } catch (err) {
        logger.warn({ err }, 'cannot release the runner lock; the next start takes it over once it is stale');
      }
    },
  };
}

export type RunnerLock = ReturnType<typeof createRunnerLock>;
