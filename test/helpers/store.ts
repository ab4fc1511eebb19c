import Database from 'better-sqlite3';
import pg from 'pg';
import type { Store } from '../../src/store/store.js';

/** Tables whose rows a snapshot leaves out: migration bookkeeping, not the purgatory's state. */
const BOOKKEEPING = new Set(['schema_migrations']);

/**
 * A runner lock's heartbeat moves every second while the bridge runs, whatever the test does: a snapshot keeps
 * who holds the lock, not when it last said so.
 */
function withoutHeartbeats(table: string, rows: unknown[]): unknown[] {
  if (table !== 'runner_locks') return rows;
  return rows.map((row) => {
    const { heartbeat_ms: _, ...rest } = row as Record<string, unknown>;
    return rest;
  });
}

/**
 * Every row of every table, for asserting that a rejected request changed nothing. Read over a connection of
 * its own (tests may use SQL; the product keeps it in src/store/<engine>/).
 */
export async function storeSnapshot(store: Store): Promise<Record<string, unknown[]>> {
  if (store.engine === 'sqlite') {
    const db = new Database(store.location, { readonly: true });
    try {
      const tables = db
        .prepare<[], { name: string }>(
          `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`,
        )
        .all()
        .map((t) => t.name);
      return Object.fromEntries(
        tables.map((t) => [t, withoutHeartbeats(t, db.prepare(`SELECT * FROM "${t}" ORDER BY rowid`).all())]),
      );
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: store.location });
  await client.connect();
  try {
    const { rows } = await client.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name`,
    );
    const out: Record<string, unknown[]> = {};
    for (const { table_name: t } of rows) {
      if (BOOKKEEPING.has(t)) continue;
      // No rowid in Postgres: order by every column, so the same rows compare equal whatever the scan order.
      out[t] = withoutHeartbeats(t, (await client.query(`SELECT * FROM "${t}" ORDER BY 1, 2`)).rows);
    }
    return out;
  } finally {
    await client.end();
  }
}

/** Rows in the tables a refused request must never write to. */
export async function rowCounts(store: Store): Promise<{ tokens: number; events: number; outbox: number }> {
  const snapshot = await storeSnapshot(store);
  return {
    tokens: snapshot.tokens?.length ?? 0,
    events: snapshot.events?.length ?? 0,
    outbox: snapshot.outbox?.length ?? 0,
  };
}
