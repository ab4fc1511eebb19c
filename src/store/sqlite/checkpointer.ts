import type { Logger } from '../../logger.js';
import type { Db } from './database.js';

/**
 * Moves WAL checkpoints off the request path. SQLite's automatic checkpoint runs inside whichever commit
 * crosses 1,000 WAL pages, adding milliseconds to that one request (an answer, a long-poll wake-up); the server
 * turns it off and checkpoints from a timer instead (PASSIVE: never waits for readers), and truncates the WAL
 * on shutdown. CLI processes keep SQLite's default.
 */
export function createCheckpointer(db: Db, logger: Logger, intervalMs = 1000) {
  let timer: NodeJS.Timeout | undefined;
  const checkpoint = (mode: 'PASSIVE' | 'TRUNCATE') => {
    try {
      if (db.open) db.pragma(`wal_checkpoint(${mode})`);
    } catch (err) {
      logger.warn({ err }, 'WAL checkpoint failed; the next one will try again');
    }
  };
  return {
    start(): void {
      db.pragma('wal_autocheckpoint = 0');
      timer = setInterval(() => checkpoint('PASSIVE'), intervalMs);
      timer.unref();
    },
    stop(): void {
      clearInterval(timer);
      timer = undefined;
      checkpoint('TRUNCATE');
      if (db.open) db.pragma('wal_autocheckpoint = 1000');
    },
  };
}
