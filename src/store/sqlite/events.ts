import type { EventRow, EventStore, EventType, NewEvent } from '../events.js';
import type { Db } from './database.js';

/** SQL for the append-only audit log. */
export function createEventStore(db: Db): EventStore {
  const insert = db.prepare<[string | null, string, number, string | null, string]>(
    'INSERT INTO events (token_id, type, at_ms, actor, data) VALUES (?, ?, ?, ?, ?)',
  );
  const forToken = db.prepare<[string], EventRow>('SELECT * FROM events WHERE token_id = ? ORDER BY seq');
  const since = db.prepare<[number, number, number], EventRow>(
    'SELECT * FROM events WHERE at_ms >= ? AND seq > ? ORDER BY seq LIMIT ?',
  );
  const removeForToken = db.prepare<[string]>('DELETE FROM events WHERE token_id = ?');
  const countType = db.prepare<[string, string], { n: number }>(
    'SELECT count(*) AS n FROM events WHERE token_id = ? AND type = ?',
  );

  return {
    /** Appends one event; returns its `seq` (the event feed's cursor). */
    async append(e: NewEvent): Promise<number> {
      return Number(
        insert.run(e.tokenId, e.type, e.atMs, e.actor ?? null, JSON.stringify(e.data ?? {})).lastInsertRowid,
      );
    },
    async forToken(tokenId: string): Promise<EventRow[]> {
      return forToken.all(tokenId);
    },
    async count(tokenId: string, type: EventType): Promise<number> {
      return countType.get(tokenId, type)?.n ?? 0;
    },
    /** Pages through the log from `sinceMs`, in order; pass the last `seq` seen to continue. */
    async page(sinceMs: number, afterSeq: number, limit: number): Promise<EventRow[]> {
      return since.all(sinceMs, afterSeq, limit);
    },
    /** Only GC removes audit rows, together with the token they describe. */
    async removeForToken(tokenId: string): Promise<void> {
      removeForToken.run(tokenId);
    },
  };
}
