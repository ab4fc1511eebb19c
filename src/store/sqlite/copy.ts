import { COPIED_TABLES, type CopiedRow, type CopiedTable, type TableCopy } from '../copy.js';
import { type Db, writeTransaction } from './database.js';

const UNFINISHED: Partial<Record<CopiedTable, string>> = {
  outbox: `status IN ('pending', 'dead')`,
  intake: `status IN ('pending', 'failed')`,
};

function table(name: CopiedTable) {
  const spec = COPIED_TABLES.find((t) => t.name === name);
  if (!spec) throw new Error(`not a copied table: ${name}`);
  return spec;
}

/** The SQLite side of `rodizio migrate-store`. Table names come from COPIED_TABLES only, never from input. */
export function createSqliteCopy(db: Db): TableCopy {
  return {
    async read(name, offset, limit) {
      const spec = table(name);
      const where = spec.unfinishedOnly ? ` WHERE ${UNFINISHED[name]}` : '';
      return db
        .prepare<[number, number], CopiedRow>(`SELECT * FROM ${name}${where} ORDER BY ${spec.orderBy} LIMIT ? OFFSET ?`)
        .all(limit, offset);
    },
    async count(name) {
      table(name);
      return (db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM ${name}`).get() as { n: number }).n;
    },
    async write(name, rows) {
      table(name);
      const first = rows[0];
      if (!first) return;
      const columns = Object.keys(first);
      const insert = db.prepare(
        `INSERT INTO ${name} (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`,
      );
      writeTransaction(db, () => {
        for (const row of rows) insert.run(row);
      })();
    },
    async clear() {
      writeTransaction(db, () => {
        for (const spec of [...COPIED_TABLES].reverse()) db.prepare(`DELETE FROM ${spec.name}`).run();
      })();
    },
    // AUTOINCREMENT continues after the largest id inserted: nothing to do.
    async finish() {},
  };
}
