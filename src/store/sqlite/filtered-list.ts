import type { Statement } from 'better-sqlite3';
import type { Db } from './database.js';

type Value = string | number;

/**
 * A list query with optional filters (`status = ?`, `seq < ?`, …): filters whose value is undefined or empty
 * are left out, and each resulting shape is prepared once. Only fixed SQL fragments go into the text; every
 * value is a bound parameter.
 */
export function createFilteredList<Row>(db: Db, select: string, orderBy: string) {
  const cache = new Map<string, Statement<Value[], Row>>();
  return (filters: [condition: string, value: Value | undefined][], limit: number): Row[] => {
    const active = filters.filter((f): f is [string, Value] => f[1] !== undefined && f[1] !== '');
    const where = active.length ? ` WHERE ${active.map(([condition]) => condition).join(' AND ')}` : '';
    const sql = `${select}${where} ORDER BY ${orderBy} LIMIT ?`;
    let stmt = cache.get(sql);
    if (!stmt) {
      stmt = db.prepare<Value[], Row>(sql);
      cache.set(sql, stmt);
    }
    return stmt.all(...active.map(([, value]) => value), limit);
  };
}
