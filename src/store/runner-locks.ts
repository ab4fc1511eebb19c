import type { Db } from './database.js';

export interface RunnerLockRow {
  name: string;
  owner: string;
  host: string;
  pid: number;
  acquired_ms: number;
  heartbeat_ms: number;
}

export interface LockClaim {
  name: string;
  owner: string;
  host: string;
  pid: number;
  nowMs: number;
  /** A holder whose heartbeat is older than this is presumed dead. */
  staleMs: number;
  /** Whether the holder recorded in the row is a process that no longer exists (same host only). */
  holderIsDead(row: RunnerLockRow): boolean;
}

export type LockResult =
  | { acquired: true; previous: RunnerLockRow | undefined }
  | { acquired: false; holder: RunnerLockRow };

/** SQL for single-runner locks: a row per role, taken over only from a stale or dead holder. */
export function createRunnerLockStore(db: Db) {
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
    acquire(claim: LockClaim): LockResult {
      return acquire.immediate(claim);
    },
    /** Refreshes the holder's heartbeat; false when the lock is no longer ours. */
    heartbeat(name: string, owner: string, nowMs: number): boolean {
      return beat.run(nowMs, name, owner).changes === 1;
    },
    release(name: string, owner: string): void {
      release.run(name, owner);
    },
    holder(name: string): RunnerLockRow | undefined {
      return get.get(name);
    },
  };
}

export type RunnerLockStore = ReturnType<typeof createRunnerLockStore>;
