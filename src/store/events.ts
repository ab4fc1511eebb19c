/** Types of audit events. Later features add their own; the log itself is append-only. */
export type EventType = 'ejected' | 'replayed' | 'resolved' | 'cancelled' | 'expired' | 'gc' | (string & {});

export interface EventRow {
  seq: number;
  token_id: string | null;
  type: string;
  at_ms: number;
  actor: string | null;
  data: string;
}

/**
 * An audit event with the hashes that chain it (src/audit): its own, the log's previous event's and its token's
 * previous event's. Null only on rows written before migration 010 that no append has sealed yet.
 */
export interface AuditRow extends EventRow {
  hash: string | null;
  prev_hash: string | null;
  token_prev_hash: string | null;
}

/** Where a chain ends (`audit_heads`): chain '' is the whole log, any other chain a token id. */
export interface ChainHead {
  chain: string;
  seq: number;
  hash: string;
  /** Events ever appended to the chain, those GC removed included. */
  count: number;
}

/** An event GC removed, as its anchor event records it. */
export interface RemovedEvent {
  seq: number;
  hash: string | null;
  prev_hash: string | null;
}

export interface NewEvent {
  tokenId: string | null;
  type: EventType;
  atMs: number;
  actor?: string | null;
  data?: Record<string, unknown>;
}

/** The append-only audit log. */
export interface EventStore {
  /** Appends one event, chained to the log's and its token's heads; returns its `seq` (the feed's cursor). */
  append(e: NewEvent): Promise<number>;
  /** Appends several events in order, each chained to the one before (group commit); returns their `seq`s. */
  appendMany(events: readonly NewEvent[]): Promise<number[]>;
  forToken(tokenId: string): Promise<EventRow[]>;
  count(tokenId: string, type: EventType): Promise<number>;
  /** Pages through the log from `sinceMs`, in order; pass the last `seq` seen to continue. */
  page(sinceMs: number, afterSeq: number, limit: number): Promise<AuditRow[]>;
  /** Every event after `afterSeq` in `seq` order, with its hashes (`rodizio audit verify`). */
  chain(afterSeq: number, limit: number): Promise<AuditRow[]>;
  /** Where every chain ends: the log's head and each token's. */
  heads(): Promise<ChainHead[]>;
  /** Where the whole log ends (undefined while empty or not yet sealed). */
  head(): Promise<ChainHead | undefined>;
  /** Hashes the events written before migration 010 (once; appends do it first when needed); returns how many. */
  seal(): Promise<number>;
  /**
   * Only GC removes audit rows, together with the token they describe (and its chain head). Returns what it
   * removed, in `seq` order, for the anchor event that keeps the log verifiable.
   */
  removeForToken(tokenId: string): Promise<RemovedEvent[]>;
}
