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
}

/** SQL for the outbox: side effects recorded in the same transaction as the state change that causes them. */
export function createOutboxStore(db: Db) {
  const insert = db.prepare<[string | null, string, string, string, number, number, number]>(
    `INSERT INTO outbox (token_id, kind, lane, payload, run_at_ms, created_ms, updated_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  // The head of each lane that is due and not leased by a live worker.
  const due = db.prepare<[number, number, number], OutboxRow>(`
    SELECT o.* FROM outbox o
    WHERE o.status = 'pending' AND o.run_at_ms <= ? AND (o.leased_until_ms IS NULL OR o.leased_until_ms <= ?)
      AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.lane = o.lane AND p.status = 'pending' AND p.id < o.id)
    ORDER BY o.run_at_ms, o.id LIMIT ?`);
  // Only lane heads can run next: a job queued behind a deferred head is not "due" however old it is.
  const nextRunAt = db.prepare<[], { at: number | null }>(`
    SELECT min(max(o.run_at_ms, coalesce(o.leased_until_ms, 0))) AS at
    FROM (SELECT min(id) AS id FROM outbox WHERE status = 'pending' GROUP BY lane) AS head
    JOIN outbox o ON o.id = head.id`);
  const lease = db.prepare<[number, number, number, number]>(
    `UPDATE outbox SET leased_until_ms = ?, updated_ms = ?
     WHERE id = ? AND status = 'pending' AND (leased_until_ms IS NULL OR leased_until_ms <= ?)`,
  );
  const complete = db.prepare<[number, number]>(
    `UPDATE outbox SET status = 'done', attempts = attempts + 1, leased_until_ms = NULL, updated_ms = ?, last_error = NULL WHERE id = ?`,
  );
  const reschedule = db.prepare<[number, number, string | null, number, number]>(
    `UPDATE outbox SET run_at_ms = ?, attempts = attempts + ?, last_error = ?, leased_until_ms = NULL, updated_ms = ?
     WHERE id = ?`,
  );
  const kill = db.prepare<[string, number, number]>(
    `UPDATE outbox SET status = 'dead', attempts = attempts + 1, last_error = ?, leased_until_ms = NULL, updated_ms = ?
     WHERE id = ?`,
  );
  const revive = db.prepare<[number, number, number]>(
    `UPDATE outbox SET status = 'pending', attempts = 0, run_at_ms = ?, updated_ms = ?, leased_until_ms = NULL
     WHERE id = ? AND status = 'dead'`,
  );
  const byId = db.prepare<[number], OutboxRow>('SELECT * FROM outbox WHERE id = ?');
  const list = createFilteredList<OutboxRow>(db, 'SELECT * FROM outbox', 'id DESC');
  const removeForToken = db.prepare<[string]>('DELETE FROM outbox WHERE token_id = ?');
  const releaseLeases = db.prepare(
    `UPDATE outbox SET leased_until_ms = NULL WHERE status = 'pending' AND leased_until_ms IS NOT NULL`,
  );
  const countStatus = db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM outbox WHERE status = ?');

  return {
    enqueue(job: NewJob, nowMs: number): number {
      const lane = job.lane ?? job.tokenId ?? job.kind;
      const result = insert.run(
        job.tokenId ?? null,
        job.kind,
        lane,
        JSON.stringify(job.payload ?? {}),
        job.runAtMs ?? nowMs,
        nowMs,
        nowMs,
      );
      return Number(result.lastInsertRowid);
    },
    get(id: number): OutboxRow | undefined {
      return byId.get(id);
    },
    due(nowMs: number, limit: number): OutboxRow[] {
      return due.all(nowMs, nowMs, limit);
    },
    /** When the next pending job becomes runnable; undefined when there is none. */
    nextRunAt(): number | undefined {
      return nextRunAt.get()?.at ?? undefined;
    },
    /** Takes a job for `leaseMs`; false if another worker holds it. */
    lease(id: number, nowMs: number, leaseMs: number): boolean {
      return lease.run(nowMs + leaseMs, nowMs, id, nowMs).changes === 1;
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
    /** Frees jobs a crashed process had taken, so they run again at once (one server per database). */
    releaseLeases(): number {
      return releaseLeases.run().changes;
    },
    count(status: 'pending' | 'done' | 'dead'): number {
      return countStatus.get(status)?.n ?? 0;
    },
  };
}

export type OutboxStore = ReturnType<typeof createOutboxStore>;
