import { createHash } from 'node:crypto';
import { type FSWatcher, watch } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../logger.js';
import { type PhaseFileName, parsePhaseFileName } from './parse.js';

/** A phase file as read, or gone (`content === null`). */
export interface PhaseFileEvent {
  path: string;
  name: PhaseFileName;
  content: string | null;
  /** mtime, size and content hash: the same file read twice has the same key. */
  stateKey: string | null;
}

export interface PhaseWatcherOptions {
  dir: string;
  /** Watch events are lossy (and absent on some file systems): everything is rescanned this often. */
  rescanMs: number;
  /** Quiet time after the last watch event before a file is read (writers use `>`, in pieces). */
  debounceMs?: number;
  /** Use fs.watch (default); false relies on rescans alone. */
  events?: boolean;
  logger: Logger;
  onEvent(event: PhaseFileEvent): void | Promise<void>;
}

interface Seen {
  mtimeMs: number;
  size: number;
}

/**
 * Watches a folder for `dev-session-*.phase` and `review-session-*.phase` files with `fs.watch` plus a periodic
 * rescan, and reports each file whose content changed, or that disappeared. A read is only reported when the
 * file did not change while it was being read, so a half-written file is picked up on the next event or scan.
 * Events are handled one at a time, in order.
 */
export function createPhaseWatcher(options: PhaseWatcherOptions) {
  const { dir, logger } = options;
  const debounceMs = options.debounceMs ?? 50;
  const seen = new Map<string, Seen>();
  const timers = new Map<string, NodeJS.Timeout>();
  let watcher: FSWatcher | undefined;
  let interval: NodeJS.Timeout | undefined;
  let queue: Promise<void> = Promise.resolve();
  let stopped = false;

  function enqueue(work: () => Promise<void>): Promise<void> {
    queue = queue.then(work).catch((err) => logger.error({ err }, 'phase file handling failed'));
    return queue;
  }

  async function check(path: string, name: PhaseFileName): Promise<void> {
    if (stopped) return;
    let before: Awaited<ReturnType<typeof stat>>;
    try {
      before = await stat(path);
    } catch {
      if (seen.delete(path)) await options.onEvent({ path, name, content: null, stateKey: null });
      return;
    }
    const known = seen.get(path);
    if (known && known.mtimeMs === before.mtimeMs && known.size === before.size) return;
    let content: string;
    try {
      content = await readFile(path, 'utf8');
      const after = await stat(path);
      if (after.mtimeMs !== before.mtimeMs || after.size !== before.size || content.length === 0) return; // mid-write
    } catch {
      return; // removed between stat and read: the next event or scan says so
    }
    seen.set(path, { mtimeMs: before.mtimeMs, size: before.size });
    const hash = createHash('sha256').update(content).digest('hex').slice(0, 16);
    await options.onEvent({ path, name, content, stateKey: `${before.mtimeMs}:${before.size}:${hash}` });
  }

  function schedule(file: string): void {
    const name = parsePhaseFileName(file);
    if (!name) return;
    const path = join(dir, file);
    clearTimeout(timers.get(path));
    timers.set(
      path,
      setTimeout(() => {
        timers.delete(path);
        void enqueue(() => check(path, name));
      }, debounceMs),
    );
  }

  /** Looks at every phase file (and notices removed ones); what did not change is skipped. */
  async function scan(): Promise<void> {
    let files: string[];
    try {
      files = await readdir(dir);
    } catch (err) {
      logger.warn({ err, dir }, 'cannot read the phase directory');
      return;
    }
    const present = new Set<string>();
    for (const file of files) {
      const name = parsePhaseFileName(file);
      if (!name) continue;
      const path = join(dir, file);
      present.add(path);
      await enqueue(() => check(path, name));
    }
    for (const path of [...seen.keys()]) {
      if (present.has(path)) continue;
      const name = parsePhaseFileName(path.slice(dir.length + 1));
      if (name) await enqueue(() => check(path, name));
    }
  }

  return {
    scan,

    /** Reconciles the files present now, then watches. */
    async start(): Promise<void> {
      stopped = false;
      await scan();
      if (options.events === false) {
        interval = setInterval(() => void scan(), options.rescanMs);
        interval.unref();
        return;
      }
      try {
        watcher = watch(dir, (_event, file) => {
          if (file) schedule(file.toString());
        });
        watcher.on('error', (err) => logger.warn({ err, dir }, 'phase directory watch failed; rescans continue'));
      } catch (err) {
        logger.warn({ err, dir }, 'cannot watch the phase directory; relying on rescans');
      }
      interval = setInterval(() => void scan(), options.rescanMs);
      interval.unref();
    },

    async stop(): Promise<void> {
      stopped = true;
      watcher?.close();
      clearInterval(interval);
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      await queue;
    },

    /** Forgets what was read (tests simulate a restart with a fresh watcher instead). */
    known: () => new Map(seen),
  };
}

export type PhaseWatcher = ReturnType<typeof createPhaseWatcher>;
