import { statSync, unlinkSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createCheckpointer } from '../../src/store/sqlite/checkpointer.js';
import { openDatabase } from '../../src/store/sqlite/database.js';
import { afterTest } from '../helpers/cleanup.js';
import { captureLogger } from '../helpers/logs.js';
import { tempDbPath } from '../helpers/temp.js';

/** A WAL database with a table, and rows written through the main connection with its automatic checkpoint off. */
function fixture() {
  const path = tempDbPath();
  const db = openDatabase(path, { migrate: false });
  afterTest(() => {
    if (db.open) db.close();
  });
  db.exec('CREATE TABLE t (x TEXT)');
  const insert = db.prepare('INSERT INTO t (x) VALUES (?)');
  const write = (rows: number) =>
    db.transaction(() => {
      for (let i = 0; i < rows; i++) insert.run('x'.repeat(500));
    })();
  return { path, db, write, size: (suffix = '') => statSync(`${path}${suffix}`).size };
}

describe('WAL checkpoints (the SQLite server)', () => {
  it('run on a thread of their own: the rows written here reach the database file without a checkpoint on this thread', async () => {
    const { db, write, size } = fixture();
    const logs = captureLogger();
    const checkpointer = createCheckpointer(db, logs.logger, { intervalMs: 20 });
    checkpointer.start();
    // The thread starts when the first checkpoint is due, not at start.
    expect(checkpointer.threaded()).toBe(false);
    await expect.poll(() => checkpointer.threaded(), { timeout: 10_000 }).toBe(true);
    const before = size();
    write(2000);
    // The writes went to the WAL (autocheckpoint is off on this connection); the thread copies them over while this
    // one never yields to its event loop, where a timer would have run the checkpoint before.
    expect(size()).toBe(before);
    const until = Date.now() + 10_000;
    while (size() <= before + 500_000 && Date.now() < until) {
      // busy: no timer, no callback runs on this thread
    }
    expect(size()).toBeGreaterThan(before + 500_000);
    await checkpointer.stop();
    expect(checkpointer.threaded()).toBe(false);
    // Stopped: the WAL is truncated and this connection checkpoints by itself again.
    expect(size('-wal')).toBe(0);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    expect(logs.lines.filter((l) => Number(l.level) >= 40)).toEqual([]);
  });

  it('fall back to this thread, saying so, when the thread cannot open the file', async () => {
    const { path, db, write } = fixture();
    // The main connection keeps its open file; a new connection finds nothing at the path.
    unlinkSync(path);
    const logs = captureLogger();
    const checkpointer = createCheckpointer(db, logs.logger, { intervalMs: 20 });
    checkpointer.start();
    await expect
      .poll(() => logs.text(), { timeout: 10_000 })
      .toContain('the WAL checkpoint thread stopped; checkpointing on the main thread');
    expect(checkpointer.threaded()).toBe(false);
    write(100);
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 100 });
    await checkpointer.stop();
  });

  it('inline: on this thread, as before (an in-memory database always)', async () => {
    const { db, write, size } = fixture();
    const checkpointer = createCheckpointer(db, captureLogger().logger, { intervalMs: 20, inline: true });
    checkpointer.start();
    expect(checkpointer.threaded()).toBe(false);
    const before = size();
    write(2000);
    await expect.poll(() => size(), { timeout: 10_000 }).toBeGreaterThan(before + 500_000);
    await checkpointer.stop();
  });
});
