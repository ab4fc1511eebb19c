import { openStore } from '../../src/store/open.js';
import type { Engine, Store } from '../../src/store/store.js';
import { afterTest } from './cleanup.js';
import { createTestDatabase } from './postgres.js';
import { tempDbPath } from './temp.js';

/**
 * The engine this test run stores in: the `postgres` vitest project sets RODIZIO_TEST_ENGINE, so the same suites
 * run against both engines without being copied.
 */
export const TEST_ENGINE: Engine = process.env.RODIZIO_TEST_ENGINE === 'postgres' ? 'postgres' : 'sqlite';

/**
 * A fresh, empty database on the run's engine: a temp SQLite file, or a new Postgres database (dropped after).
 * With `migrated`, a Postgres database may come with every migration applied (a copy of the run's template,
 * faster than migrating): only for a database the test opens through the store, which migrates it anyway.
 */
export async function testDbLocation(options: { migrated?: boolean } = {}): Promise<string> {
  if (TEST_ENGINE === 'sqlite') return tempDbPath();
  const db = await createTestDatabase(options);
  afterTest(() => db.drop().catch(() => {}));
  return db.url;
}

/** A migrated store on a fresh database of the run's engine, closed after the test. */
export async function openTestStore(location?: string): Promise<Store> {
  const store = await openStore(location ?? (await testDbLocation()));
  afterTest(() => store.close().catch(() => {}));
  return store;
}
