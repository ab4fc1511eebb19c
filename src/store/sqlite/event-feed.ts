import type { EventFeedStore, FeedFilter, FeedRow } from '../event-feed.js';
import type { Db } from './database.js';

/** SQL for reading the audit log as a feed: by `seq`, oldest first, joined with the tokens' runner and project. */
export function createEventFeedStore(db: Db): EventFeedStore {
  const page = db.prepare<
    [
      {
        after: number;
        limit: number;
        runner: string | null;
        types: string | null;
        project: string | null;
        token: string | null;
      },
    ],
    FeedRow
  >(`
    SELECT e.seq, e.token_id, e.type, e.at_ms, e.actor, e.data, t.runner, t.project
    FROM events e LEFT JOIN tokens t ON t.id = e.token_id
    WHERE e.seq > $after
      AND ($runner IS NULL OR t.runner = $runner)
      AND ($project IS NULL OR t.project = $project)
      AND ($token IS NULL OR e.token_id = $token)
      AND ($types IS NULL OR e.type IN (SELECT value FROM json_each($types)))
    ORDER BY e.seq LIMIT $limit`);
  const head = db.prepare<[], { seq: number | null }>('SELECT max(seq) AS seq FROM events');
  // One snapshot for a page and the head it was read against, so `next_cursor` never skips a row.
  const readPage = db.transaction((after: number, limit: number, filter: FeedFilter) => ({
    rows: page.all({
      after,
      limit,
      runner: filter.runner ?? null,
      types: filter.types === undefined ? null : JSON.stringify(filter.types),
      project: filter.project ?? null,
      token: filter.tokenId ?? null,
    }),
    head: head.get()?.seq ?? 0,
  }));

  return {
    /** Up to `limit` events after `after` matching `filter`, oldest first, and the log's last seq at that moment. */
    async page(after: number, limit: number, filter: FeedFilter = {}): Promise<{ rows: FeedRow[]; head: number }> {
      return readPage(after, limit, filter);
    },
    /** The last seq in the log (0 when empty). */
    async head(): Promise<number> {
      return head.get()?.seq ?? 0;
    },
  };
}
