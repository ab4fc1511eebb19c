import type { SubscriptionRow, SubscriptionStore } from '../subscriptions.js';
import type { Db } from './database.js';

/** SQL for runners' event subscriptions registered through the API. */
export function createSubscriptionStore(db: Db): SubscriptionStore {
  const insert = db.prepare<[string, string, string, string | null, string | null, number]>(
    'INSERT INTO subscriptions (id, runner, url, types, project, created_ms) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const all = db.prepare<[], SubscriptionRow>('SELECT * FROM subscriptions ORDER BY created_ms, id');
  const byId = db.prepare<[string], SubscriptionRow>('SELECT * FROM subscriptions WHERE id = ?');
  const countRunner = db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM subscriptions WHERE runner = ?');
  const remove = db.prepare<[string]>('DELETE FROM subscriptions WHERE id = ?');

  return {
    async insert(row: SubscriptionRow): Promise<void> {
      insert.run(row.id, row.runner, row.url, row.types, row.project, row.created_ms);
    },
    async all(): Promise<SubscriptionRow[]> {
      return all.all();
    },
    async get(id: string): Promise<SubscriptionRow | undefined> {
      return byId.get(id);
    },
    async countForRunner(runner: string): Promise<number> {
      return countRunner.get(runner)?.n ?? 0;
    },
    async remove(id: string): Promise<boolean> {
      return remove.run(id).changes === 1;
    },
  };
}
