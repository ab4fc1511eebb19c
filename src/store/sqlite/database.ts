import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { SchemaTooNewError } from '../../errors.js';
import { loadMigrations, type Migration } from '../migrations.js';

export type Db = Database.Database;

/**
 * How long a statement waits for another process's write lock before failing with SQLITE_BUSY. Write
 * transactions hold the lock for milliseconds; in test/store/concurrency.test.ts (five processes writing flat
 * out on two cores busy with other work) p99 of a whole call was under 1 s and the slowest about 3 s. The
 * server waits synchronously, so this is also the longest a held lock can stall its event loop.
 */
export const BUSY_TIMEOUT_MS = 5000;

/** SQLITE_BUSY (any variant): another connection held the lock for longer than the busy timeout. */
export function isDatabaseBusy(err: unknown): err is InstanceType<typeof Database.SqliteError> {
  return err instanceof Database.SqliteError && err.code.startsWith('SQLITE_BUSY');
}

/**
 * Wraps `fn` in a transaction that takes SQLite's write lock at BEGIN (`BEGIN IMMEDIATE`), so it waits out
 * other writers under the busy timeout. A deferred transaction that reads and then writes cannot wait: SQLite
 * skips the busy handler when a reader asks for the write lock, so the upgrade fails at once with "database is
 * locked" while another process writes or after it has committed. Called inside another transaction, it
 * becomes a savepoint. Every write transaction goes through here.
 */
export function writeTransaction<F extends Parameters<Db['transaction']>[0]>(
  db: Db,
  fn: F,
): Database.Transaction<F>['immediate'] {
  return db.transaction(fn).immediate;
}

/**
 * Applies every migration above the database's `user_version`, each in its own transaction. Several processes
 * may open a fresh file at once: each migration takes the write lock first and re-reads `user_version` under
 * it, so exactly one process applies it and the others skip it.
 */
export function migrate(db: Db, migrations = loadMigrations('sqlite')): { from: number; to: number } {
  const version = () => db.pragma('user_version', { simple: true }) as number;
  const known = migrations.at(-1)?.version ?? 0;
  const tooNew = (v: number) => {
    if (v > known) throw new SchemaTooNewError(v, known, db.name);
  };
  const from = version();
  tooNew(from);
  const apply = writeTransaction(db, (m: Migration) => {
    const now = version();
    tooNew(now);
    if (now >= m.version) return;
    db.exec(m.sql);
    db.pragma(`user_version = ${m.version}`);
  });
  for (const m of migrations) if (m.version > from) apply(m);
  return { from, to: Math.max(from, known) };
}

export interface OpenDatabaseOptions {
  /** Apply pending migrations (default). `rodizio migrate` opens without, to report what it applies. */
  migrate?: boolean;
  migrations?: Migration[];
  readonly?: boolean;
}

/**
 * Opens (creating folders as needed) the SQLite purgatory with WAL, `synchronous=NORMAL` and a busy timeout,
 * so the server and CLI processes can share the file.
 */
export function openDatabase(file: string, options: OpenDatabaseOptions = {}): Db {
  const path = file === ':memory:' ? file : resolve(file);
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { readonly: options.readonly ?? false });
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
    }
    db.pragma('foreign_keys = ON');
    if (options.migrate ?? true) migrate(db, options.migrations ?? loadMigrations('sqlite'));
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}
