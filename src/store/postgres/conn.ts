import pg from 'pg';

/** What SQL runs on: a `pg.Pool` (each statement on its own) or the `pg.PoolClient` of one open transaction. */
export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

/**
 * A repo's connection. Most calls are one statement (`query`); the few that must read and then decide in JS
 * (a runner lock's `holderIsDead`) run several statements through `atomic`, which opens a transaction on the
 * pool, or just uses the open one when the repo is bound to a transaction.
 */
export interface PgConn extends Queryable {
  atomic<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  /**
   * One statement planned without sorts (`SET LOCAL enable_sort = off`), for the outbox's ordered walks and lane
   * lookups: see UNSORTED. Outside a transaction it runs in one of its own; inside one, the setting is turned
   * back on after it (`unsortedIn`). Either way in one round trip.
   */
  unsorted<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>>;
}

/**
 * Why some statements are planned with sorts off. The outbox's walks (the next jobs in priority order, each the
 * head of its lane) are cheap when Postgres walks the `outbox_ready` index in order and looks each lane up in
 * `outbox_lane`, stopping after LIMIT rows. The planner picks that only while its statistics know how many jobs
 * are pending: after a burst (3,000 jobs enqueued since autovacuum last analyzed a table of finished ones) it
 * believes one job is pending, collects and sorts every pending job instead and, for each, scans the pending jobs
 * again for its lane: 1.5–2.9 s a claim with 3,000 pending, 0.07–0.12 ms with sorts off, on the same stale
 * statistics (13–31 ms a claim in the three-replica drain, whose statistics were half stale). Sorts off leaves it
 * no cheaper plan than the ordered walk.
 *
 * The enqueue's lane lookups (is the new job its lane's head; which pending jobs of the lane to lift) are planned
 * so too: on stale statistics every pending index looks one row long, and Postgres scanned all of `outbox_due`
 * for the lane instead of `outbox_lane` (12 ms an enqueue with 30,000 pending, 61 ms a settle's two-job batch).
 * Sorts off, `outbox_lane` is the only way to the lane's jobs in id order.
 *
 * A plan with a sort it cannot avoid (a batch's few lanes, locked in order) then costs more than `jit_above_cost`,
 * and Postgres compiled it with LLVM first: 550 ms for a 0.5 ms statement. JIT is off for these statements.
 */
export const UNSORTED = 'SET LOCAL enable_sort = off; SET LOCAL jit = off';
const SORTED = 'SET LOCAL enable_sort TO DEFAULT; SET LOCAL jit TO DEFAULT';

/**
 * A connection checked out of `pool` for `fn`, then released. A checked-out client has no error listener (the pool
 * removes its own), and a connection dropped meanwhile would crash the process: this one records the error, which
 * `onError` may also log; the next query on the client then fails. `fn` calls `broke` when the connection can no
 * longer be trusted (a failed ROLLBACK). Such a client is dropped on release instead of pooled.
 */
export async function withClient<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient, broke: (err: Error) => void) => Promise<T>,
  onError?: (err: Error) => void,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const broke = (err: Error) => {
    broken ??= err;
  };
  const listener = (err: Error) => {
    broke(err);
    onError?.(err);
  };
  client.on('error', listener);
  try {
    return await fn(client, broke);
  } finally {
    client.off('error', listener);
    client.release(broken);
  }
}

/** How a statement is sent: `client.query`, or a named prepared statement (`createPrepared().run`). */
export type Send = <R extends pg.QueryResultRow>(
  client: pg.ClientBase,
  text: string,
  values?: unknown[],
) => Promise<pg.QueryResult<R>>;

const plainSend: Send = (client, text, values) => client.query(text, values);

/**
 * Runs `send`, which hands statements to `client` without waiting for them (the connection is pipelined), and puts
 * what they write on the socket in one write. pg writes each statement on its own, one system call each; on a
 * virtual machine a write that wakes an idle Postgres backend took 0.2–0.7 ms, and a transaction's BEGIN, its
 * first statement, a setting and its reset were four of them. The socket is held only while `send` runs.
 */
export function corked<T>(client: pg.Client, send: () => T): T {
  const socket = client.connection.stream;
  socket.cork();
  try {
    return send();
  } finally {
    socket.uncork();
  }
}

/**
 * Sends `before`, the statement and `after` at once, in one write (see `corked`), and waits for all three. The
 * statement's own error is the one thrown: after it, Postgres refuses what follows in the same transaction.
 */
async function around<R extends pg.QueryResultRow>(
  client: pg.Client,
  before: string[],
  statement: (client: pg.Client) => Promise<pg.QueryResult<R>>,
  after: string[],
): Promise<pg.QueryResult<R>> {
  const [first, result, last] = corked(client, () => {
    const first = before.map((sql) => client.query(sql));
    const result = statement(client);
    return [first, result, after.map((sql) => client.query(sql))] as const;
  });
  const failure = await firstFailure([result, ...first, ...last]);
  if (failure !== undefined) throw failure;
  return result;
}

/** The first of `calls` to fail (in the order given), once all have settled; undefined when none failed. */
export async function firstFailure(calls: Promise<unknown>[]): Promise<unknown> {
  const failed = (await Promise.allSettled(calls)).find((c): c is PromiseRejectedResult => c.status === 'rejected');
  return failed?.reason;
}

/** Runs `text` on a client of `pool` between BEGIN, UNSORTED and COMMIT, all sent in one write. */
export function queryUnsorted<R extends pg.QueryResultRow>(
  pool: pg.Pool,
  text: string,
  values?: unknown[],
  send: Send = plainSend,
): Promise<pg.QueryResult<R>> {
  return withClient(pool, async (client, broke) => {
    try {
      // After a failed statement Postgres answers the COMMIT with a rollback: the connection is idle again.
      return await around(client, ['BEGIN', UNSORTED], (c) => send<R>(c, text, values), ['COMMIT']);
    } catch (err) {
      // Postgres refusing the statement leaves the connection usable; anything else (it failed mid-way) drops it.
      if (!(err instanceof pg.DatabaseError)) broke(err as Error);
      throw err;
    }
  });
}

/**
 * Runs `text` planned without sorts inside the transaction open on `client`: UNSORTED before it and the setting
 * back on after it, sent with it, so the rest of the transaction is planned as usual.
 */
export function unsortedIn<R extends pg.QueryResultRow>(
  client: pg.Client,
  text: string,
  values?: unknown[],
  send: Send = plainSend,
): Promise<pg.QueryResult<R>> {
  return around(client, [UNSORTED], (c) => send<R>(c, text, values), [SORTED]);
}

const INT8 = 20;
const NUMERIC = 1700;

/**
 * BIGINT (ms timestamps, identities, `count(*)`) and NUMERIC (`sum`) come back as JS numbers, as SQLite
 * returns them: every value rodizio stores there is far below 2^53. Scoped to rodizio's pools so pg's global
 * parsers, which other code in the process may rely on, stay as they are.
 */
export const typeParsers: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    (format ?? 'text') === 'text' && (oid === INT8 || oid === NUMERIC)
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

/** The first row, or undefined. */
export async function one<R extends pg.QueryResultRow>(
  q: Queryable,
  text: string,
  values: unknown[] = [],
): Promise<R | undefined> {
  return (await q.query<R>(text, values)).rows[0];
}

/** Every row. */
export async function all<R extends pg.QueryResultRow>(
  q: Queryable,
  text: string,
  values: unknown[] = [],
): Promise<R[]> {
  return (await q.query<R>(text, values)).rows;
}

/** How many rows an INSERT/UPDATE/DELETE touched (SQLite's `.changes`). */
export async function changes(q: Queryable, text: string, values: unknown[] = []): Promise<number> {
  return (await q.query(text, values)).rowCount ?? 0;
}

/**
 * A `SELECT … WHERE <filters> ORDER BY … LIMIT` with optional filters: those whose value is undefined or empty
 * are left out (as the SQLite engine's filtered-list does). Only fixed fragments go into the text, each
 * containing `?` once; every value is a numbered parameter.
 */
export function filteredQuery(
  select: string,
  filters: [condition: string, value: string | number | undefined][],
  orderBy: string,
  limit: number,
): { text: string; values: unknown[] } {
  const active = filters.filter((f): f is [string, string | number] => f[1] !== undefined && f[1] !== '');
  const values: unknown[] = active.map(([, value]) => value);
  const where = active.map(([condition], i) => condition.replace('?', `$${i + 1}`)).join(' AND ');
  values.push(limit);
  return {
    text: `${select}${where ? ` WHERE ${where}` : ''} ORDER BY ${orderBy} LIMIT $${values.length}`,
    values,
  };
}

/**
 * Named prepared statements: each distinct SQL text is parsed and planned once per connection, not on every
 * call (the statements are fixed texts, and the few built from filters come from a small set). After a
 * migration changes a table under a running process, Postgres refuses a prepared `SELECT *` whose columns
 * changed ("cached plan must not change result type"); `Prepared` then stops naming statements for the rest of
 * the process's life and the caller runs the statement again.
 */
export function createPrepared() {
  const names = new Map<string, string>();
  let enabled = true;
  return {
    run<R extends pg.QueryResultRow>(on: Queryable | pg.Pool | pg.PoolClient, text: string, values?: unknown[]) {
      if (!enabled || text.startsWith(PLANNED_PER_CALL)) return (on as Queryable).query<R>(text, values);
      let name = names.get(text);
      if (name === undefined) {
        name = `rodizio_${names.size + 1}`;
        names.set(text, name);
      }
      return (on as pg.Pool).query<R>({ name, text, values });
    },
    /** True (and naming is off from now on) when `err` is Postgres refusing a stale prepared plan. */
    stale(err: unknown): boolean {
      if ((err as { code?: unknown } | null)?.code !== STALE_PLAN) return false;
      enabled = false;
      return true;
    },
  };
}

/**
 * Starts a statement that is planned on every call, with its parameters' values, instead of prepared once. After
 * five runs Postgres may switch a prepared statement to a generic plan, made without the values; for the outbox
 * claim that plan sorted every pending job (7.7 ms with 3,000) where a plan for the values walks the ready index
 * and stops after LIMIT rows (0.3 ms planning + 0.4 ms). `createPrepared` leaves such texts unnamed.
 */
export const PLANNED_PER_CALL = '/* planned per call */';

/** feature_not_supported: "cached plan must not change result type". */
const STALE_PLAN = '0A000';

/** Serialization failures and deadlocks: Postgres rolled the transaction back and it can simply run again. */
export function isRetryable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '40001' || code === '40P01';
}

/**
 * Transaction-scoped advisory lock keys. Single-key locks and two-key locks live in separate key spaces, so
 * the lane locks (`LANE_LOCK_CLASS`, hash of the lane) cannot collide with the others.
 */
export const MIGRATION_LOCK = 72_010_001;
export const EVENT_APPEND_LOCK = 72_010_002;
export const LANE_LOCK_CLASS = 72_010_003;
