import type { LockClaim, LockResult, RunnerLockRow, RunnerLockStore } from '../runner-locks.js';
import type { Db } from './database.js';

/** SQL for single-runner locks: a row per role, taken over only from a stale or dead holder. */
export function createRunnerLockStore(db: Db): RunnerLockStore {
  const get = db.prepare<[string], RunnerLockRow>('SELECT * FROM runner_locks WHERE name = ?');
  const upsert = db.prepare<[string, string, string, number, number, number]>(
    `INSERT INTO runner_locks (name, owner, host, pid, acquired_ms, heartbeat_ms) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, host = excluded.host, pid = excluded.pid,
       acquired_ms = excluded.acquired_ms, heartbeat_ms = excluded.heartbeat_ms`,
  );
  const beat = db.prepare<[number, string, string]>(
    'UPDATE runner_locks SET heartbeat_ms = ? WHERE name = ? AND owner = ?',
  );
  const release = db.prepare<[string, string]>('DELETE FROM runner_locks WHERE name = ? AND owner = ?');

  const acquire = db.transaction((c: LockClaim): LockResult => {
    const row = get.get(c.name);
    const free = !row || row.owner === c.owner || c.nowMs - row.heartbeat_ms > c.staleMs || c.holderIsDead(row);
    if (!free) return { acquired: false, holder: row };
    upsert.run(c.name, c.owner, c.host, c.pid, c.nowMs, c.nowMs);
    return { acquired: true, previous: row && row.owner !== c.owner ? row : undefined };
  });

  return {
    /** Takes the lock (one immediate transaction, so two starting processes cannot both win). */
    async acquire(claim: LockClaim): Promise<LockResult> {
      return acquire.immediate(claim);
    },
    /** Refreshes the holder's heartbeat; false when the lock is no longer ours. */
    async heartbeat(name: string, owner: string, nowMs: number): Promise<boolean> {
      return beat.run(nowMs, name, owner).changes === 1;
    },
    async release(name: string, owner: string): Promise<void> {
      release.run(name, owner);
    },
    async holder(name: string): Promise<RunnerLockRow | undefined> {
      return get.get(name);
    },
  };
}
