import type { Db } from './database.js';
import { createFilteredList } from './filtered-list.js';

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
}

/** What the worker cannot take now: gates that are closed and kinds whose concurrency budget is spent. */
export interface ReadyFilter {
  closedGates: string[];
  fullKinds: string[];
}

/** SQL for the outbox: side effects recorded in the same transaction as the state change that causes them. */
export function createOutboxStore(db: Db) {
  const insert = db.prepare<[string | null, string, string, string, number, number, number, string | null, number]>(
    `INSERT INTO outbox (token_id, kind, lane, payload, run_at_ms, created_ms, updated_ms, gate, priority)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const lift = db.prepare<[string]>(
    `UPDATE outbox SET priority = 0 WHERE lane = ? AND status = 'pending' AND priority > 0`,
  );
  // A lane head behind no closed gate, of a kind with free slots. Gates and kinds come as JSON arrays so one
  // prepared statement serves every call. Only lane heads count: a job queued behind a deferred head is not
  // runnable however old it is.
  const runnable = `o.status = 'pending'
      AND (o.gate IS NULL OR o.gate NOT IN (SELECT value FROM json_each($gates)))
      AND o.kind NOT IN (SELECT value FROM json_each($kinds))
      AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.lane = o.lane AND p.status = 'pending' AND p.id < o.id)`;
  const ready = db.prepare<[{ now: number; gates: string; kinds: string; limit: number }], OutboxRow>(`
    SELECT o.* FROM outbox o
    WHERE o.run_at_ms <= $now AND (o.leased_until_ms IS NULL OR o.leased_until_ms <= $now) AND ${runnable}
    ORDER BY o.priority, o.run_at_ms, o.id LIMIT $limit`);
  const nextRunAt = db.prepare<[{ gates: string; kinds: string }], { at: number | null }>(`
    SELECT min(max(o.run_at_ms, coalesce(o.leased_until_ms, 0))) AS at FROM outbox o WHERE ${runnable}`);
  const lease = db.prepare<[number, string, number, number, number]>(
    `UPDATE outbox SET leased_until_ms = ?, lease_owner = ?, updated_ms = ?
     WHERE id = ? AND status = 'pending' AND (leased_until_ms IS NULL OR leased_until_ms <= ?)`,
  );
  const renew = db.prepare<[number, string]>(
    `UPDATE outbox SET leased_until_ms = ? WHERE lease_owner = ? AND status = 'pending' AND leased_until_ms IS NOT NULL`,
  );
  const complete = db.prepare<[number, number]>(
    `UPDATE outbox SET status = 'done', attempts = attempts + 1, leased_until_ms = NULL, lease_owner = NULL, updated_ms = ?,
       last_error = NULL WHERE id = ?`,
  );
  const reschedule = db.prepare<[number, number, string | null, number, number]>(
    `UPDATE outbox SET run_at_ms = ?, attempts = attempts + ?, last_error = ?, leased_until_ms = NULL, lease_owner = NULL,
       updated_ms = ?
     WHERE id = ?`,
  );
  const kill = db.prepare<[string, number, number]>(
    `UPDATE outbox SET status = 'dead', attempts = attempts + 1, last_error = ?, leased_until_ms = NULL, lease_owner = NULL,
       updated_ms = ? WHERE id = ?`,
  );
  const revive = db.prepare<[number, number, number]>(
    `UPDATE outbox SET status = 'pending', attempts = 0, run_at_ms = ?, updated_ms = ?, leased_until_ms = NULL
     WHERE id = ? AND status = 'dead'`,
  );
  const byId = db.prepare<[number], OutboxRow>('SELECT * FROM outbox WHERE id = ?');
  const list = createFilteredList<OutboxRow>(db, 'SELECT * FROM outbox', 'id DESC');
  const removeForToken = db.prepare<[string]>('DELETE FROM outbox WHERE token_id = ?');
  const releaseOthers = db.prepare<[string]>(
    `UPDATE outbox SET leased_until_ms = NULL, lease_owner = NULL
     WHERE status = 'pending' AND leased_until_ms IS NOT NULL AND (lease_owner IS NULL OR lease_owner <> ?)`,
  );
  const countStatus = db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM outbox WHERE status = ?');

  return {
    enqueue(job: NewJob, nowMs: number): number {
      const lane = job.lane ?? job.tokenId ?? job.kind;
      const priority = job.priority ?? 1;
      if (priority === 0) lift.run(lane);
      const result = insert.run(
        job.tokenId ?? null,
        job.kind,
        lane,
        JSON.stringify(job.payload ?? {}),
        job.runAtMs ?? nowMs,
        nowMs,
        nowMs,
        job.gate ?? null,
        priority,
      );
      return Number(result.lastInsertRowid);
    },
    get(id: number): OutboxRow | undefined {
      return byId.get(id);
    },
    /** Jobs that can run now, most urgent first (see ReadyFilter). */
    ready(nowMs: number, limit: number, filter: ReadyFilter = { closedGates: [], fullKinds: [] }): OutboxRow[] {
      return ready.all({
        now: nowMs,
        gates: JSON.stringify(filter.closedGates),
        kinds: JSON.stringify(filter.fullKinds),
        limit,
      });
    },
    /** When the next job outside the filter becomes runnable; undefined when there is none. */
    nextRunAt(filter: ReadyFilter = { closedGates: [], fullKinds: [] }): number | undefined {
      const row = nextRunAt.get({
        gates: JSON.stringify(filter.closedGates),
        kinds: JSON.stringify(filter.fullKinds),
      });
      return row?.at ?? undefined;
    },
    /** Takes a job for `leaseMs` on behalf of `owner`; false if a live lease holds it. */
    lease(id: number, owner: string, nowMs: number, leaseMs: number): boolean {
      return lease.run(nowMs + leaseMs, owner, nowMs, id, nowMs).changes === 1;
    },
    /** Extends every lease `owner` holds (its jobs are still running) to `untilMs`. */
    renewLeases(owner: string, untilMs: number): number {
      return renew.run(untilMs, owner).changes;
    },
    complete(id: number, nowMs: number): void {
      complete.run(nowMs, id);
    },
    /** Runs the job again at `runAtMs`; `countAttempt` is false for waits that are not failures (429, pacing). */
    reschedule(id: number, runAtMs: number, error: string | null, nowMs: number, countAttempt: boolean): void {
      reschedule.run(runAtMs, countAttempt ? 1 : 0, error, nowMs, id);
    },
    kill(id: number, error: string, nowMs: number): void {
      kill.run(error, nowMs, id);
    },
    revive(id: number, nowMs: number): boolean {
      return revive.run(nowMs, nowMs, id).changes === 1;
    },
    /** Jobs for the operator's view, newest first. */
    list(filter: { status?: string; kind?: string; tokenId?: string; limit: number }): OutboxRow[] {
      return list(
        [
          ['status = ?', filter.status],
          ['kind LIKE ?', filter.kind === undefined ? undefined : `${filter.kind}%`],
          ['token_id = ?', filter.tokenId],
        ],
        filter.limit,
      );
    },
    removeForToken(tokenId: string): void {
      removeForToken.run(tokenId);
    },
    /**
     * Frees the leases of every owner but `owner`. Only for the holder of the outbox's runner lock, which has
     * just taken the lock over from a dead or stale process: nobody else can be running these jobs.
     */
    releaseLeasesNotOwnedBy(owner: string): number {
      return releaseOthers.run(owner).changes;
    },
    count(status: 'pending' | 'done' | 'dead'): number {
      return countStatus.get(status)?.n ?? 0;
    },
  };
}

export type OutboxStore = ReturnType<typeof createOutboxStore>;
