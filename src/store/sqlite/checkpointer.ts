import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../logger.js';
import { BUSY_TIMEOUT_MS, type Db } from './database.js';

/**
 * The checkpointing thread (CommonJS, run with `eval`, so it needs no file of its own in src/ or dist/): its own
 * connection to the database file, a PASSIVE checkpoint every `intervalMs`, failures posted back to be logged.
 */
const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = ' + workerData.busyTimeoutMs);
const checkpoint = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    parentPort.postMessage({ error: err instanceof Error ? err.message : String(err) });
  }
};
checkpoint();
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export interface CheckpointerOptions {
  intervalMs?: number;
  /** Checkpoint on the main thread, as before the thread existed (tests compare the two). */
  inline?: boolean;
}

/**
 * Moves WAL checkpoints off the request path and off the event loop. SQLite's automatic checkpoint runs inside
 * whichever commit crosses 1,000 WAL pages, adding milliseconds to that one request; the server turns it off and
 * checkpoints every second instead (PASSIVE: never waits for readers or writers). A checkpoint copies the WAL
 * into the database file and syncs it, which took 100 ms and more on a disk busy with other writes: run on the
 * main thread, it stalled every request and event stream for that long. So it runs on a thread of its own with
 * its own connection (WAL allows a checkpoint from any connection); if that thread cannot start, on a timer here
 * as before. The WAL is truncated on shutdown. CLI processes keep SQLite's default.
 *
 * The thread starts when the first checkpoint is due (`intervalMs` after start), not at start: a thread costs a
 * V8 isolate and loading the driver again (about 50 ms of CPU), which a starting bridge has better uses for,
 * and a bridge stopped within a second (a test's) needs no thread at all.
 */
export function createCheckpointer(db: Db, logger: Logger, options: CheckpointerOptions = {}) {
  const intervalMs = options.intervalMs ?? 1000;
  let timer: NodeJS.Timeout | undefined;
  let thread: Worker | undefined;
  /** Pending until the first checkpoint is due: then the thread starts. */
  let threadDue: NodeJS.Timeout | undefined;
  const checkpoint = (mode: 'PASSIVE' | 'TRUNCATE') => {
    try {
      if (db.open) db.pragma(`wal_checkpoint(${mode})`);
    } catch (err) {
      logger.warn({ err }, 'WAL checkpoint failed; the next one will try again');
    }
  };
  const onMainThread = () => {
    timer = setInterval(() => checkpoint('PASSIVE'), intervalMs);
    timer.unref();
  };

  function startThread(): void {
    const started = new Worker(THREAD, {
      eval: true,
      workerData: {
        driver: createRequire(import.meta.url).resolve('better-sqlite3'),
        file: db.name,
        intervalMs,
        busyTimeoutMs: BUSY_TIMEOUT_MS,
      },
    });
    started.unref();
    started.on('message', (message: { error?: string }) => {
      if (message.error) logger.warn({ error: message.error }, 'WAL checkpoint failed; the next one will try again');
    });
    started.on('error', (err) => {
      if (thread !== started) return;
      thread = undefined;
      logger.warn({ err }, 'the WAL checkpoint thread stopped; checkpointing on the main thread');
      onMainThread();
    });
    thread = started;
  }

  return {
    start(): void {
      db.pragma('wal_autocheckpoint = 0');
      if (options.inline || db.memory) {
        onMainThread();
        return;
      }
      threadDue = setTimeout(() => {
        threadDue = undefined;
        try {
          startThread();
        } catch (err) {
          logger.warn({ err }, 'cannot start the WAL checkpoint thread; checkpointing on the main thread');
          onMainThread();
        }
      }, intervalMs);
      threadDue.unref();
    },
    async stop(): Promise<void> {
      clearTimeout(threadDue);
      threadDue = undefined;
      clearInterval(timer);
      timer = undefined;
      const stopping = thread;
      thread = undefined;
      if (stopping) {
        // Let a checkpoint under way finish and the thread close its connection before the WAL is truncated.
        const exited = new Promise<void>((resolve) => stopping.once('exit', () => resolve()));
        stopping.postMessage('stop');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
        await stopping.terminate();
      }
      checkpoint('TRUNCATE');
      if (db.open) db.pragma('wal_autocheckpoint = 1000');
    },
    /** Whether checkpoints run on their own thread (false: on this one). */
    threaded(): boolean {
      return thread !== undefined;
    },
  };
}
