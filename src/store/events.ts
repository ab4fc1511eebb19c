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

export interface NewEvent {
  tokenId: string | null;
  type: EventType;
  atMs: number;
  actor?: string | null;
  data?: Record<string, unknown>;
}

/** The append-only audit log. */
export interface EventStore {
  /** Appends one event; returns its `seq` (the event feed's cursor). */
  append(e: NewEvent): Promise<number>;
  forToken(tokenId: string): Promise<EventRow[]>;
  count(tokenId: string, type: EventType): Promise<number>;
  /** Pages through the log from `sinceMs`, in order; pass the last `seq` seen to continue. */
  page(sinceMs: number, afterSeq: number, limit: number): Promise<EventRow[]>;
  /** Only GC removes audit rows, together with the token they describe. */
  removeForToken(tokenId: string): Promise<void>;
}
