import type { IntakeRow, IntakeStore } from '../intake.js';
import { all, changes, one, type PgConn } from './conn.js';

/**
 * SQL for the Slack intake on Postgres: requests that change state, written (keyed on Slack's ids) before they
 * are acked and processed from here, so an acked click survives a crash and a retried or replayed one is
 * recognised. Each call is one statement, so none needs a transaction of its own.
 */
export function createIntakeStore(db: PgConn): IntakeStore {
  const byKey = (key: string) => one<IntakeRow>(db, 'SELECT * FROM intake WHERE key = $1', [key]);

  return {
    async record(key: string, kind: string, payload: string, nowMs: number, begun = false) {
      // A concurrent insert of the same key makes ON CONFLICT wait for it; once it commits, ours does nothing
      // and the read below (a fresh snapshot under READ COMMITTED) sees its row. The row can still vanish
      // between the two statements (processed and removed), so try again rather than fail.
      for (let attempt = 0; attempt < 3; attempt++) {
        const inserted = await one<IntakeRow>(
          db,
          `INSERT INTO intake (key, kind, payload, received_ms, attempts) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (key) DO NOTHING RETURNING *`,
          [key, kind, payload, nowMs, begun ? 1 : 0],
        );
        if (inserted) return { row: inserted, fresh: true };
        const existing = await byKey(key);
        if (existing) return { row: existing, fresh: false };
      }
      throw new Error(`intake row ${key} keeps vanishing between insert and read`);
    },
    get: (id: number) => one<IntakeRow>(db, 'SELECT * FROM intake WHERE id = $1', [id]),
    byKey,
    begin: (id: number) =>
      one<IntakeRow>(db, `UPDATE intake SET attempts = attempts + 1 WHERE id = $1 AND status = 'pending' RETURNING *`, [
        id,
      ]),
    async finish(id: number, nowMs: number): Promise<void> {
      await db.query(
        `UPDATE intake SET status = 'done', processed_ms = $1, last_error = NULL WHERE id = $2 AND status = 'pending'`,
        [nowMs, id],
      );
    },
    async fail(id: number, error: string, nowMs: number): Promise<void> {
      await db.query(
        `UPDATE intake SET status = 'failed', processed_ms = $1, last_error = $2 WHERE id = $3 AND status = 'pending'`,
        [nowMs, error.slice(0, 2000), id],
      );
    },
    async remove(id: number): Promise<void> {
      await db.query(`DELETE FROM intake WHERE id = $1 AND status = 'pending'`, [id]);
    },
    pending: (afterId: number, untilId: number, limit = 100) =>
      all<IntakeRow>(
        db,
        `SELECT * FROM intake WHERE status = 'pending' AND id > $1 AND id <= $2 ORDER BY id LIMIT $3`,
        [afterId, untilId, limit],
      ),
    async lastId(): Promise<number> {
      return (await one<{ id: number }>(db, 'SELECT coalesce(max(id), 0) AS id FROM intake'))?.id ?? 0;
    },
    prune: (beforeMs: number) =>
      changes(db, `DELETE FROM intake WHERE status = 'done' AND processed_ms < $1`, [beforeMs]),
  };
}
