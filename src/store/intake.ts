export interface IntakeRow {
  id: number;
  key: string;
  kind: string;
  payload: string;
  received_ms: number;
  status: 'pending' | 'done' | 'failed';
  attempts: number;
  processed_ms: number | null;
  last_error: string | null;
}

/**
 * The Slack intake: requests that change state, written (keyed on Slack's ids) before they are acked and
 * processed from here, so an acked click survives a crash and a retried or replayed one is recognised.
 */
export interface IntakeStore {
  /**
   * Writes the request once; `fresh` is false when its key was seen before (a retry or a replay). `begun`: the
   * recorder takes it up at once, so its first attempt is counted in the same statement (`attempts` 1) instead of
   * by a `begin` of its own.
   */
  record(
    key: string,
    kind: string,
    payload: string,
    nowMs: number,
    begun?: boolean,
  ): Promise<{ row: IntakeRow; fresh: boolean }>;
  get(id: number): Promise<IntakeRow | undefined>;
  byKey(key: string): Promise<IntakeRow | undefined>;
  /** Counts an attempt on a pending row and returns it; undefined when it is no longer pending. */
  begin(id: number): Promise<IntakeRow | undefined>;
  /** The request changed what it asked for: kept as `done`, so its key keeps recognising replays. */
  finish(id: number, nowMs: number): Promise<void>;
  fail(id: number, error: string, nowMs: number): Promise<void>;
  /** The request was processed and changed nothing (refused, too late): nothing is left to protect. */
  remove(id: number): Promise<void>;
  /** Pending rows with `afterId < id <= untilId`, oldest first. */
  pending(afterId: number, untilId: number, limit?: number): Promise<IntakeRow[]>;
  lastId(): Promise<number>;
  /** Forgets done rows processed before `beforeMs`; returns how many. */
  prune(beforeMs: number): Promise<number>;
}
