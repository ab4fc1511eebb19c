import type { SubscriptionRow, SubscriptionStore } from '../subscriptions.js';
import { all, changes, one, type PgConn } from './conn.js';

/** SQL for runners' event subscriptions registered through the API, on Postgres. */
export function createSubscriptionStore(db: PgConn): SubscriptionStore {
  return {
    async insert(row: SubscriptionRow): Promise<void> {
      await db.query(
        'INSERT INTO subscriptions (id, runner, url, types, project, created_ms) VALUES ($1, $2, $3, $4, $5, $6)',
        [row.id, row.runner, row.url, row.types, row.project, row.created_ms],
      );
    },
    // COLLATE "C": byte order, as SQLite compares text, whatever the database's collation.
    async all(): Promise<SubscriptionRow[]> {
      return all<SubscriptionRow>(db, 'SELECT * FROM subscriptions ORDER BY created_ms, id COLLATE "C"');
    },
    async get(id: string): Promise<SubscriptionRow | undefined> {
      return one<SubscriptionRow>(db, 'SELECT * FROM subscriptions WHERE id = $1', [id]);
    },
    async countForRunner(runner: string): Promise<number> {
      const row = await one<{ n: number }>(db, 'SELECT count(*) AS n FROM subscriptions WHERE runner = $1', [runner]);
      return row?.n ?? 0;
    },
    async remove(id: string): Promise<boolean> {
      return (await changes(db, 'DELETE FROM subscriptions WHERE id = $1', [id])) === 1;
    },
  };
}
