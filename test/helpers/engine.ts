import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
 * With `migrated`, it may come with every migration applied (a copy of a template migrated once, faster than
 * migrating): only for a database the test opens through the store, which migrates it anyway.
 */
export async function testDbLocation(options: { migrated?: boolean } = {}): Promise<string> {
  if (TEST_ENGINE === 'sqlite') {
    const path = tempDbPath();
    if (options.migrated) copyFileSync(await sqliteTemplate(), path);
    return path;
  }
  const db = await createTestDatabase(options);
  afterTest(() => db.drop().catch(() => {}));
  return db.url;
}

/** A migrated store on a fresh database of the run's engine, closed after the test. */
export async function openTestStore(location?: string): Promise<Store> {
  const store = await openStore(location ?? (await testDbLocation({ migrated: true })));
  afterTest(() => store.close().catch(() => {}));
  return store;
}

let template: Promise<string> | undefined;

/**
 * A SQLite file with every migration applied by the store itself, made once per test process and copied for each
 * migrated database: the 15 migrations take about 14 ms a database, a copy well under 1 ms. Closed before it is
 * copied, so the whole database is in the file (no WAL beside it).
 */
function sqliteTemplate(): Promise<string> {
  template ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rodizio-template-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'template.db');
    await (await openStore(path)).close();
    return path;
  })();
  return template;
}
