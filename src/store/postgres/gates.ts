import type { GateStore } from '../gates.js';
import { all, one, type PgConn } from './conn.js';

/**
 * Closes the gate until $2 + $3 when it is open at $2, in one statement: of replicas taking the same gate at
 * once, the row lock lets one update it and the others re-check the WHERE against its new value and return
 * nothing.
 */
const TAKE = `
  INSERT INTO gates (name, open_at_ms) VALUES ($1, $2::bigint + $3::bigint)
  ON CONFLICT (name) DO UPDATE SET open_at_ms = excluded.open_at_ms WHERE gates.open_at_ms <= $2::bigint
  RETURNING open_at_ms`;

/** SQL for the rate-limit gates every replica shares, on Postgres (see GateStore). */
export function createGateStore(db: PgConn): GateStore {
  const openAt = async (name: string) =>
    (await one<{ open_at_ms: number }>(db, 'SELECT open_at_ms FROM gates WHERE name = $1', [name]))?.open_at_ms;
  return {
    async take(name: string, nowMs: number, intervalMs: number): Promise<number> {
      if (await one(db, TAKE, [name, nowMs, intervalMs])) return 0;
      // Closed at `nowMs`. It can only have moved later since (pause, another take), never reopened earlier.
      return Math.max(0, ((await openAt(name)) ?? nowMs) - nowMs);
    },
    async pause(name: string, untilMs: number): Promise<void> {
      await db.query(
        `INSERT INTO gates (name, open_at_ms) VALUES ($1, $2)
         ON CONFLICT (name) DO UPDATE SET open_at_ms = greatest(gates.open_at_ms, excluded.open_at_ms)`,
        [name, untilMs],
      );
    },
    async openAt(name: string): Promise<number> {
      return (await openAt(name)) ?? 0;
    },
    async closed(nowMs: number) {
      const rows = await all<{ name: string; open_at_ms: number }>(
        db,
        'SELECT name, open_at_ms FROM gates WHERE open_at_ms > $1 ORDER BY name',
        [nowMs],
      );
      return rows.map((r) => ({ name: r.name, openAtMs: r.open_at_ms }));
    },
  };
}
