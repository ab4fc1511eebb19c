import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { SchemaTooNewError } from '../../../src/errors.js';
import { createPurgatory, type Purgatory } from '../../../src/purgatory.js';
import { createPrepared, PLANNED_PER_CALL, UNSORTED, unsortedIn } from '../../../src/store/postgres/conn.js';
import { MAX_REENTRY_PAYLOAD } from '../../../src/store/postgres/notify.js';
import { OUTBOX_ENQUEUES, OUTBOX_WALKS } from '../../../src/store/postgres/outbox.js';
import { openPostgresStore } from '../../../src/store/postgres/store.js';
import type { ExternalChange, Store } from '../../../src/store/store.js';
import { createReentryWaiters } from '../../../src/waiters.js';
import { PYTHON_TOKEN } from '../../helpers/bridge.js';
import { afterTest } from '../../helpers/cleanup.js';
import { createTestDatabase } from '../../helpers/postgres.js';
import { answer, SCHEMA_VERSION, tokenRow, usePostgres } from './harness.js';

describe('postgres only', () => {
  const pgdb = usePostgres();
  const open = pgdb.open;
  it('migrates once when several replicas start together, and hides the password in location', async () => {
    const empty = await createTestDatabase();
    afterTest(empty.drop);
    const url = new URL(empty.url);
    url.password = 'hunter2';
    const opened = await Promise.all([open(url.toString()), open(empty.url), open(empty.url), open(empty.url)]);
    for (const store of opened)
      expect(await store.schemaVersion()).toEqual({ current: SCHEMA_VERSION, known: SCHEMA_VERSION });
    expect(opened[0]?.location).not.toContain('hunter2');
  });

  it('tells another store what a transaction signalled, once it commits, and not the store itself', async () => {
    const [a, b] = [await open(), await open()];
    const heardByA: ExternalChange[] = [];
    const heardByB: ExternalChange[] = [];
    a.onExternalChange((c) => heardByA.push(c));
    b.onExternalChange((c) => heardByB.push(c));
    await b.tokens.insert(tokenRow('t1'));
    await expect(
      b.transaction(async (_tx, signal) => {
        signal({ kind: 'outbox' });
        throw new Error('rolled back: nothing is sent');
      }),
    ).rejects.toThrow();
    // The listener connects in the background: signal until it hears one (or give up after 5 s).
    for (let i = 0; i < 50 && !heardByA.some((c) => c.kind === 'settled'); i++) {
      await b.transaction(async (tx, signal) => {
        await tx.tokens.settle(answer('t1'));
        signal({ kind: 'settled', tokenId: 't1' });
        signal({ kind: 'settled', tokenId: 't1' });
      });
      await sleep(100);
    }
    expect(heardByA).toContainEqual({ kind: 'settled', tokenId: 't1' });
    expect(heardByA).not.toContainEqual({ kind: 'outbox' });
    expect(heardByB).toEqual([]);
  });

  it('tells another store what a commit enqueued: each gate once, and which jobs went in behind their lane', async () => {
    const [a, b] = [await open(), await open()];
    const heard: ExternalChange[] = [];
    a.onExternalChange((c) => heard.push(c));
    const outbox = () => heard.filter((c) => c.kind === 'outbox');
    // The listener connects in the background: enqueue until it hears one (or give up after 5 s).
    for (let i = 0; i < 50 && outbox().length === 0; i++) {
      await b.transaction((tx) =>
        tx.outbox.enqueueMany([{ kind: 'card', lane: `first-${i}`, gate: 'slack.post:C1' }], 1),
      );
      await sleep(100);
    }
    expect(outbox()).toContainEqual({ kind: 'outbox', gate: 'slack.post:C1' });
    heard.length = 0;
    // One commit: two jobs in a lane that has a pending job (both behind), one alone (its head), two gates.
    await b.transaction(async (tx, _signal, atCommit) => {
      atCommit(
        tx.outbox.enqueueMany(
          [
            { kind: 'update', lane: 'first-0', gate: 'slack.update', priority: 0 },
            { kind: 'reply', lane: 'first-0', gate: 'slack.post:C1' },
            { kind: 'hook', lane: 'alone' },
          ],
          1,
        ),
      );
    });
    // A rolled-back enqueue tells no one.
    await expect(
      b.transaction(async (tx) => {
        await tx.outbox.enqueue({ kind: 'never', lane: 'gone', gate: 'never' }, 1);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    await b.transaction((tx) => tx.outbox.enqueue({ kind: 'marker', lane: 'marker', gate: 'marker' }, 1));
    for (let i = 0; i < 50 && !outbox().some((c) => 'gate' in c && c.gate === 'marker'); i++) await sleep(100);
    expect(new Set(outbox().map((c) => JSON.stringify(c)))).toEqual(
      new Set(
        [
          { kind: 'outbox', gate: 'slack.update', behind: true },
          { kind: 'outbox', gate: 'slack.post:C1', behind: true },
          { kind: 'outbox' },
          { kind: 'outbox', gate: 'marker' },
        ].map((c) => JSON.stringify(c)),
      ),
    );
  });

  it('lets exactly one of several concurrent settles win across two stores, and one lease of a job', async () => {
    // Not in the shared suite: two SQLite stores in one process block each other's event loop on the write lock.
    const [a, b] = [await open(), await open()];
    await a.tokens.insert(tokenRow('t1'));
    const settles = Array.from({ length: 8 }, (_, i) =>
      (i % 2 ? b : a).transaction((tx) => tx.tokens.settle({ ...answer('t1'), by: `U${i}` })),
    );
    expect((await Promise.all(settles)).filter((r) => r !== undefined)).toHaveLength(1);
    const job = await a.outbox.enqueue({ kind: 'post', tokenId: 't1' }, 100);
    const leases = Array.from({ length: 8 }, (_, i) => (i % 2 ? b : a).outbox.lease(job, `w${i}`, 200, 1000));
    expect((await Promise.all(leases)).filter(Boolean)).toHaveLength(1);
  });

  it('refuses a database migrated by a newer build, and says clearly when it cannot connect', async () => {
    const admin = new pg.Client({ connectionString: pgdb.url() });
    await (await openPostgresStore(pgdb.url())).close();
    await admin.connect();
    await admin.query(`INSERT INTO schema_migrations (version, name) VALUES (99, '099_future')`);
    await admin.end();
    await expect(openPostgresStore(pgdb.url())).rejects.toThrow(SchemaTooNewError);
    await expect(openPostgresStore(pgdb.url())).rejects.toThrow(
      new RegExp(`schema version 99, but this rodizio only knows up to ${SCHEMA_VERSION}\\b`),
    );
    const unreachable = openPostgresStore('postgres://postgres:hunter2@localhost:1/nowhere');
    await expect(unreachable).rejects.toMatchObject({ code: 'database_unreachable' });
    await expect(unreachable).rejects.toThrow(
      /^cannot connect to Postgres at postgres:\/\/postgres@localhost:1\/nowhere: \S/,
    );
  });

  it('hears again after its LISTEN connection drops, and reports that something may have been missed', async () => {
    const [a, b] = [await open(), await open()];
    const heard: ExternalChange[] = [];
    a.onExternalChange((c) => heard.push(c));
    const admin = new pg.Client({ connectionString: pgdb.url() });
    await admin.connect();
    const kill = `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity
      WHERE datname = current_database() AND application_name = 'rodizio-listen' AND query = 'LISTEN rodizio'`;
    try {
      let killed = 0;
      for (let i = 0; i < 50 && !killed; i++, await sleep(100)) killed = (await admin.query(kill)).rowCount ?? 0;
      expect(killed).toBe(1);
      // Only what is heard from here on counts: a first connect that failed under load reports `unknown` too.
      const from = heard.length;
      const since = () => heard.slice(from);
      for (let i = 0; i < 100 && !since().some((c) => c.kind === 'unknown'); i++) await sleep(100);
      expect(since()).toContainEqual({ kind: 'unknown' });
      // Heard again: another store's commit reaches it. One sent while it was still reconnecting would be lost (and
      // reported as `unknown` once it listens), so the other store commits again until one is heard.
      for (let i = 0; i < 50 && !since().some((c) => c.kind === 'event'); i++) {
        await b.transaction(async (_tx, signal) => signal({ kind: 'event' }));
        await sleep(100);
      }
      const kinds = since().map((c) => c.kind);
      expect(kinds).toContain('event');
      expect(kinds.indexOf('unknown')).toBeLessThan(kinds.indexOf('event'));
      expect(kinds.filter((k) => k !== 'unknown' && k !== 'event')).toEqual([]);
    } finally {
      await admin.end();
    }
  });

  it('answers a long-poll on one store with the reentry another store’s answer sent, and reads one too large to send', async () => {
    const [a, b] = [await open(), await open()];
    const clock = new ManualClock('2026-03-01T10:00:00Z');
    const here = createPurgatory({ store: a, clock });
    const there = createPurgatory({ store: b, clock });
    const large = { ...PYTHON_TOKEN, id: 'sem-large', frozen_state: 'x'.repeat(MAX_REENTRY_PAYLOAD) };
    for (const t of [PYTHON_TOKEN, large]) await there.create(t, { runner: 'ci', admin: false });
    const reads: string[] = [];
    const counted: Purgatory = {
      ...here,
      withReentry: (id) => {
        reads.push(id);
        return here.withReentry(id);
      },
    };
    const waiters = createReentryWaiters(counted, a);
    try {
      // The listener connects in the background: wait until it listens.
      const admin = new pg.Client({ connectionString: pgdb.url() });
      await admin.connect();
      const listening = `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'rodizio-listen' AND query = 'LISTEN rodizio'`;
      for (let i = 0; i < 50 && (await admin.query(listening)).rows[0]?.n !== 1; i++) await sleep(100);
      await admin.end();
      const small = waiters.wait(PYTHON_TOKEN.id, 30_000);
      const big = waiters.wait(large.id, 30_000);
      await expect.poll(() => waiters.count()).toBe(2);
      const answered = await there.resolve(PYTHON_TOKEN.id, { humanInput: 'A', by: 'U1', via: 'button' });
      await expect(small).resolves.toEqual(answered.reentry);
      expect(reads).toEqual([PYTHON_TOKEN.id, large.id]);
      const answeredLarge = await there.resolve(large.id, { humanInput: 'B', by: 'U1', via: 'button' });
      await expect(big).resolves.toEqual(answeredLarge.reentry);
      expect(reads).toEqual([PYTHON_TOKEN.id, large.id, large.id]);
    } finally {
      waiters.close();
    }
  });

  it('runs a transaction again when Postgres picks it as a deadlock victim', async () => {
    const [a, b] = [await open(), await open()];
    await a.tokens.insert(tokenRow('t1'));
    await a.tokens.insert(tokenRow('t2'));
    let runs = 0;
    let locked = 0;
    let bothLocked: () => void = () => {};
    const barrier = new Promise<void>((resolve) => {
      bothLocked = () => void (++locked === 2 && resolve());
    });
    // Each locks one row, waits until the other has locked its row, then wants the other's: a deadlock.
    const crossing = (store: Store, first: string, second: string) =>
      store.transaction(async (tx) => {
        runs++;
        await tx.tokens.setSlackMessage(first, 'C', first);
        bothLocked();
        await barrier;
        await tx.tokens.setSlackMessage(second, 'C', first);
      });
    await Promise.all([crossing(a, 't1', 't2'), crossing(b, 't2', 't1')]);
    expect(runs).toBe(3);
  });

  it('keeps reading after a migration elsewhere changes a table under its prepared statements', async () => {
    const store = await open();
    await store.tokens.insert(tokenRow('t1'));
    // Prepared on the pooled connections, inside and outside a transaction.
    for (let i = 0; i < 3; i++) expect((await store.tokens.get('t1'))?.id).toBe('t1');
    await store.transaction(async (tx) => expect((await tx.tokens.get('t1'))?.id).toBe('t1'));
    const admin = new pg.Client(pgdb.url());
    await admin.connect();
    try {
      // What a newer replica's migration does during a rolling deploy: `SELECT *` now returns another row type.
      await admin.query('ALTER TABLE tokens ADD COLUMN added_by_a_newer_build TEXT');
    } finally {
      await admin.end();
    }
    expect((await store.tokens.get('t1'))?.id).toBe('t1');
    await store.transaction(async (tx) => expect((await tx.tokens.get('t1'))?.id).toBe('t1'));
    expect((await store.tokens.get('t1'))?.id).toBe('t1');
  });

  it('prepares a statement once per connection, but plans one marked PLANNED_PER_CALL with its values each time', async () => {
    const client = new pg.Client(pgdb.url());
    await client.connect();
    try {
      const prepared = createPrepared();
      for (let i = 0; i < 8; i++) {
        const plain = await prepared.run<{ n: number }>(client, 'SELECT $1::int AS n', [i]);
        const perCall = await prepared.run<{ n: number }>(client, `${PLANNED_PER_CALL} SELECT $1::int + 1 AS n`, [i]);
        expect([plain.rows[0]?.n, perCall.rows[0]?.n]).toEqual([i, i + 1]);
      }
      // A named statement stays in the session, where Postgres may switch it to a generic plan after five runs.
      const { rows } = await client.query<{ statement: string }>('SELECT statement FROM pg_prepared_statements');
      expect(rows.map((r) => r.statement)).toEqual(['SELECT $1::int AS n']);
    } finally {
      await client.end();
    }
  });

  it('commits event appends in seq order: a second append waits for the first transaction', async () => {
    const [a, b] = [await open(), await open()];
    let finish: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      finish = resolve;
    });
    let firstSeq = 0;
    const first = a.transaction(async (tx) => {
      firstSeq = await tx.events.append({ tokenId: 't1', type: 'ejected', atMs: 1 });
      await held;
    });
    while (!firstSeq) await sleep(10);
    let secondSeq = 0;
    const second = b.events.append({ tokenId: 't2', type: 'ejected', atMs: 2 }).then((seq) => {
      secondSeq = seq;
    });
    await sleep(300);
    expect(secondSeq).toBe(0);
    expect(await b.feed.page(0, 10)).toEqual({ rows: [], head: 0 });
    finish();
    await Promise.all([first, second]);
    expect(secondSeq).toBeGreaterThan(firstSeq);
  });

  it('lets one of two stores take a free runner lock at once', async () => {
    const [a, b] = [await open(), await open()];
    const claim = (owner: string) => ({
      name: 'leader',
      owner,
      host: 'h',
      pid: 1,
      nowMs: 1000,
      staleMs: 5000,
      holderIsDead: () => false,
    });
    const results = await Promise.all([a.runnerLocks.acquire(claim('A')), b.runnerLocks.acquire(claim('B'))]);
    expect(results.filter((r) => r.acquired)).toHaveLength(1);
  });

  it('splits concurrent claims of two stores into disjoint sets that together take every runnable job', async () => {
    const [a, b] = [await open(), await open()];
    const heads: number[] = [];
    for (let i = 0; i < 30; i++) {
      heads.push(await a.outbox.enqueue({ kind: 'post', lane: `L${i}`, priority: i % 3 ? 1 : 0 }, 100 + i));
      // The second job of every third lane: never claimable while its head is pending, leased or not.
      if (i % 3 === 1) await a.outbox.enqueue({ kind: 'post', lane: `L${i}` }, 200);
    }
    await a.outbox.enqueue({ kind: 'tmux', lane: 'H', host: 'elsewhere' }, 100);
    const filter = { closedGates: [], fullKinds: [], host: 'here' };
    for (let round = 0; round < 3; round++) {
      const claims = await Promise.all(
        Array.from({ length: 8 }, (_, i) => (i % 2 ? b : a).outbox.claim(1000, 5, filter, `w${i}`, 60_000)),
      );
      const taken = claims.flatMap((rows, i) => rows.map((r) => ({ id: r.id, owner: `w${i}`, row: r })));
      expect(new Set(taken.map((t) => t.id)).size).toBe(taken.length);
      expect(taken.map((t) => t.id).sort((x, y) => x - y)).toEqual(heads);
      for (const t of taken) expect(t.row.lease_owner).toBe(t.owner);
      for (const rows of claims) {
        expect(rows.length).toBeLessThanOrEqual(5);
        const order = rows.map((r) => [r.priority, r.run_at_ms, r.id]);
        expect(order).toEqual([...order].sort((x, y) => (x[0] ?? 0) - (y[0] ?? 0) || (x[1] ?? 0) - (y[1] ?? 0)));
      }
      for (const t of taken) await (t.id % 2 ? a : b).outbox.release([t.id], t.owner);
    }
  });

  it('walks the outbox in order after a burst its statistics do not know of: no sort, each lane looked up', async () => {
    const store = await open();
    const admin = new pg.Client({ connectionString: pgdb.url() });
    await admin.connect();
    try {
      await walksInOrder(store, admin);
    } finally {
      await admin.end();
    }
  });

  /**
   * What autovacuum last saw: a table of finished jobs. Then a burst it has not analyzed: 3,000 pending jobs in
   * 2,500 lanes `token:t<n>` (500 lanes with a second job, not runnable behind their head), all of priority 1.
   */
  async function burstUnanalyzed(admin: pg.Client): Promise<void> {
    const insert = (n: number, status: string, from: number) =>
      admin.query(
        `INSERT INTO outbox (token_id, kind, lane, payload, status, run_at_ms, created_ms, updated_ms, priority)
         SELECT 't' || g, 'deliver.webhook', 'token:t' || (g % $4::int), '{}', $2, 500 + g, 1, 1, 1
         FROM generate_series($3::int, $3::int + $1::int - 1) g`,
        [n, status, from, from === 0 ? n : 2500],
      );
    await insert(3000, 'done', 0);
    await admin.query('ANALYZE outbox');
    await insert(3000, 'pending', 10_000);
  }

  /** The plan of `text` as the store runs it: inside a transaction, with UNSORTED. */
  async function planOf(admin: pg.Client, text: string, values: unknown[]): Promise<string> {
    await admin.query('BEGIN');
    try {
      await admin.query(UNSORTED);
      return (await admin.query(`EXPLAIN ${text}`, values)).rows
        .map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN'])
        .join('\n');
    } finally {
      await admin.query('ROLLBACK');
    }
  }

  async function walksInOrder(store: Store, admin: pg.Client): Promise<void> {
    await burstUnanalyzed(admin);
    const params = {
      READY: [10_000_000, [], [], 8, null],
      NEXT_RUN_AT: [[], [], null],
      CLAIM: [10_000_000, [], [], 8, null, 'w', 60_000],
    };
    for (const [name, text] of Object.entries(OUTBOX_WALKS)) {
      const plan = await planOf(admin, text, params[name as keyof typeof params]);
      expect(plan, name).not.toMatch(/\bSort\b/);
      expect(plan, name).toMatch(/using outbox_lane on outbox p/);
      if (name !== 'NEXT_RUN_AT') expect(plan, name).toMatch(/Index Scan using outbox_ready on outbox o\b/);
    }
    // And the walk takes the right jobs: the first eight lane heads in run_at order.
    const claimed = await store.outbox.claim(10_000_000, 8, { closedGates: [], fullKinds: [] }, 'w', 60_000);
    expect(claimed.map((r) => r.token_id)).toEqual(Array.from({ length: 8 }, (_, i) => `t${10_000 + i}`));
    expect(await store.outbox.nextRunAt({ closedGates: [], fullKinds: [] })).toBe(500 + 10_008);
  }

  it('enqueues after a burst its statistics do not know of by looking the lane up, not scanning every pending job', async () => {
    const store = await open();
    const admin = new pg.Client({ connectionString: pgdb.url() });
    await admin.connect();
    try {
      await burstUnanalyzed(admin);
      // A settle's batch: an urgent job in a busy lane (t7 has two pending jobs: 10,007 and 12,507) and one in a lane
      // of its own. Each lookup must go to the lane in `outbox_lane`; a scan of `outbox_due` or `outbox_ready`
      // filtered by lane reads all 3,000 pending jobs (what stale statistics made Postgres plan before).
      const job = (lane: string, priority: number) => ['t', 'k', lane, '{}', 1, 1, 1, null, priority, null];
      const plans = {
        one: await planOf(admin, OUTBOX_ENQUEUES.ENQUEUE, [...job('token:t7', 0), 'origin']),
        many: await planOf(admin, OUTBOX_ENQUEUES.enqueueManySql(2), [
          ...job('token:t7', 0),
          ...job('new', 1),
          'origin',
        ]),
      };
      for (const [name, plan] of Object.entries(plans)) {
        expect(plan, name).not.toMatch(/outbox_due|outbox_ready|Seq Scan on outbox/);
        // The lift's lookup and the head's lookup.
        expect(plan.match(/Index (Only )?Scan using outbox_lane on outbox p/g), name).toHaveLength(2);
      }
      // And they do what they did: the busy lane's pending jobs are lifted to priority 0, the new job is not its
      // head there, and a job alone in its lane is.
      const enqueued = await store.transaction((tx) =>
        tx.outbox.enqueueMany(
          [
            { kind: 'slack.update', lane: 'token:t7', priority: 0 },
            { kind: 'post', lane: 'alone' },
          ],
          1,
        ),
      );
      expect(enqueued.map((e) => e.laneHead)).toEqual([false, true]);
      const lane = await admin.query<{ token_id: string | null; priority: number }>(
        `SELECT token_id, priority FROM outbox WHERE lane = 'token:t7' AND status = 'pending' ORDER BY id`,
      );
      expect(lane.rows).toEqual([
        { token_id: 't10007', priority: 0 },
        { token_id: 't12507', priority: 0 },
        { token_id: null, priority: 0 },
      ]);
      const single = await store.outbox.enqueueInLane({ kind: 'post', lane: 'token:t8' }, 1);
      expect(single.laneHead).toBe(false);
      // Inside a transaction the settings go back after the statement: the rest of it is planned as usual.
      await admin.query('BEGIN');
      const inside = await unsortedIn(
        admin,
        "SELECT current_setting('enable_sort') AS sort, current_setting('jit') AS jit",
      );
      const later = await admin.query("SELECT current_setting('enable_sort') AS sort, current_setting('jit') AS jit");
      await admin.query('COMMIT');
      expect(inside.rows).toEqual([{ sort: 'off', jit: 'off' }]);
      expect(later.rows).toEqual([{ sort: 'on', jit: 'on' }]);
    } finally {
      await admin.end();
    }
  });

  it('sends what it pipelines in one write: BEGIN with the first statement, a setting with its statement', async () => {
    const store = await open();
    await store.tokens.insert(tokenRow('t1'));
    // Every write this process makes to a Postgres socket (net.Socket's own two ways to write).
    const port = Number(new URL(pgdb.url()).port);
    const written: string[] = [];
    const socket = net.Socket.prototype as unknown as Record<'_write' | '_writev', (...args: unknown[]) => void>;
    for (const method of ['_write', '_writev'] as const) {
      const original = socket[method];
      const spy = vi.spyOn(socket, method).mockImplementation(function (this: net.Socket, ...args: unknown[]) {
        if (this.remotePort === port) written.push(method);
        return original.apply(this, args);
      });
      afterTest(() => spy.mockRestore());
    }
    await store.transaction(async (tx) => {
      await tx.tokens.get('t1'); // BEGIN and this: one write
      await tx.outbox.enqueueMany([{ kind: 'hook', lane: 'alone' }], 1); // sorts off, the INSERT, sorts on: one
    }); // COMMIT: one
    expect(written).toHaveLength(3);
    written.length = 0;
    // Outside a transaction, a walk planned without sorts: BEGIN, the settings, the walk and COMMIT in one write.
    expect(await store.outbox.ready(2, 10)).toHaveLength(1);
    expect(written).toHaveLength(1);
  });

  it('skips the jobs another claim holds locked instead of waiting for its transaction', async () => {
    const [a, b] = [await open(), await open()];
    const jobs = [];
    for (let i = 0; i < 3; i++) jobs.push(await a.outbox.enqueue({ kind: 'post', lane: `L${i}` }, 100 + i));
    const filter = { closedGates: [], fullKinds: [] };
    let finish: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      finish = resolve;
    });
    let lockedId = 0;
    const holder = a.transaction(async (tx) => {
      lockedId = (await tx.outbox.claim(1000, 1, filter, 'A', 60_000))[0]?.id ?? -1;
      await held;
    });
    while (!lockedId) await sleep(10);
    expect(lockedId).toBe(jobs[0]);
    const timeout = sleep(3000).then(() => 'waited' as const);
    const other = await Promise.race([b.outbox.claim(1000, 10, filter, 'B', 60_000), timeout]);
    finish();
    await holder;
    expect(other === 'waited' ? other : other.map((r) => r.id)).toEqual(jobs.slice(1));
  });

  it('lets one of two stores through an open gate at once, and holds a pause for both', async () => {
    const [a, b] = [await open(), await open()];
    const takes = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? b : a).gates.take('g', 1000, 500)));
    expect(takes.filter((w) => w === 0)).toHaveLength(1);
    expect(takes.filter((w) => w === 500)).toHaveLength(7);
    await a.gates.pause('g', 9000);
    expect(await b.gates.take('g', 2000, 500)).toBe(7000);
    expect(await b.gates.openAt('g')).toBe(9000);
  });
});
