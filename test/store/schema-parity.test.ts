import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres/store.js';
import { type Db, openDatabase } from '../../src/store/sqlite/database.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { tempDir } from '../helpers/temp.js';

/**
 * The logical schema both engines' migrations must produce: tables, columns (name and NOT NULL), primary and
 * unique keys, and explicitly created indexes (name, table, columns, partial or not). Types differ on purpose
 * (INTEGER vs BIGINT) and are not compared; neither are the engines' own tables (sqlite_*, schema_migrations).
 */
interface Schema {
  columns: string[];
  keys: string[];
  indexes: string[];
}

function sqliteSchema(db: Db): Schema {
  const tables = db
    .prepare<[], { name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
    .all()
    .map((t) => t.name);
  const schema: Schema = { columns: [], keys: [], indexes: [] };
  for (const table of tables) {
    const cols = db.pragma(`table_info("${table}")`) as { name: string; notnull: number; pk: number }[];
    // SQLite reports a PRIMARY KEY column as nullable; Postgres (rightly) as NOT NULL.
    for (const c of cols) schema.columns.push(`${table}.${c.name}${c.notnull || c.pk ? ' not null' : ''}`);
    const pk = cols.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk);
    schema.keys.push(`${table} primary (${pk.map((c) => c.name).join(', ')})`);
    const indexes = db.pragma(`index_list("${table}")`) as { name: string; origin: string; partial: number }[];
    for (const index of indexes) {
      const info = db.pragma(`index_info("${index.name}")`) as { seqno: number; name: string | null }[];
      const on = info.sort((a, b) => a.seqno - b.seqno).map((c) => c.name ?? '(expression)');
      if (index.origin === 'u') schema.keys.push(`${table} unique (${on.join(', ')})`);
      if (index.origin !== 'c') continue;
      schema.indexes.push(`${index.name} on ${table} (${on.join(', ')})${index.partial ? ' where …' : ''}`);
    }
  }
  return schema;
}

async function postgresSchema(client: pg.Client): Promise<Schema> {
  const rows = async (sql: string) => (await client.query<{ line: string }>(sql)).rows.map((r) => r.line);
  const columns = await rows(`
    SELECT c.table_name || '.' || c.column_name || CASE WHEN c.is_nullable = 'NO' THEN ' not null' ELSE '' END AS line
    FROM information_schema.columns c JOIN information_schema.tables t USING (table_schema, table_name)
    WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' AND c.table_name <> 'schema_migrations'`);
  const keys = await rows(`
    SELECT t.relname || CASE k.contype WHEN 'p' THEN ' primary (' ELSE ' unique (' END
      || string_agg(a.attname, ', ' ORDER BY u.ord) || ')' AS line
    FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid
      CROSS JOIN unnest(k.conkey) WITH ORDINALITY u(attnum, ord)
      JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum
    WHERE k.contype IN ('p', 'u') AND t.relnamespace = current_schema()::regnamespace
      AND t.relname <> 'schema_migrations'
    GROUP BY k.oid, t.relname, k.contype`);
  // Indexes created by CREATE INDEX, not those backing a primary key or unique constraint.
  const indexes = await rows(`
    SELECT i.relname || ' on ' || t.relname || ' ('
      || string_agg(coalesce(a.attname, '(expression)'), ', ' ORDER BY u.ord) || ')'
      || CASE WHEN x.indpred IS NOT NULL THEN ' where …' ELSE '' END AS line
    FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
      CROSS JOIN unnest(x.indkey::int2[]) WITH ORDINALITY u(attnum, ord)
      LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = u.attnum AND u.attnum > 0
    WHERE t.relnamespace = current_schema()::regnamespace
      AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)
    GROUP BY i.relname, t.relname, x.indpred`);
  return { columns, keys, indexes };
}

const sorted = (s: Schema): Schema => ({
  columns: [...s.columns].sort(),
  keys: [...s.keys].sort(),
  indexes: [...s.indexes].sort(),
});

describe('schema parity', () => {
  it('gives SQLite and Postgres the same tables, columns, keys and indexes', async () => {
    const sqlite = openDatabase(join(tempDir(), 'rodizio.db'));
    const fromSqlite = sorted(sqliteSchema(sqlite));
    sqlite.close();

    const db = await createTestDatabase();
    const client = new pg.Client({ connectionString: db.url });
    try {
      await (await openPostgresStore(db.url)).close();
      await client.connect();
      const fromPostgres = sorted(await postgresSchema(client));
      expect(fromPostgres.columns).toEqual(fromSqlite.columns);
      expect(fromPostgres.keys).toEqual(fromSqlite.keys);
      expect(fromPostgres.indexes).toEqual(fromSqlite.indexes);
      // Guard against comparing two empty schemas.
      expect(fromSqlite.indexes.length).toBeGreaterThan(15);
    } finally {
      await client.end();
      await db.drop();
    }
  });
});
