import type { Db } from './database.js';

/** Types of audit events. Later features add their own; the log itself is append-only. */
export type EventType = 'ejected' | 'replayed' | 'resolved' | 'cancelled' | 'expired' | 'gc' | (string & {});

export interface EventRow {
  seq: number;
  token_id: string | null;
  type: string;
  at_ms: number;
  actor: string | null;
  data: string;
}

export interface NewEvent {
  tokenId: string | null;
  type: EventType;
  atMs: number;
  actor?: string | null;
  data?: Record<string, unknown>;
}

/** SQL for the append-only audit log. */
export function createEventStore(db: Db) {
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
    append(e: NewEvent): number {
      return Number(
        insert.run(e.tokenId, e.type, e.atMs, e.actor ?? null, JSON.stringify(e.data ?? {})).lastInsertRowid,
      );
    },
    forToken(tokenId: string): EventRow[] {
      return forToken.all(tokenId);
    },
    count(tokenId: string, type: EventType): number {
      return countType.get(tokenId, type)?.n ?? 0;
    },
    /** Pages through the log from `sinceMs`, in order; pass the last `seq` seen to continue. */
    page(sinceMs: number, afterSeq: number, limit: number): EventRow[] {
      return since.all(sinceMs, afterSeq, limit);
    },
    /** Only GC removes audit rows, together with the token they describe. */
    removeForToken(tokenId: string): void {
      removeForToken.run(tokenId);
    },
  };
}

export type EventStore = ReturnType<typeof createEventStore>;
