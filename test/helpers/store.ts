import type { Db } from '../../src/store/database.js';

/** Every row of every table, for asserting that a rejected request changed nothing. */
export function storeSnapshot(db: Db): Record<string, unknown[]> {
  const tables = db
    .prepare<[], { name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
    .all()
    .map((t) => t.name);
  return Object.fromEntries(tables.map((t) => [t, db.prepare(`SELECT * FROM "${t}" ORDER BY rowid`).all()]));
}
