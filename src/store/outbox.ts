export interface OutboxRow {
  id: number;
  token_id: string | null;
  kind: string;
  lane: string;
  payload: string;
  status: 'pending' | 'done' | 'dead';
  attempts: number;
  run_at_ms: number;
  leased_until_ms: number | null;
  lease_owner: string | null;
  gate: string | null;
  priority: number;
  created_ms: number;
  updated_ms: number;
  last_error: string | null;
  /** The host whose replica must run it (tmux, files, phase guidance); null: any replica. */
  host: string | null;
}

export interface NewJob {
  kind: string;
  tokenId?: string | null;
  /** Jobs sharing a lane run one at a time in the order they were enqueued (default: the token id). */
  lane?: string;
  payload?: Record<string, unknown>;
  runAtMs?: number;
  /** The rate limit or target the job waits on (see src/outbox/gates.ts); the worker skips it while closed. */
  gate?: string | null;
  /**
   * 0 runs before 1 (the default): the card flip and decision reply of an answered token go before new cards.
   * A job with priority 0 lifts the jobs queued ahead of it in its lane too, so nothing urgent waits behind them.
   */
  priority?: 0 | 1;
  /** Only a replica that declares this host (RODIZIO_HOST_ID) runs the job: work on a machine's tmux or files. */
  host?: string | null;
}

/** What the worker cannot take now: gates that are closed and kinds whose concurrency budget is spent. */
export interface ReadyFilter {
  closedGates: string[];
  fullKinds: string[];
  /** This replica's host: jobs bound to another host are left for that host's replica. */
  host?: string;
}

/** A new job's lane: its own, else its token's, else its kind's. */
export const laneOf = (job: NewJob): string => job.lane ?? job.tokenId ?? job.kind;

/**
 * A new job's column values in both engines' INSERT order: token_id, kind, lane, payload, run_at_ms, created_ms,
 * updated_ms, gate, priority, host.
 */
export function jobValues(job: NewJob, nowMs: number) {
  return [
    job.tokenId ?? null,
    job.kind,
    laneOf(job),
    JSON.stringify(job.payload ?? {}),
    job.runAtMs ?? nowMs,
    nowMs,
    nowMs,
    job.gate ?? null,
    job.priority ?? 1,
    job.host ?? null,
  ] as const;
}

/** The outbox: side effects recorded in the same transaction as the state change that causes them. */
export interface OutboxStore {
  /** Adds a job; a job with priority 0 lifts the pending jobs of its lane too. Returns its id. */
  enqueue(job: NewJob, nowMs: number): Promise<number>;
  /**
   * `enqueue`, also telling whether the job went in at the head of its lane (no pending job of the lane before it,
   * as this transaction sees the table). A job queued behind another starts after that one ends, which pumps the
   * worker that ran it: the worker need not be woken for it.
   */
  enqueueInLane(job: NewJob, nowMs: number): Promise<{ id: number; laneHead: boolean }>;
  /**
   * `enqueueInLane` for several jobs, in the order given (ids ascending): one round trip on Postgres. Of several
   * jobs in one lane only the first can be its head.
   */
  enqueueMany(jobs: readonly NewJob[], nowMs: number): Promise<{ id: number; laneHead: boolean }[]>;
  get(id: number): Promise<OutboxRow | undefined>;
  /** Jobs that can run now, most urgent first (see ReadyFilter). */
  ready(nowMs: number, limit: number, filter?: ReadyFilter): Promise<OutboxRow[]>;
  /** When the next job outside the filter becomes runnable; undefined when there is none. */
  nextRunAt(filter?: ReadyFilter): Promise<number | undefined>;
  /**
   * Takes up to `limit` runnable jobs (as `ready` would pick them) by leasing them to `owner` for `leaseMs`, in
   * one statement. On Postgres the candidates are locked with `FOR UPDATE SKIP LOCKED`, so replicas claiming at
   * the same moment take different jobs instead of queueing on the same rows.
   */
  claim(nowMs: number, limit: number, filter: ReadyFilter, owner: string, leaseMs: number): Promise<OutboxRow[]>;
  /** Gives back jobs `owner` claimed but did not start (their gate closed meanwhile): runnable again at once. */
  release(ids: readonly number[], owner: string): Promise<void>;
  /** Takes a job for `leaseMs` on behalf of `owner`; false if a live lease holds it. */
  lease(id: number, owner: string, nowMs: number, leaseMs: number): Promise<boolean>;
  /** Extends every lease `owner` holds (its jobs are still running) to `untilMs`. */
  renewLeases(owner: string, untilMs: number): Promise<number>;
  complete(id: number, nowMs: number): Promise<void>;
  /** Marks several jobs done at once (the worker writes completions that come in together in one statement). */
  completeMany(ids: readonly number[], nowMs: number): Promise<void>;
  /** Runs the job again at `runAtMs`; `countAttempt` is false for waits that are not failures (429, pacing). */
  reschedule(id: number, runAtMs: number, error: string | null, nowMs: number, countAttempt: boolean): Promise<void>;
  kill(id: number, error: string, nowMs: number): Promise<void>;
  revive(id: number, nowMs: number): Promise<boolean>;
  /** Jobs for the operator's view, newest first. */
  list(filter: { status?: string; kind?: string; tokenId?: string; limit: number }): Promise<OutboxRow[]>;
  removeForToken(tokenId: string): Promise<void>;
  /**
   * Frees the leases of every owner but `owner`. Only for the holder of the outbox's runner lock, which has
   * just taken the lock over from a dead or stale process: nobody else can be running these jobs.
   */
  releaseLeasesNotOwnedBy(owner: string): Promise<number>;
  count(status: 'pending' | 'done' | 'dead'): Promise<number>;
}
