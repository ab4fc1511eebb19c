/** Pending tokens of one reason and severity, and when the oldest of them arrived. */
export interface PendingCount {
  reason: string;
  severity: string;
  n: number;
  oldest_ms: number;
}

/** Outbox jobs of one kind waiting to run (`pending`) or given up on (`dead`). */
export interface OutboxCount {
  kind: string;
  status: 'pending' | 'dead';
  n: number;
}

/** A token that left pending, as `rodizio stats` summarizes it. */
export interface ClosedToken {
  status: 'resolved' | 'expired' | 'cancelled';
  reason: string;
  severity: string;
  /** The channel its card was posted in; null when it had no card. */
  channel: string | null;
  via: string | null;
  received_ms: number;
  closed_ms: number;
}

/**
 * Aggregate reads for `/metrics` and `rodizio stats`. The scrape-time counts must stay fast with 100,000 tokens:
 * each is a count over an index (pending tokens, pending and dead jobs), never a scan of the tables into JS.
 */
export interface StatsStore {
  pendingTokens(): Promise<PendingCount[]>;
  outboxJobs(): Promise<OutboxCount[]>;
  /** Tokens that left pending at or after `sinceMs`, oldest first. */
  closedSince(sinceMs: number): Promise<ClosedToken[]>;
}
