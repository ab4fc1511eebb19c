import type { LockClaim, LockResult, RunnerLockRow, RunnerLockStore } from '../runner-locks.js';
import { changes, one, type PgConn, type Queryable } from './conn.js';

/**
 * Takes the lock inside one transaction. A missing row is created with `ON CONFLICT DO NOTHING` (of two
 * starting processes one inserts, the other conflicts); an existing row is locked `FOR UPDATE`, so deciding
 * whether its holder is stale or dead (`holderIsDead` runs in JS) and taking it over happen with nobody else
 * deciding at the same time.
 */
async function acquire(q: Queryable, c: LockClaim): Promise<LockResult> {
  // The row can be released (deleted) between the conflict and the read: start over, a few times.
  for (let attempt = 0; attempt < 5; attempt++) {
    const inserted = await one<RunnerLockRow>(
      q,
      `INSERT INTO runner_locks (name, owner, host, pid, acquired_ms, heartbeat_ms) VALUES ($1, $2, $3, $4, $5, $5)
       ON CONFLICT (name) DO NOTHING RETURNING *`,
      [c.name, c.owner, c.host, c.pid, c.nowMs],
    );
    if (inserted) return { acquired: true, previous: undefined };
    const row = await one<RunnerLockRow>(q, 'SELECT * FROM runner_locks WHERE name = $1 FOR UPDATE', [c.name]);
    if (!row) continue;
    const free = row.owner === c.owner || c.nowMs - row.heartbeat_ms > c.staleMs || c.holderIsDead(row);
    if (!free) return { acquired: false, holder: row };
    await q.query(
      `UPDATE runner_locks SET owner = $2, host = $3, pid = $4, acquired_ms = $5, heartbeat_ms = $5 WHERE name = $1`,
      [c.name, c.owner, c.host, c.pid, c.nowMs],
    );
    return { acquired: true, previous: row.owner !== c.owner ? row : undefined };
  }
  throw new Error(`runner lock ${c.name} keeps vanishing while being acquired`);
}

/** SQL for single-runner locks on Postgres: a row per role, taken over only from a stale or dead holder. */
export function createRunnerLockStore(db: PgConn): RunnerLockStore {
  return {
    acquire: (claim: LockClaim) => db.atomic((q) => acquire(q, claim)),
    async heartbeat(name: string, owner: string, nowMs: number): Promise<boolean> {
      const sql = 'UPDATE runner_locks SET heartbeat_ms = $1 WHERE name = $2 AND owner = $3';
      return (await changes(db, sql, [nowMs, name, owner])) === 1;
    },
    async release(name: string, owner: string): Promise<void> {
      await db.query('DELETE FROM runner_locks WHERE name = $1 AND owner = $2', [name, owner]);
    },
    holder: (name: string) => one<RunnerLockRow>(db, 'SELECT * FROM runner_locks WHERE name = $1', [name]),
  };
}
