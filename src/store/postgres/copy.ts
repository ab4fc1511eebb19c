import { COPIED_TABLES, type CopiedRow, type CopiedTable, type TableCopy } from '../copy.js';
import { all, one, type PgConn, type Queryable } from './conn.js';

/** The same rows as the SQLite side's: outbox and intake rows still to do (or dead, for an operator). */
const UNFINISHED: Partial<Record<CopiedTable, string>> = {
  outbox: `status IN ('pending', 'dead')`,
  intake: `status IN ('pending', 'failed')`,
};

/** A bind message carries at most 65535 parameters: larger writes go in several INSERTs (one transaction). */
const MAX_PARAMS = 65_535;

interface Column {
  name: string;
  type: string;
  identity: boolean;
}

function spec(name: CopiedTable) {
  const found = COPIED_TABLES.find((t) => t.name === name);
  if (!found) throw new Error(`not a copied table: ${name}`);
  return found;
}

/** A double-quoted identifier. Only names from COPIED_TABLES and from our own schema's catalog get here. */
const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * The Postgres side of `rodizio migrate-store`. Table names come from COPIED_TABLES only; column names are
 * checked against the table's columns in the catalog before they go into SQL, and every value is a parameter.
 */
export function createPostgresCopy(db: PgConn): TableCopy {
  let catalog: Promise<Map<string, Column[]>> | undefined;
  /** Each copied table's columns, read once from information_schema. */
  const columnsOf = async (name: CopiedTable): Promise<Column[]> => {
    catalog ??= all<{ table_name: string; column_name: string; data_type: string; is_identity: string }>(
      db,
      `SELECT table_name, column_name, data_type, is_identity FROM information_schema.columns
       WHERE table_schema = current_schema() AND table_name = ANY($1::text[]) ORDER BY ordinal_position`,
      [COPIED_TABLES.map((t) => t.name)],
    )
      .then((rows) => {
        const map = new Map<string, Column[]>();
        for (const r of rows) {
          const cols = map.get(r.table_name) ?? [];
          cols.push({ name: r.column_name, type: r.data_type, identity: r.is_identity === 'YES' });
          map.set(r.table_name, cols);
        }
        return map;
      })
      .catch((err: unknown) => {
        catalog = undefined;
        throw err;
      });
    const cols = (await catalog).get(name);
    if (!cols?.length) throw new Error(`table ${name} is missing from the database`);
    return cols;
  };

  /** The table's key order; text keys COLLATE "C" (byte order, as SQLite compares text). */
  const orderBy = async (name: CopiedTable): Promise<string> => {
    const cols = await columnsOf(name);
    return spec(name)
      .orderBy.split(',')
      .map((key) => {
        const col = cols.find((c) => c.name === key.trim());
        if (!col) throw new Error(`${name} has no column ${key.trim()}`);
        return col.type === 'text' ? `${quote(col.name)} COLLATE "C"` : quote(col.name);
      })
      .join(', ');
  };

  async function insert(q: Queryable, name: CopiedTable, columns: string[], rows: CopiedRow[]): Promise<void> {
    const values: unknown[] = [];
    const tuples = rows.map((row) => {
      const params = columns.map((c) => {
        values.push(row[c] ?? null);
        return `$${values.length}`;
      });
      return `(${params.join(', ')})`;
    });
    // OVERRIDING SYSTEM VALUE: ids are kept, also should an identity ever be GENERATED ALWAYS.
    await q.query(
      `INSERT INTO ${quote(name)} (${columns.map(quote).join(', ')}) OVERRIDING SYSTEM VALUE VALUES ${tuples.join(', ')}`,
      values,
    );
  }

  return {
    async read(name, offset, limit) {
      const where = spec(name).unfinishedOnly ? ` WHERE ${UNFINISHED[name]}` : '';
      return all<CopiedRow>(
        db,
        `SELECT * FROM ${quote(name)}${where} ORDER BY ${await orderBy(name)} LIMIT $1 OFFSET $2`,
        [limit, offset],
      );
    },
    async count(name) {
      spec(name);
      return (await one<{ n: number }>(db, `SELECT count(*) AS n FROM ${quote(name)}`))?.n ?? 0;
    },
    async write(name, rows) {
      spec(name);
      const first = rows[0];
      if (!first) return;
      const known = new Set((await columnsOf(name)).map((c) => c.name));
      const columns = Object.keys(first);
      const unknown = columns.filter((c) => !known.has(c));
      if (unknown.length) throw new Error(`${name} has no column ${unknown.join(', ')} on this database`);
      const perInsert = Math.max(1, Math.floor(MAX_PARAMS / columns.length));
      await db.atomic(async (q) => {
        for (let i = 0; i < rows.length; i += perInsert) await insert(q, name, columns, rows.slice(i, i + perInsert));
      });
    },
    async clear() {
      await db.atomic(async (q) => {
        for (const t of [...COPIED_TABLES].reverse()) await q.query(`DELETE FROM ${quote(t.name)}`);
      });
    },
    async finish() {
      // The next id of each identity is one past the largest copied (1 on an empty table).
      await db.atomic(async (q) => {
        for (const t of COPIED_TABLES) {
          for (const col of await columnsOf(t.name)) {
            if (!col.identity) continue;
            await q.query(
              `SELECT setval(pg_get_serial_sequence($1, $2), coalesce((SELECT max(${quote(col.name)}) FROM ${quote(t.name)}), 0) + 1, false)`,
              [quote(t.name), col.name],
            );
          }
        }
      });
    },
  };
}
