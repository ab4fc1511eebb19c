import type { Logger } from '../logger.js';
import { openPostgresStore } from './postgres/store.js';
import { openSqliteStore } from './sqlite/store.js';
import type { Store } from './store.js';

export interface OpenStoreOptions {
  logger?: Logger;
  /** Apply pending migrations (default). `rodizio migrate` opens without, to report what it applies. */
  migrate?: boolean;
}

/** Whether `RODIZIO_DB` names a Postgres database rather than a SQLite file. */
export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//i.test(db);
}

/** Opens the store `RODIZIO_DB` names: a `postgres://` / `postgresql://` URL, or else a SQLite file path. */
export async function openStore(db: string, options: OpenStoreOptions = {}): Promise<Store> {
  if (isPostgresUrl(db)) return openPostgresStore(db, options);
  return openSqliteStore(db, options);
}
