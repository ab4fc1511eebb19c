import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open.js';
import { connected, createTestDatabase } from '../helpers/postgres.js';

/**
 * The Postgres suites' databases (test/helpers/postgres.ts): a migrated one is emptied after its test and handed
 * to the next, which must not be able to tell it from a fresh copy of the template.
 */

const sql = async <T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> =>
  (await connected(url, (client) => client.query<T>(text, values))).rows;

const addIntake = (url: string, key: string) =>
  sql<{ id: string }>(
    url,
    `INSERT INTO intake (key, kind, payload, received_ms) VALUES ($1, 'click', '{}', 1) RETURNING id`,
    [key],
  );

const databaseExists = async (admin: string, url: string) =>
  (await sql(admin, 'SELECT 1 FROM pg_database WHERE datname = $1', [new URL(url).pathname.slice(1)])).length === 1;

describe('test databases on Postgres', () => {
  const admin = process.env.RODIZIO_TEST_PG_URL ?? '';

  it('a migrated database comes back empty, identities restarted, migrations kept, nobody still connected', async () => {
    const first = await createTestDatabase({ migrated: true });
    expect(await addIntake(first.url, 'a')).toEqual([{ id: '1' }]);
    await addIntake(first.url, 'b');
    await sql(first.url, `INSERT INTO identity_links (slack_user, login, linked_ms) VALUES ('U1', 'octo', 1)`);
    // A connection the test forgot, holding an advisory lock and a LISTEN.
    const left = new pg.Client({ connectionString: first.url });
    left.on('error', () => {});
    await left.connect();
    await left.query('SELECT pg_advisory_lock(42)');
    await left.query('LISTEN rodizio_reentry');
    await first.drop();

    const second = await createTestDatabase({ migrated: true });
    expect(second.url).toBe(first.url);
    expect(await sql(second.url, 'SELECT count(*)::int AS n FROM intake')).toEqual([{ n: 0 }]);
    expect(await sql(second.url, 'SELECT count(*)::int AS n FROM identity_links')).toEqual([{ n: 0 }]);
    expect(await addIntake(second.url, 'a')).toEqual([{ id: '1' }]);
    expect(await sql(second.url, 'SELECT pg_try_advisory_lock(42) AS got')).toEqual([{ got: true }]);
    const others = await sql(
      second.url,
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    );
    expect(others).toEqual([{ n: 0 }]);
    // The store opens it as it opens a fresh copy: nothing to migrate, schema current.
    const store = await openStore(second.url);
    expect(await store.schemaVersion()).toEqual({ current: expect.any(Number), known: expect.any(Number) });
    const { current, known } = await store.schemaVersion();
    expect(current).toBe(known);
    await store.close();
    await second.drop();
  });

  it('a database whose schema a test changed is dropped, not handed on', async () => {
    const changed = await createTestDatabase({ migrated: true });
    await sql(changed.url, 'ALTER TABLE intake ADD COLUMN added_by_a_test TEXT');
    await changed.drop();
    expect(await databaseExists(admin, changed.url)).toBe(false);
    const next = await createTestDatabase({ migrated: true });
    expect(next.url).not.toBe(changed.url);
    const columns = await sql(
      next.url,
      `SELECT 1 FROM information_schema.columns WHERE column_name = 'added_by_a_test'`,
    );
    expect(columns).toEqual([]);
    await next.drop();
  });

  it('an unmigrated database is dropped after its test', async () => {
    const empty = await createTestDatabase();
    expect(await sql(empty.url, `SELECT to_regclass('intake')::text AS t`)).toEqual([{ t: null }]);
    await empty.drop();
    expect(await databaseExists(admin, empty.url)).toBe(false);
  });
});
