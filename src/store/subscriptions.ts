import type { Db } from './database.js';

export interface SubscriptionRow {
  id: string;
  runner: string;
  url: string;
  /** JSON array of event types, or null for every type. */
  types: string | null;
  project: string | null;
  created_ms: number;
}

/** SQL for runners' event subscriptions registered through the API. */
export function createSubscriptionStore(db: Db) {
  const insert = db.prepare<[string, string, string, string | null, string | null, number]>(
    'INSERT INTO subscriptions (id, runner, url, types, project, created_ms) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const all = db.prepare<[], SubscriptionRow>('SELECT * FROM subscriptions ORDER BY created_ms, id');
  const byId = db.prepare<[string], SubscriptionRow>('SELECT * FROM subscriptions WHERE id = ?');
  const countRunner = db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM subscriptions WHERE runner = ?');
  const remove = db.prepare<[string]>('DELETE FROM subscriptions WHERE id = ?');

  return {
    insert(row: SubscriptionRow): void {
      insert.run(row.id, row.runner, row.url, row.types, row.project, row.created_ms);
    },
    all(): SubscriptionRow[] {
      return all.all();
    },
    get(id: string): SubscriptionRow | undefined {
      return byId.get(id);
    },
    countForRunner(runner: string): number {
      return countRunner.get(runner)?.n ?? 0;
    },
    remove(id: string): boolean {
      return remove.run(id).changes === 1;
    },
  };
}

export type SubscriptionStore = ReturnType<typeof createSubscriptionStore>;
