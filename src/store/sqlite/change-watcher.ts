import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from '../../logger.js';
import type { Db } from './database.js';

export interface ChangeWatcherOptions {
  db: Db;
  logger: Logger;
  /** Safety net for lost watch events; the watch itself usually reports within a few milliseconds. */
  fallbackMs?: number;
}

/**
 * Notices commits made by other processes (the CLI resolving a token, say) to the same SQLite file.
 * `fs.watch` on the database folder wakes it; `PRAGMA data_version` — which only moves when another
 * connection commits — decides whether anything changed. A slow timer covers lost watch events.
 */
export function createChangeWatcher({ db, logger, fallbackMs = 1000 }: ChangeWatcherOptions) {
  const listeners = new Set<() => void>();
  let version = db.pragma('data_version', { simple: true }) as number;
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  let scheduled = false;

  function check(): void {
    scheduled = false;
    if (!db.open) return;
    const now = db.pragma('data_version', { simple: true }) as number;
    if (now === version) return;
    version = now;
    for (const listener of listeners) {
      try {
        listener();
      } catch (err) {
        logger.error({ err }, 'change listener failed');
      }
    }
  }

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    setImmediate(check);
  }

  return {
    start(): void {
      if (db.name !== ':memory:' && !db.memory) {
        const file = basename(db.name);
        try {
          watcher = watch(dirname(db.name), (_event, name) => {
            if (!name || name.startsWith(file)) schedule();
          });
          watcher.on('error', (err) => logger.warn({ err }, 'database folder watch failed; relying on the timer'));
        } catch (err) {
          logger.warn({ err }, 'cannot watch the database folder; relying on the timer');
        }
      }
      timer = setInterval(schedule, fallbackMs);
      timer.unref();
    },
    stop(): void {
      watcher?.close();
      if (timer) clearInterval(timer);
      watcher = undefined;
      timer = undefined;
    },
    /** Runs `listener` after another process commits. */
    onChange(listener: () => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export type ChangeWatcher = ReturnType<typeof createChangeWatcher>;
