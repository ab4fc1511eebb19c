import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { RodizioError, SchemaTooNewError } from '../errors.js';
import { packageRoot } from '../package-info.js';

export type Db = Database.Database;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The `migrations/` folder of the installed package. */
export function defaultMigrationsDir(): string {
  return join(packageRoot(), 'migrations');
}

/** Reads `NNN_name.sql` files in numeric order; numbers must run 1, 2, 3… without gaps. */
export function loadMigrations(dir = defaultMigrationsDir()): Migration[] {
  const files = readdirSync(dir)
    .filter((f) => /^\d+_[\w-]+\.sql$/.test(f))
    .sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10));
  return files.map((file, i) => {
    const version = Number.parseInt(file, 10);
    if (version !== i + 1) {
      throw new RodizioError('migrations_gap', `migration ${file} should be numbered ${i + 1}`);
    }
    return { version, name: file.replace(/\.sql$/, ''), sql: readFileSync(join(dir, file), 'utf8') };
  });
}

/** Applies every migration above the database's `user_version`, each in its own transaction. */
export function migrate(db: Db, migrations = loadMigrations()): { from: number; to: number } {
  const from = db.pragma('user_version', { simple: true }) as number;
  const known = migrations.at(-1)?.version ?? 0;
  if (from > known) throw new SchemaTooNewError(from, known, db.name);
  for (const m of migrations) {
    if (m.version <= from) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
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
    db.pragma('busy_timeout = 5000');
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
    }
    db.pragma('foreign_keys = ON');
    if (options.migrate ?? true) migrate(db, options.migrations ?? loadMigrations());
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}
