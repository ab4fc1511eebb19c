import type pg from 'pg';
import { RodizioError, SchemaTooNewError } from '../../errors.js';
import type { Migration } from '../migrations.js';
import { MIGRATION_LOCK, type Queryable, withClient } from './conn.js';

/**
 * Migration bookkeeping: one row per applied migration. The SQLite engine keeps the version in
 * `PRAGMA user_version`; this table is its Postgres equivalent and not part of the logical schema.
 */
const CREATE_VERSIONS = `
  CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER     PRIMARY KEY,
    name       TEXT        NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
  )`;

/** The schema version the database is at: 0 before the first migration. */
export async function schemaVersion(q: Queryable): Promise<number> {
  const exists = await q.query<{ t: string | null }>(`SELECT to_regclass('schema_migrations')::text AS t`);
  if (!exists.rows[0]?.t) return 0;
  const row = await q.query<{ v: number }>('SELECT coalesce(max(version), 0) AS v FROM schema_migrations');
  return row.rows[0]?.v ?? 0;
}

/** A driver or server message on one line, for RodizioError messages. */
export function oneLine(err: unknown): string {
  // Node reports a refused `localhost` (tried over IPv4 and IPv6) as an AggregateError with an empty message.
  const inner = err instanceof AggregateError && !err.message ? err.errors[0] : err;
  const e = inner as { message?: unknown; code?: unknown } | null;
  const text = typeof e?.message === 'string' && e.message ? e.message : String(e?.code ?? inner);
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * Applies every migration above the database's version, each in its own transaction. Several replicas may
 * start at once: each migration first takes a transaction-scoped advisory lock and re-reads the version under
 * it, so exactly one replica applies it and the others skip it. A database newer than this build is refused.
 */
export async function migrate(
  pool: pg.Pool,
  location: string,
  migrations: Migration[],
): Promise<{ from: number; to: number }> {
  const known = migrations.at(-1)?.version ?? 0;
  const tooNew = (v: number) => {
    if (v > known) throw new SchemaTooNewError(v, known, location);
  };
  const from = await schemaVersion(pool);
  tooNew(from);
  for (const m of migrations) {
    if (m.version <= from) continue;
    await withClient(pool, async (client, broke) => {
      try {
        await client.query('BEGIN');
        // Waiting for another replica's migration, or building an index on a large table, may take longer than
        // the pool's statement timeout.
        await client.query('SET LOCAL statement_timeout = 0');
        await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
        await client.query(CREATE_VERSIONS);
        const now = await schemaVersion(client);
        tooNew(now);
        if (now < m.version) {
          await client.query(m.sql);
          await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
        }
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(broke);
        if (err instanceof RodizioError) throw err;
        throw new RodizioError('migration_failed', `migration ${m.name} failed on ${location}: ${oneLine(err)}`, {
          cause: err,
        });
      }
    });
  }
  return { from, to: Math.max(from, known) };
}
