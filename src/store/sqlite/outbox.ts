import { jobValues, laneOf, type NewJob, type OutboxRow, type OutboxStore, type ReadyFilter } from '../outbox.js';
import { type Db, writeTransaction } from './database.js';
import { createFilteredList } from './filtered-list.js';

const NO_FILTER: ReadyFilter = { closedGates: [], fullKinds: [] };

function filterParams(filter: ReadyFilter): { gates: string; kinds: string; host: string | null } {
  return {
    gates: JSON.stringify(filter.closedGates),
    kinds: JSON.stringify(filter.fullKinds),
    host: filter.host ?? null,
  };
}

/** SQL for the outbox: side effects recorded in the same transaction as the state change that causes them. */
export function createOutboxStore(db: Db): OutboxStore {
  const insert = db.prepare<
    [string | null, string, string, string, number, number, number, string | null, number, string | null]
  >(
    `INSERT INTO outbox (token_id, kind, lane, payload, run_at_ms, created_ms, updated_ms, gate, priority, host)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const ahead = db.prepare<[string, number]>(
    `SELECT 1 FROM outbox WHERE lane = ? AND status = 'pending' AND id < ? LIMIT 1`,
  );
  const lift = db.prepare<[string]>(
    `UPDATE outbox SET priority = 0 WHERE lane = ? AND status = 'pending' AND priority > 0`,
  );
  // A lane head behind no closed gate, of a kind with free slots, for this replica's host (or for any host).
  // Gates and kinds come as JSON arrays so one prepared statement serves every call. Only lane heads count: a
  // job queued behind a deferred or leased head is not runnable however old it is. `$host` NULL (a process
  // that declares no host) matches only jobs bound to no host.
  const runnable = `o.status = 'pending'
      AND (o.gate IS NULL OR o.gate NOT IN (SELECT value FROM json_each($gates)))
      AND o.kind NOT IN (SELECT value FROM json_each($kinds))
      AND (o.host IS NULL OR o.host = $host)
      AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.lane = o.lane AND p.status = 'pending' AND p.id < o.id)`;
  // Due now: its time has come, no live lease holds it, and its gate in the shared `gates` table is open.
  const due = `o.run_at_ms <= $now AND (o.leased_until_ms IS NULL OR o.leased_until_ms <= $now)
      AND NOT EXISTS (SELECT 1 FROM gates g WHERE g.name = o.gate AND g.open_at_ms > $now)`;
  type Params = { now: number; gates: string; kinds: string; host: string | null; limit: number };
  const ready = db.prepare<[Params], OutboxRow>(`
    SELECT o.* FROM outbox o WHERE ${due} AND ${runnable}
    ORDER BY o.priority, o.run_at_ms, o.id LIMIT $limit`);
  // A job becomes runnable when its time comes, its lease expires and its gate opens, whichever is last.
  const nextRunAt = db.prepare<[Omit<Params, 'now' | 'limit'>], { at: number | null }>(`
    SELECT min(max(o.run_at_ms, coalesce(o.leased_until_ms, 0),
      coalesce((SELECT g.open_at_ms FROM gates g WHERE g.name = o.gate), 0))) AS at
    FROM outbox o WHERE ${runnable}`);
  const lease = db.prepare<[number, string, number, number, number]>(
    `UPDATE outbox SET leased_until_ms = ?, lease_owner = ?, updated_ms = ?
     WHERE id = ? AND status = 'pending' AND (leased_until_ms IS NULL OR leased_until_ms <= ?)`,
  );
  const release = db.prepare<[number, string]>(
    `UPDATE outbox SET leased_until_ms = NULL, lease_owner = NULL WHERE id = ? AND lease_owner = ? AND status = 'pending'`,
  );
  // Select and lease under one write lock: no other process can take the same jobs in between.
  const claim = writeTransaction(db, (p: Params, owner: string, leaseMs: number): OutboxRow[] => {
    const rows = ready.all(p);
    for (const row of rows) {
      lease.run(p.now + leaseMs, owner, p.now, row.id, p.now);
      row.leased_until_ms = p.now + leaseMs;
      row.lease_owner = owner;
      row.updated_ms = p.now;
    }
    return rows;
  });
  const renew = db.prepare<[number, string]>(
    `UPDATE outbox SET leased_until_ms = ? WHERE lease_owner = ? AND status = 'pending' AND leased_until_ms IS NOT NULL`,
  );
  const complete = db.prepare<[number, number]>(
    `UPDATE outbox SET status = 'done', attempts = attempts + 1, leased_until_ms = NULL, lease_owner = NULL, updated_ms = ?,
       last_error = NULL WHERE id = ?`,
  );
  /** One transaction for the lot: one commit instead of one per job. */
  const completeAll = db.transaction((ids: readonly number[], nowMs: number) => {
    for (const id of ids) complete.run(nowMs, id);
  });
  const releaseAll = db.transaction((ids: readonly number[], owner: string) => {
    for (const id of ids) release.run(id, owner);
  });
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

  async function enqueueInLane(job: NewJob, nowMs: number): Promise<{ id: number; laneHead: boolean }> {
    const lane = laneOf(job);
    if (job.priority === 0) lift.run(lane);
    const id = Number(insert.run(...jobValues(job, nowMs)).lastInsertRowid);
    return { id, laneHead: ahead.get(lane, id) === undefined };
  }

  return {
    enqueueInLane,
    async enqueueMany(jobs: readonly NewJob[], nowMs: number): Promise<{ id: number; laneHead: boolean }[]> {
      const out: { id: number; laneHead: boolean }[] = [];
      for (const job of jobs) out.push(await enqueueInLane(job, nowMs));
      return out;
    },
    async enqueue(job: NewJob, nowMs: number): Promise<number> {
      return (await enqueueInLane(job, nowMs)).id;
    },
    async get(id: number): Promise<OutboxRow | undefined> {
      return byId.get(id);
    },
    /** Jobs that can run now, most urgent first (see ReadyFilter). */
    async ready(nowMs: number, limit: number, filter: ReadyFilter = NO_FILTER): Promise<OutboxRow[]> {
      return ready.all({ now: nowMs, limit, ...filterParams(filter) });
    },
    /** When the next job outside the filter becomes runnable; undefined when there is none. */
    async nextRunAt(filter: ReadyFilter = NO_FILTER): Promise<number | undefined> {
      return nextRunAt.get(filterParams(filter))?.at ?? undefined;
    },
    /** `ready` and a lease of each job it returns, in one immediate transaction. */
    async claim(nowMs: number, limit: number, filter: ReadyFilter, owner: string, leaseMs: number) {
      return claim({ now: nowMs, limit, ...filterParams(filter) }, owner, leaseMs);
    },
    async release(ids: readonly number[], owner: string): Promise<void> {
      if (ids.length > 0) releaseAll(ids, owner);
    },
    /** Takes a job for `leaseMs` on behalf of `owner`; false if a live lease holds it. */
    async lease(id: number, owner: string, nowMs: number, leaseMs: number): Promise<boolean> {
      return lease.run(nowMs + leaseMs, owner, nowMs, id, nowMs).changes === 1;
    },
    /** Extends every lease `owner` holds (its jobs are still running) to `untilMs`. */
    async renewLeases(owner: string, untilMs: number): Promise<number> {
      return renew.run(untilMs, owner).changes;
    },
    async complete(id: number, nowMs: number): Promise<void> {
      complete.run(nowMs, id);
    },
    async completeMany(ids: readonly number[], nowMs: number): Promise<void> {
      completeAll(ids, nowMs);
    },
    /** Runs the job again at `runAtMs`; `countAttempt` is false for waits that are not failures (429, pacing). */
    async reschedule(
      id: number,
      runAtMs: number,
      error: string | null,
      nowMs: number,
      countAttempt: boolean,
    ): Promise<void> {
      reschedule.run(runAtMs, countAttempt ? 1 : 0, error, nowMs, id);
    },
    async kill(id: number, error: string, nowMs: number): Promise<void> {
      kill.run(error, nowMs, id);
    },
    async revive(id: number, nowMs: number): Promise<boolean> {
      return revive.run(nowMs, nowMs, id).changes === 1;
    },
    /** Jobs for the operator's view, newest first. */
    async list(filter: { status?: string; kind?: string; tokenId?: string; limit: number }): Promise<OutboxRow[]> {
      return list(
        [
          ['status = ?', filter.status],
          ['kind LIKE ?', filter.kind === undefined ? undefined : `${filter.kind}%`],
          ['token_id = ?', filter.tokenId],
        ],
        filter.limit,
      );
    },
    async removeForToken(tokenId: string): Promise<void> {
      removeForToken.run(tokenId);
    },
    /**
     * Frees the leases of every owner but `owner`. Only for the holder of the outbox's runner lock, which has
     * just taken the lock over from a dead or stale process: nobody else can be running these jobs.
     */
    async releaseLeasesNotOwnedBy(owner: string): Promise<number> {
      return releaseOthers.run(owner).changes;
    },
    async count(status: 'pending' | 'done' | 'dead'): Promise<number> {
      return countStatus.get(status)?.n ?? 0;
    },
  };
}
