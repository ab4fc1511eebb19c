import Database from 'better-sqlite3';
import pg from 'pg';

/** An audit event row as stored, every column. */
export interface StoredEvent {
  seq: number;
  token_id: string | null;
  type: string;
  at_ms: number;
  actor: string | null;
  data: string;
  hash: string | null;
  prev_hash: string | null;
  token_prev_hash: string | null;
}

const COLUMNS = ['seq', 'token_id', 'type', 'at_ms', 'actor', 'data', 'hash', 'prev_hash', 'token_prev_hash'] as const;

/**
 * Direct SQL on the database a bridge uses, over a connection of its own: what someone with write access to the
 * file or the server could do behind rodizio's back. `?` placeholders on both engines.
 */
export interface RawDb {
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

export async function openRaw(location: string): Promise<RawDb> {
  if (!location.startsWith('postgres')) {
    const db = new Database(location);
    return {
      async query<T>(sql: string, params: unknown[] = []) {
        const stmt = db.prepare(sql);
        if (stmt.reader) return stmt.all(...params) as T[];
        stmt.run(...params);
        return [];
      },
      async close() {
        db.close();
      },
    };
  }
  const client = new pg.Client({ connectionString: location });
  await client.connect();
  return {
    async query<T>(sql: string, params: unknown[] = []) {
      let n = 0;
      const text = sql.replace(/\?/g, () => `$${++n}`);
      const rows = (await client.query(text, params)).rows as Record<string, unknown>[];
      // BIGINTs come back as strings from a plain pg client: numbers, as the store reads them.
      return rows.map((r) =>
        Object.fromEntries(Object.entries(r).map(([k, v]) => [k, k === 'seq' || k === 'at_ms' ? Number(v) : v])),
      ) as T[];
    },
    async close() {
      await client.end();
    },
  };
}

/** Every event, in `seq` order. */
export function events(db: RawDb): Promise<StoredEvent[]> {
  return db.query<StoredEvent>(`SELECT ${COLUMNS.join(', ')} FROM events ORDER BY seq`);
}

/** Writes rows back exactly (ids kept), replacing whatever sits at their seqs: undoes a tamper. */
export async function putEvents(db: RawDb, rows: StoredEvent[]): Promise<void> {
  for (const row of rows) {
    await db.query('DELETE FROM events WHERE seq = ?', [row.seq]);
    await db.query(
      `INSERT INTO events (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`,
      COLUMNS.map((c) => row[c]),
    );
  }
}

/** Edits a row in place without tripping the append-only trigger: delete it and insert the edited copy. */
export async function editEvent(db: RawDb, row: StoredEvent, changes: Partial<StoredEvent>): Promise<void> {
  await putEvents(db, [{ ...row, ...changes }]);
}

/** Swaps two rows' places in the log (each keeps its content and hashes). */
export async function swapEvents(db: RawDb, a: StoredEvent, b: StoredEvent): Promise<void> {
  await db.query('DELETE FROM events WHERE seq IN (?, ?)', [a.seq, b.seq]);
  await putEvents(db, [
    { ...a, seq: b.seq },
    { ...b, seq: a.seq },
  ]);
}
