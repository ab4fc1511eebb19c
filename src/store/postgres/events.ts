import type { EventRow, EventStore, EventType, NewEvent } from '../events.js';
import { all, EVENT_APPEND_LOCK, one, type PgConn } from './conn.js';

/**
 * Readers page the log by `seq` and never look back. Postgres hands out identities at INSERT but shows rows at
 * COMMIT, so two writers could commit seq 11 before seq 10 and a reader would move past 10 forever. Each append
 * therefore first takes a transaction-scoped advisory lock (held until its transaction ends): transactions
 * that append events commit in `seq` order, as they do on SQLite where writers are serialized anyway. The lock
 * is taken in the same statement, so it also holds for an append made outside any transaction.
 */
const APPEND = `
  WITH appending AS (SELECT pg_advisory_xact_lock(${EVENT_APPEND_LOCK}))
  INSERT INTO events (token_id, type, at_ms, actor, data)
  SELECT $1::text, $2::text, $3::bigint, $4::text, $5::text FROM appending
  RETURNING seq`;

/** SQL for the append-only audit log on Postgres. */
export function createEventStore(db: PgConn): EventStore {
  return {
    async append(e: NewEvent): Promise<number> {
      const values = [e.tokenId, e.type, e.atMs, e.actor ?? null, JSON.stringify(e.data ?? {})];
      const row = await one<{ seq: number }>(db, APPEND, values);
      if (!row) throw new Error('INSERT … RETURNING seq returned no row');
      return row.seq;
    },
    async forToken(tokenId: string): Promise<EventRow[]> {
      return all<EventRow>(db, 'SELECT * FROM events WHERE token_id = $1 ORDER BY seq', [tokenId]);
    },
    async count(tokenId: string, type: EventType): Promise<number> {
      const row = await one<{ n: number }>(db, 'SELECT count(*) AS n FROM events WHERE token_id = $1 AND type = $2', [
        tokenId,
        type,
      ]);
      return row?.n ?? 0;
    },
    async page(sinceMs: number, afterSeq: number, limit: number): Promise<EventRow[]> {
      return all<EventRow>(db, 'SELECT * FROM events WHERE at_ms >= $1 AND seq > $2 ORDER BY seq LIMIT $3', [
        sinceMs,
        afterSeq,
        limit,
      ]);
    },
    async removeForToken(tokenId: string): Promise<void> {
      await db.query('DELETE FROM events WHERE token_id = $1', [tokenId]);
    },
  };
}
