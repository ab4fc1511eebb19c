import type { EventRow } from './events.js';

/** An audit event with the runner and project of the token it concerns (null for store events such as `gc`). */
export interface FeedRow extends EventRow {
  runner: string | null;
  project: string | null;
}

/** Which events a reader may see and asked for; undefined fields do not filter. */
export interface FeedFilter {
  /** Only events of this runner's tokens (a runner's view); undefined: every event, store events too (the admin). */
  runner?: string;
  types?: string[];
  project?: string;
  tokenId?: string;
}

/** The audit log read as a feed: by `seq`, oldest first, with the tokens' runner and project. */
export interface EventFeedStore {
  /** Up to `limit` events after `after` matching `filter`, oldest first, and the log's last seq at that moment. */
  page(after: number, limit: number, filter?: FeedFilter): Promise<{ rows: FeedRow[]; head: number }>;
  /** The last seq in the log (0 when empty). */
  head(): Promise<number>;
}
