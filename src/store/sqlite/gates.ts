import type { GateStore } from '../gates.js';
import { type Db, writeTransaction } from './database.js';

/** SQL for the rate-limit gates every process on the file shares (see GateStore). */
export function createGateStore(db: Db): GateStore {
  // Closes the gate only when it is open at $now: the update is skipped (nothing returned) when it is closed.
  const close = db.prepare<[{ name: string; now: number; until: number }], { open_at_ms: number }>(
    `INSERT INTO gates (name, open_at_ms) VALUES ($name, $until)
     ON CONFLICT (name) DO UPDATE SET open_at_ms = excluded.open_at_ms WHERE gates.open_at_ms <= $now
     RETURNING open_at_ms`,
  );
  const get = db.prepare<[string], { open_at_ms: number }>('SELECT open_at_ms FROM gates WHERE name = ?');
  const pause = db.prepare<[string, number]>(
    `INSERT INTO gates (name, open_at_ms) VALUES (?, ?)
     ON CONFLICT (name) DO UPDATE SET open_at_ms = max(gates.open_at_ms, excluded.open_at_ms)`,
  );
  const closed = db.prepare<[number], { name: string; open_at_ms: number }>(
    'SELECT name, open_at_ms FROM gates WHERE open_at_ms > ? ORDER BY name',
  );
  const take = writeTransaction(db, (name: string, now: number, intervalMs: number): number => {
    if (close.get({ name, now, until: now + intervalMs })) return 0;
    return Math.max(0, (get.get(name)?.open_at_ms ?? now) - now);
  });

  return {
    async take(name: string, nowMs: number, intervalMs: number): Promise<number> {
      return take(name, nowMs, intervalMs);
    },
    async pause(name: string, untilMs: number): Promise<void> {
      pause.run(name, untilMs);
    },
    async openAt(name: string): Promise<number> {
      return get.get(name)?.open_at_ms ?? 0;
    },
    async closed(nowMs: number) {
      return closed.all(nowMs).map((r) => ({ name: r.name, openAtMs: r.open_at_ms }));
    },
  };
}
