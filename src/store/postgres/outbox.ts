import { jobValues, type NewJob, type OutboxRow, type OutboxStore, type ReadyFilter } from '../outbox.js';
import { all, changes, filteredQuery, LANE_LOCK_CLASS, one, type PgConn, PLANNED_PER_CALL } from './conn.js';
import { CHANNEL } from './notify.js';

/**
 * Enqueues `n` jobs in one statement, their columns in jobValues' order, ten parameters a job, then the store's
 * origin. Jobs of a lane run in id order, and readers take the lowest pending id as the lane's head. An identity
 * is handed out at INSERT but seen at COMMIT, so two transactions enqueueing on one lane could otherwise commit
 * id 11 before id 10, and 11 would run first: each distinct lane is first locked with a transaction-scoped
 * advisory lock (in lane order, so two batches cannot deadlock on each other; in the same statement, so also
 * outside a transaction), and a lane's enqueues commit in id order. A priority-0 job lifts the pending jobs of its
 * lane too. The jobs go in in the order given.
 *
 * `lane_head`: no pending job of the lane is before it. It is read with the statement's snapshot, which does not
 * hold the batch's own rows, so of several jobs in one lane only the first counts.
 *
 * Both lane lookups (`behind`, the jobs to lift; `lane_head`) ask for the lane's pending jobs in id order, and run
 * with sorts off (`db.unsorted`): only `outbox_lane` answers them then, whatever the statistics say (UNSORTED in
 * conn.ts). The lifted rows are locked first and updated by id, so the update too goes through that index.
 *
 * The statement also tells the other processes (NOTIFY, sent when the transaction commits) which gates its jobs
 * wait on and which went in behind another job of their lane, once per kind: the payload of signalPayload's
 * `outbox`. Sent from here, the jobs' signals need no round trip back to this process before the COMMIT, so an
 * answer's jobs can go out with it (TransactionBody's `atCommit`). A VALUES list (not unnest over arrays) keeps
 * the statement prepared once: Postgres planned the array form again on every call (0.3 ms).
 */
function enqueueManySql(n: number): string {
  const rows = Array.from(
    { length: n },
    (_, i) => `(${JOB_TYPES.map((type, c) => `$${i * JOB_TYPES.length + c + 1}::${type}`).join(', ')}, ${i})`,
  );
  const origin = `$${n * JOB_TYPES.length + 1}::text`;
  return `
  WITH jobs (token_id, kind, lane, payload, run_at_ms, created_ms, updated_ms, gate, priority, host, n) AS (
    VALUES ${rows.join(', ')}),
  locked AS (
    SELECT count(pg_advisory_xact_lock(${LANE_LOCK_CLASS}, hashtext(l.lane))) AS lanes
    FROM (SELECT DISTINCT lane FROM jobs ORDER BY lane) AS l),
  behind AS (
    SELECT p.id FROM outbox p
    WHERE p.lane = ANY(ARRAY(SELECT lane FROM jobs WHERE priority = 0)) AND p.status = 'pending' AND p.priority > 0
      AND EXISTS (SELECT 1 FROM locked)
    ORDER BY p.lane, p.id FOR UPDATE),
  lifted AS (UPDATE outbox SET priority = 0 WHERE id = ANY(ARRAY(SELECT id FROM behind))),
  inserted AS (
    INSERT INTO outbox (token_id, kind, lane, payload, run_at_ms, created_ms, updated_ms, gate, priority, host)
    SELECT token_id, kind, lane, payload, run_at_ms, created_ms, updated_ms, gate, priority, host
    FROM jobs CROSS JOIN locked ORDER BY n
    RETURNING id, lane, gate),
  heads AS (
    SELECT id, gate, id = min(id) OVER (PARTITION BY lane) AND coalesce((
      SELECT p.id FROM outbox p WHERE p.lane = inserted.lane AND p.status = 'pending' ORDER BY p.id LIMIT 1
    ) > inserted.id, true) AS lane_head
    FROM inserted),
  notified AS (
    SELECT pg_notify('${CHANNEL}', json_strip_nulls(json_build_object(
      'kind', 'outbox', 'gate', k.gate, 'behind', CASE WHEN k.lane_head THEN NULL ELSE true END, 'origin', ${origin}
    ))::text)
    FROM (SELECT DISTINCT gate, lane_head FROM heads) AS k)
  SELECT id, lane_head FROM heads CROSS JOIN (SELECT count(*) FROM notified) AS sent ORDER BY id`;
}

const JOB_TYPES = ['text', 'text', 'text', 'text', 'bigint', 'bigint', 'bigint', 'text', 'integer', 'text'];

/** One job: the common case (enqueueManySql's statement for one). */
const ENQUEUE = enqueueManySql(1);

/**
 * A lane head behind no closed gate ($gates), of a kind with free slots ($kinds), for this replica's host
 * ($host; NULL, a process that declares no host, matches only jobs bound to no host): the same condition as the
 * SQLite engine's, with the JSON arrays as text[] parameters. Only lane heads count: a job queued behind a
 * deferred or leased head is not runnable however old it is, so replicas keep a lane's order between them.
 */
const runnable = (gates: string, kinds: string, host: string) => `o.status = 'pending'
  AND (o.gate IS NULL OR NOT (o.gate = ANY(${gates}::text[])))
  AND NOT (o.kind = ANY(${kinds}::text[]))
  AND (o.host IS NULL OR o.host = ${host}::text)
  AND o.id = (SELECT p.id FROM outbox p WHERE p.lane = o.lane AND p.status = 'pending' ORDER BY p.id LIMIT 1)`;

/** Due at $now: its time has come, no live lease holds it, and its gate in the shared `gates` table is open. */
const due = (now: string) => `o.run_at_ms <= ${now}::bigint
  AND (o.leased_until_ms IS NULL OR o.leased_until_ms <= ${now}::bigint)
  AND NOT EXISTS (SELECT 1 FROM gates g WHERE g.name = o.gate AND g.open_at_ms > ${now}::bigint)`;

const READY = `${PLANNED_PER_CALL}
  SELECT o.* FROM outbox o WHERE ${due('$1')} AND ${runnable('$2', '$3', '$5')}
  ORDER BY o.priority, o.run_at_ms, o.id LIMIT $4`;

/**
 * A job becomes runnable when its time comes, its lease expires and its gate opens, whichever is last. Planned per
 * call: a generic plan made while the outbox was nearly empty compared every pending job with every other one
 * for the lane test (150–600 ms with 3,000 pending) instead of looking each lane up in its index.
 */
const NEXT_RUN_AT = `${PLANNED_PER_CALL}
  SELECT min(greatest(o.run_at_ms, coalesce(o.leased_until_ms, 0),
    coalesce((SELECT g.open_at_ms FROM gates g WHERE g.name = o.gate), 0))) AS at
  FROM outbox o WHERE ${runnable('$1', '$2', '$3')}`;

/**
 * READY's pick, locked with SKIP LOCKED and leased in the same statement: replicas claiming at once each take
 * rows the others have not locked. The pick is a CTE, which Postgres runs exactly once (a LIMIT inside `IN (…)`
 * may be re-run by some plans and lease more than LIMIT rows). A row another claim leased and committed after
 * this statement's snapshot is re-checked when locked (READ COMMITTED) and dropped, its lease being live. The
 * leased rows are found by primary key (`= ANY(ARRAY(…))`; a join with the CTE hashed it against a scan of the
 * whole table). Planned per call: a generic plan sorts every pending job before taking LIMIT (PLANNED_PER_CALL).
 */
const CLAIM = `${PLANNED_PER_CALL}
  WITH picked AS (
    SELECT o.id FROM outbox o WHERE ${due('$1')} AND ${runnable('$2', '$3', '$5')}
    ORDER BY o.priority, o.run_at_ms, o.id LIMIT $4
    FOR UPDATE OF o SKIP LOCKED)
  UPDATE outbox SET leased_until_ms = $1::bigint + $7::bigint, lease_owner = $6::text, updated_ms = $1::bigint
  WHERE outbox.id = ANY(ARRAY(SELECT id FROM picked))
  RETURNING outbox.*`;

/** The outbox's ordered walks and lane lookups, planned without sorts (UNSORTED in conn.ts); for the plan test. */
export const OUTBOX_WALKS = { READY, NEXT_RUN_AT, CLAIM };
export const OUTBOX_ENQUEUES = { ENQUEUE, enqueueManySql };

const byUrgency = (a: OutboxRow, b: OutboxRow) => a.priority - b.priority || a.run_at_ms - b.run_at_ms || a.id - b.id;

const NO_FILTER: ReadyFilter = { closedGates: [], fullKinds: [] };

/**
 * SQL for the outbox on Postgres; the same statements and contract as src/store/sqlite/outbox.ts. `origin` names
 * the store in the NOTIFYs its enqueues send.
 */
export function createOutboxStore(db: PgConn, origin: string): OutboxStore {
  /** Statement texts by batch size (a settle plans two or three jobs; each size is prepared once per connection). */
  const manySql = new Map<number, string>([[1, ENQUEUE]]);

  async function enqueueMany(jobs: readonly NewJob[], nowMs: number): Promise<{ id: number; laneHead: boolean }[]> {
    if (jobs.length === 0) return [];
    let sql = manySql.get(jobs.length);
    if (sql === undefined) {
      sql = enqueueManySql(jobs.length);
      manySql.set(jobs.length, sql);
    }
    const values = [...jobs.flatMap((job) => jobValues(job, nowMs)), origin];
    const { rows } = await db.unsorted<{ id: number; lane_head: boolean }>(sql, values);
    if (rows.length !== jobs.length) throw new Error(`enqueued ${rows.length} of ${jobs.length} jobs`);
    return rows.map((row) => ({ id: row.id, laneHead: row.lane_head }));
  }

  async function enqueueInLane(job: NewJob, nowMs: number): Promise<{ id: number; laneHead: boolean }> {
    const [enqueued] = await enqueueMany([job], nowMs);
    if (!enqueued) throw new Error('the enqueue returned no row');
    return enqueued;
  }

  return {
    enqueueInLane,
    enqueueMany,
    async enqueue(job: NewJob, nowMs: number): Promise<number> {
      return (await enqueueInLane(job, nowMs)).id;
    },
    async get(id: number): Promise<OutboxRow | undefined> {
      return one<OutboxRow>(db, 'SELECT * FROM outbox WHERE id = $1', [id]);
    },
    /**
     * A plain read, as on SQLite: several replicas may see the same job here. `lease` is what makes taking one
     * exclusive.
     */
    async ready(nowMs: number, limit: number, filter: ReadyFilter = NO_FILTER): Promise<OutboxRow[]> {
      const values = [nowMs, filter.closedGates, filter.fullKinds, limit, filter.host ?? null];
      return (await db.unsorted<OutboxRow>(READY, values)).rows;
    },
    async nextRunAt(filter: ReadyFilter = NO_FILTER): Promise<number | undefined> {
      const values = [filter.closedGates, filter.fullKinds, filter.host ?? null];
      const row = (await db.unsorted<{ at: number | null }>(NEXT_RUN_AT, values)).rows[0];
      return row?.at ?? undefined;
    },
    /** One statement (see CLAIM), planned without sorts (UNSORTED); the rows come back in READY's order. */
    async claim(nowMs: number, limit: number, filter: ReadyFilter, owner: string, leaseMs: number) {
      const values = [nowMs, filter.closedGates, filter.fullKinds, limit, filter.host ?? null, owner, leaseMs];
      return (await db.unsorted<OutboxRow>(CLAIM, values)).rows.sort(byUrgency);
    },
    /** One statement however many (planned per call, as completeMany: the rows are found by primary key). */
    async release(ids: readonly number[], owner: string): Promise<void> {
      if (ids.length === 0) return;
      await db.query(
        `${PLANNED_PER_CALL} UPDATE outbox SET leased_until_ms = NULL, lease_owner = NULL
         WHERE id = ANY($1::bigint[]) AND lease_owner = $2 AND status = 'pending'`,
        [ids, owner],
      );
    },
    /** Compare-and-set: a concurrent lease of the same job waits on the row lock, re-checks, and finds it held. */
    async lease(id: number, owner: string, nowMs: number, leaseMs: number): Promise<boolean> {
      const sql = `UPDATE outbox SET leased_until_ms = $1, lease_owner = $2, updated_ms = $3
        WHERE id = $4 AND status = 'pending' AND (leased_until_ms IS NULL OR leased_until_ms <= $3)`;
      return (await changes(db, sql, [nowMs + leaseMs, owner, nowMs, id])) === 1;
    },
    async renewLeases(owner: string, untilMs: number): Promise<number> {
      const sql = `UPDATE outbox SET leased_until_ms = $1
        WHERE lease_owner = $2 AND status = 'pending' AND leased_until_ms IS NOT NULL`;
      return changes(db, sql, [untilMs, owner]);
    },
    async complete(id: number, nowMs: number): Promise<void> {
      await db.query(
        `UPDATE outbox SET status = 'done', attempts = attempts + 1, leased_until_ms = NULL, lease_owner = NULL,
           updated_ms = $1, last_error = NULL WHERE id = $2`,
        [nowMs, id],
      );
    },
    /** Planned per call: with the array's length known, the rows are found by primary key. */
    async completeMany(ids: readonly number[], nowMs: number): Promise<void> {
      await db.query(
        `${PLANNED_PER_CALL} UPDATE outbox SET status = 'done', attempts = attempts + 1, leased_until_ms = NULL,
           lease_owner = NULL, updated_ms = $1, last_error = NULL WHERE id = ANY($2::bigint[])`,
        [nowMs, ids],
      );
    },
    async reschedule(id: number, runAtMs: number, error: string | null, nowMs: number, countAttempt: boolean) {
      await db.query(
        `UPDATE outbox SET run_at_ms = $1, attempts = attempts + $2, last_error = $3, leased_until_ms = NULL,
           lease_owner = NULL, updated_ms = $4 WHERE id = $5`,
        [runAtMs, countAttempt ? 1 : 0, error, nowMs, id],
      );
    },
    async kill(id: number, error: string, nowMs: number): Promise<void> {
      await db.query(
        `UPDATE outbox SET status = 'dead', attempts = attempts + 1, last_error = $1, leased_until_ms = NULL,
           lease_owner = NULL, updated_ms = $2 WHERE id = $3`,
        [error, nowMs, id],
      );
    },
    async revive(id: number, nowMs: number): Promise<boolean> {
      const sql = `UPDATE outbox SET status = 'pending', attempts = 0, run_at_ms = $1, updated_ms = $1,
        leased_until_ms = NULL WHERE id = $2 AND status = 'dead'`;
      return (await changes(db, sql, [nowMs, id])) === 1;
    },
    async list(filter: { status?: string; kind?: string; tokenId?: string; limit: number }): Promise<OutboxRow[]> {
      // ILIKE: SQLite's LIKE, which the other engine uses for this prefix match, ignores ASCII case.
      const { text, values } = filteredQuery(
        'SELECT * FROM outbox',
        [
          ['status = ?', filter.status],
          ['kind ILIKE ?', filter.kind === undefined ? undefined : `${filter.kind}%`],
          ['token_id = ?', filter.tokenId],
        ],
        'id DESC',
        filter.limit,
      );
      return all<OutboxRow>(db, text, values);
    },
    async removeForToken(tokenId: string): Promise<void> {
      await db.query('DELETE FROM outbox WHERE token_id = $1', [tokenId]);
    },
    async releaseLeasesNotOwnedBy(owner: string): Promise<number> {
      const sql = `UPDATE outbox SET leased_until_ms = NULL, lease_owner = NULL
        WHERE status = 'pending' AND leased_until_ms IS NOT NULL AND (lease_owner IS NULL OR lease_owner <> $1)`;
      return changes(db, sql, [owner]);
    },
    async count(status: 'pending' | 'done' | 'dead'): Promise<number> {
      return (await one<{ n: number }>(db, 'SELECT count(*) AS n FROM outbox WHERE status = $1', [status]))?.n ?? 0;
    },
  };
}
