import type { Logger } from '../logger.js';
import type { EventFeedStore, FeedFilter, FeedRow } from '../store/event-feed.js';
import { type FeedEvent, rowToFeedEvent } from './event.js';

/** A live reader of the feed (one SSE connection). */
export interface FeedListener {
  /**
   * New rows, contiguous in `seq` from just after `from`, unfiltered. A listener that has examined the log up to
   * `from` (or beyond) can take them as they are; one that is behind reads the table itself by its cursor.
   */
  offer(rows: FeedRow[], from: number): void;
}

export interface EventPage {
  events: FeedEvent[];
  /** Pass as `since` for the next page; on the last page, the log's end when it was read. */
  next_cursor: string;
  has_more: boolean;
}

/** True when a row passes a reader's filter (the same rules as the SQL in store/event-feed.ts). */
export function matchesFilter(row: FeedRow, filter: FeedFilter): boolean {
  if (filter.runner !== undefined && row.runner !== filter.runner) return false;
  if (filter.project !== undefined && row.project !== filter.project) return false;
  if (filter.tokenId !== undefined && row.token_id !== filter.tokenId) return false;
  if (filter.types !== undefined && !filter.types.includes(row.type)) return false;
  return true;
}

/** Events after `after` that `filter` lets through, oldest first (the API's and the CLI's page). */
export async function readEventPage(
  store: EventFeedStore,
  after: number,
  limit: number,
  filter: FeedFilter,
): Promise<EventPage> {
  const { rows, head } = await store.page(after, limit + 1, filter);
  const page = rows.slice(0, limit);
  const hasMore = rows.length > limit;
  const last = page.at(-1);
  return {
    events: page.map(rowToFeedEvent),
    next_cursor: String(hasMore && last ? last.seq : Math.max(after, head)),
    has_more: hasMore,
  };
}

const BATCH = 500;

/**
 * The event feed: pages read from the audit log by cursor, and a fan-out for live streams. When woken (this
 * process appended an event, or another process committed), it reads what follows its head once, in `seq`
 * order, and offers the rows to every listener; listeners that are behind catch up from the table on their own.
 * Ordering and completeness come from `seq` in the table; the batch in memory is only shared reading.
 */
export function createEventFeed({ store, logger }: { store: EventFeedStore; logger: Logger }) {
  const listeners = new Set<FeedListener>();
  /** The last seq offered to listeners; undefined while nobody listens (then nothing is read). */
  let head: number | undefined;
  let scheduled = false;
  /** Flushes run one after another, so batches are offered in `seq` order. */
  let flushing: Promise<void> = Promise.resolve();

  async function flush(): Promise<void> {
    scheduled = false;
    try {
      for (;;) {
        const from = head;
        if (listeners.size === 0 || from === undefined) return;
        const { rows } = await store.page(from, BATCH);
        // Everybody left (or came back with a new head) during the read: start again from where things are now.
        if (head !== from) continue;
        const last = rows.at(-1);
        if (!last) return;
        head = last.seq;
        for (const listener of listeners) {
          try {
            listener.offer(rows, from);
          } catch (err) {
            logger.error({ err }, 'event stream listener failed');
          }
        }
        if (rows.length < BATCH) return;
      }
    } catch (err) {
      // The database closing under a wake at shutdown, or a busy timeout: the next wake reads again.
      logger.warn({ err }, 'event feed read failed');
    }
  }

  return {
    /** Something may have been appended: read and fan out once, soon (however many wakes came). */
    wake(): void {
      if (scheduled) return;
      scheduled = true;
      // flush() catches its own failures, so the chain never rejects.
      setImmediate(() => {
        flushing = flushing.then(flush);
      });
    },

    /** Adds a live listener; it should catch up from its own cursor first. */
    async listen(listener: FeedListener): Promise<() => void> {
      if (head === undefined) {
        const start = await store.head();
        // Another listener may have joined during the read: keep the head the feed already offers from.
        if (head === undefined) head = start;
      }
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) head = undefined;
      };
    },

    listeners(): number {
      return listeners.size;
    },

    /** Events after `after` that `filter` lets through, oldest first. */
    page(after: number, limit: number, filter: FeedFilter): Promise<EventPage> {
      return readEventPage(store, after, limit, filter);
    },

    /** The store, for streams catching up by their own cursor. */
    store,
  };
}

export type EventFeed = ReturnType<typeof createEventFeed>;
