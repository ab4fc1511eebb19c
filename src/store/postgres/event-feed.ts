import type { EventFeedStore, FeedFilter, FeedRow } from '../event-feed.js';
import { one, type PgConn } from './conn.js';

/**
 * A page and the head it was read against, in one statement and so one snapshot (`next_cursor` never skips a
 * row). The LEFT JOIN keeps the head row when the page is empty.
 */
const PAGE = `
  WITH head AS (SELECT coalesce(max(seq), 0) AS head FROM events),
  page AS (
    SELECT e.seq, e.token_id, e.type, e.at_ms, e.actor, e.data, t.runner, t.project
    FROM events e LEFT JOIN tokens t ON t.id = e.token_id
    WHERE e.seq > $1
      AND ($3::text IS NULL OR t.runner = $3)
      AND ($4::text[] IS NULL OR e.type = ANY($4::text[]))
      AND ($5::text IS NULL OR t.project = $5)
      AND ($6::text IS NULL OR e.token_id = $6)
    ORDER BY e.seq LIMIT $2)
  SELECT head.head, page.* FROM head LEFT JOIN page ON true ORDER BY page.seq`;

/** A page row with the head; on an empty page the single row has only the head (every other column null). */
type PageRow = Omit<FeedRow, 'seq'> & { seq: number | null; head: number };

/** SQL for reading the audit log as a feed on Postgres: by `seq`, oldest first, with the tokens' runner and project. */
export function createEventFeedStore(db: PgConn): EventFeedStore {
  return {
    async page(after: number, limit: number, filter: FeedFilter = {}): Promise<{ rows: FeedRow[]; head: number }> {
      const values = [
        after,
        limit,
        filter.runner ?? null,
        filter.types ?? null,
        filter.project ?? null,
        filter.tokenId ?? null,
      ];
      const result = await db.query<PageRow>(PAGE, values);
      const rows: FeedRow[] = [];
      for (const { head: _head, seq, ...rest } of result.rows) if (seq !== null) rows.push({ seq, ...rest });
      return { rows, head: result.rows[0]?.head ?? 0 };
    },
    async head(): Promise<number> {
      return (await one<{ seq: number }>(db, 'SELECT coalesce(max(seq), 0) AS seq FROM events'))?.seq ?? 0;
    },
  };
}
