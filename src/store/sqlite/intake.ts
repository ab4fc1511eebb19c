import type { IntakeRow, IntakeStore } from '../intake.js';
import { type Db, writeTransaction } from './database.js';

/**
 * SQL for the Slack intake: requests that change state, written (keyed on Slack's ids) before they are acked
 * and processed from here, so an acked click survives a crash and a retried or replayed one is recognised.
 */
export function createIntakeStore(db: Db): IntakeStore {
  const insert = db.prepare<[string, string, string, number, number]>(
    'INSERT INTO intake (key, kind, payload, received_ms, attempts) VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING',
  );
  const byKey = db.prepare<[string], IntakeRow>('SELECT * FROM intake WHERE key = ?');
  const byId = db.prepare<[number], IntakeRow>('SELECT * FROM intake WHERE id = ?');
  const begin = db.prepare<[number], IntakeRow>(
    `UPDATE intake SET attempts = attempts + 1 WHERE id = ? AND status = 'pending' RETURNING *`,
  );
  const finish = db.prepare<[number, number]>(
    `UPDATE intake SET status = 'done', processed_ms = ?, last_error = NULL WHERE id = ? AND status = 'pending'`,
  );
  const fail = db.prepare<[number, string, number]>(
    `UPDATE intake SET status = 'failed', processed_ms = ?, last_error = ? WHERE id = ? AND status = 'pending'`,
  );
  const remove = db.prepare<[number]>(`DELETE FROM intake WHERE id = ? AND status = 'pending'`);
  const pending = db.prepare<[number, number, number], IntakeRow>(
    `SELECT * FROM intake WHERE status = 'pending' AND id > ? AND id <= ? ORDER BY id LIMIT ?`,
  );
  const maxId = db.prepare<[], { id: number | null }>('SELECT max(id) AS id FROM intake');
  const prune = db.prepare<[number]>(`DELETE FROM intake WHERE status = 'done' AND processed_ms < ?`);

  // One short write transaction, taken with BEGIN IMMEDIATE so it never has to upgrade a read lock.
  const recordTx = writeTransaction(db, (key: string, kind: string, payload: string, nowMs: number, begun: boolean) => {
    const fresh = insert.run(key, kind, payload, nowMs, begun ? 1 : 0).changes === 1;
    const row = byKey.get(key);
    if (!row) throw new Error(`intake row ${key} vanished inside its own transaction`);
    return { row, fresh };
  });

  const beginTx = writeTransaction(db, (id: number) => begin.get(id));
  const finishTx = writeTransaction(db, (nowMs: number, id: number) => void finish.run(nowMs, id));
  const failTx = writeTransaction(db, (nowMs: number, error: string, id: number) => void fail.run(nowMs, error, id));
  const removeTx = writeTransaction(db, (id: number) => void remove.run(id));
  const pruneTx = writeTransaction(db, (beforeMs: number) => prune.run(beforeMs).changes);

  return {
    /** Writes the request once; `fresh` is false when its key was seen before (a retry or a replay). */
    async record(
      key: string,
      kind: string,
      payload: string,
      nowMs: number,
      begun = false,
    ): Promise<{ row: IntakeRow; fresh: boolean }> {
      return recordTx(key, kind, payload, nowMs, begun);
    },
    async get(id: number): Promise<IntakeRow | undefined> {
      return byId.get(id);
    },
    async byKey(key: string): Promise<IntakeRow | undefined> {
      return byKey.get(key);
    },
    /** Counts an attempt on a pending row and returns it; undefined when it is no longer pending. */
    async begin(id: number): Promise<IntakeRow | undefined> {
      return beginTx(id);
    },
    /** The request changed what it asked for: kept as `done`, so its key keeps recognising replays. */
    async finish(id: number, nowMs: number): Promise<void> {
      finishTx(nowMs, id);
    },
    async fail(id: number, error: string, nowMs: number): Promise<void> {
      failTx(nowMs, error.slice(0, 2000), id);
    },
    /** The request was processed and changed nothing (refused, too late): nothing is left to protect. */
    async remove(id: number): Promise<void> {
      removeTx(id);
    },
    /** Pending rows with `afterId < id <= untilId`, oldest first. */
    async pending(afterId: number, untilId: number, limit = 100): Promise<IntakeRow[]> {
      return pending.all(afterId, untilId, limit);
    },
    async lastId(): Promise<number> {
      return maxId.get()?.id ?? 0;
    },
    /** Forgets done rows processed before `beforeMs`; returns how many. */
    async prune(beforeMs: number): Promise<number> {
      return pruneTx(beforeMs);
    },
  };
}
