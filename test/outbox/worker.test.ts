import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ManualClock } from '../../src/clock.js';
import { createGates, Gate } from '../../src/outbox/gates.js';
import { PermanentJobError, RetryLater } from '../../src/outbox/job-errors.js';
import {
  backoffDelay,
  createOutboxWorker,
  defineJob,
  type JobContext,
  type JobKind,
  type OutboxWorkerOptions,
} from '../../src/outbox/worker.js';
import type { OutboxStore } from '../../src/store/outbox.js';
import { openTestStore, testDbLocation } from '../helpers/engine.js';
import { captureLogger } from '../helpers/logs.js';

/** A kind whose payload is any object (the tests below are about scheduling, not payloads). */
function kind(
  handle: (ctx: JobContext<Record<string, unknown>>) => Promise<void>,
  extra: Partial<Omit<JobKind, 'handle' | 'payload'>> = {},
): JobKind {
  return defineJob({ payload: z.record(z.string(), z.unknown()), handle, ...extra });
}

/** A worker on a fresh store of the run's engine, or on the store at `location` (to reopen it). */
async function setup(
  kinds: Record<string, JobKind>,
  location?: string,
  extra: Partial<OutboxWorkerOptions> & { clock?: ManualClock } = {},
) {
  const clock = extra.clock ?? new ManualClock('2026-01-01T00:00:00Z');
  const store = await openTestStore(location);
  const outbox = store.outbox;
  const logs = captureLogger();
  const dead: string[] = [];
  const worker = createOutboxWorker({
    outbox,
    clock,
    logger: logs.logger,
    kinds,
    random: () => 1,
    onDead: (job, error) => dead.push(`${job.id}:${error}`),
    ...extra,
  });
  return { clock, store, outbox, worker, logs, dead };
}

/**
 * `n` webhook jobs for one target whose gates let 4 run at once, each delivery taking a turn of the event loop, on a
 * worker over `wrap(store.outbox)` (a counting wrapper). `most` is the most deliveries seen running at once.
 */
async function targetBacklog(n: number, wrap: (outbox: OutboxStore) => OutboxStore) {
  const clock = new ManualClock('2026-01-01T00:00:00Z');
  const gates = createGates(clock, { postIntervalMs: 0, targetConcurrency: 4 });
  const store = await openTestStore();
  const seen = { running: 0, most: 0 };
  const send = kind(async () => {
    seen.most = Math.max(seen.most, ++seen.running);
    await new Promise((resolve) => setImmediate(resolve));
    seen.running--;
  });
  const { worker } = await setup({ 'deliver.webhook': send }, undefined, { clock, gates, outbox: wrap(store.outbox) });
  const gate = Gate.webhook('https://agent.example/hook');
  for (let i = 0; i < n; i++) await store.outbox.enqueue({ kind: 'deliver.webhook', lane: `d${i}`, gate }, 0);
  return { store, worker, seen };
}

describe('outbox worker', () => {
  it('runs the jobs of one lane in order and lanes side by side', async () => {
    const seen: string[] = [];
    const { outbox, worker, clock } = await setup({
      say: kind(async ({ payload }) => void seen.push(String(payload.word))),
    });
    for (const [lane, word] of [
      ['a', 'a1'],
      ['b', 'b1'],
      ['a', 'a2'],
      ['a', 'a3'],
      ['b', 'b2'],
    ]) {
      await outbox.enqueue({ kind: 'say', lane, payload: { word } }, clock.now());
    }
    await worker.drain();
    expect(seen.filter((w) => w.startsWith('a'))).toEqual(['a1', 'a2', 'a3']);
    expect(seen.filter((w) => w.startsWith('b'))).toEqual(['b1', 'b2']);
    expect(await outbox.list({ status: 'done', limit: 10 })).toHaveLength(5);
  });

  it('retries failures with exponential backoff, then marks the job dead and logs it', async () => {
    let calls = 0;
    const { outbox, worker, clock, logs, dead } = await setup({
      flaky: kind(
        async () => {
          calls++;
          throw new Error('receiver down');
        },
        { retry: { maxAttempts: 3, baseMs: 1000, maxMs: 60_000 } },
      ),
    });
    const id = await outbox.enqueue({ kind: 'flaky', tokenId: 'sem-1' }, clock.now());
    await worker.drain();
    expect(calls).toBe(1);
    expect(await outbox.get(id)).toMatchObject({ status: 'pending', attempts: 1, run_at_ms: clock.now() + 1000 });
    clock.advance(999);
    await worker.drain();
    expect(calls).toBe(1);
    clock.advance(1);
    await worker.drain();
    expect(await outbox.get(id)).toMatchObject({ attempts: 2, run_at_ms: clock.now() + 2000 });
    clock.advance(2000);
    await worker.drain();
    expect(calls).toBe(3);
    expect(await outbox.get(id)).toMatchObject({ status: 'dead', attempts: 3, last_error: 'receiver down' });
    expect(dead).toEqual([`${id}:receiver down`]);
    expect(logs.lines.find((l) => l.msg === 'outbox job is dead')).toMatchObject({
      job_kind: 'flaky',
      token_id: 'sem-1',
      error: 'receiver down',
    });
    clock.advance(3_600_000);
    await worker.drain();
    expect(calls).toBe(3);
  });

  it('does not count RetryLater (429, pacing) as an attempt, and kills PermanentJobError at once', async () => {
    let n = 0;
    const { outbox, worker, clock } = await setup({
      limited: kind(
        async () => {
          if (++n <= 5) throw new RetryLater(30_000, 'rate limited');
        },
        { retry: { maxAttempts: 2, baseMs: 1000, maxMs: 1000 } },
      ),
      broken: kind(async () => {
        throw new PermanentJobError('404 no such issue');
      }),
    });
    const limited = await outbox.enqueue({ kind: 'limited' }, clock.now());
    const broken = await outbox.enqueue({ kind: 'broken' }, clock.now());
    for (let i = 0; i < 6; i++) {
      await worker.drain();
      clock.advance(30_000);
    }
    expect(await outbox.get(limited)).toMatchObject({ status: 'done', attempts: 1 });
    expect(await outbox.get(broken)).toMatchObject({ status: 'dead', attempts: 1, last_error: '404 no such issue' });
  });

  it('reports the next run time of lane heads only, so a deferred head does not make the worker spin', async () => {
    let deferred = false;
    const { outbox, worker, clock } = await setup({
      paced: kind(async () => {
        if (!deferred) {
          deferred = true;
          throw new RetryLater(1000, 'pacing');
        }
      }),
    });
    for (let i = 0; i < 3; i++) await outbox.enqueue({ kind: 'paced', lane: 'C1' }, clock.now());
    await worker.drain();
    expect(await outbox.nextRunAt()).toBe(clock.now() + 1000);
    expect(await worker.drain()).toBe(0);
    clock.advance(1000);
    expect(await worker.drain()).toBe(3);
    expect(await outbox.nextRunAt()).toBeUndefined();
  });

  it('marks a job of an unknown kind dead rather than dropping it', async () => {
    const { outbox, worker, clock, dead } = await setup({});
    const id = await outbox.enqueue({ kind: 'mystery' }, clock.now());
    await worker.drain();
    expect(await outbox.get(id)).toMatchObject({ status: 'dead', last_error: 'no handler for job kind mystery' });
    expect(dead).toHaveLength(1);
  });

  it('a restarted worker resumes jobs a crashed one had taken once their lease ends', async () => {
    const path = await testDbLocation();
    const first = await setup({}, path);
    const id = await first.outbox.enqueue({ kind: 'work' }, first.clock.now());
    expect(await first.outbox.lease(id, 'crashed-worker', first.clock.now(), 60_000)).toBe(true);
    await first.store.close();

    let ran = 0;
    const second = await setup({ work: kind(async () => void ran++) }, path);
    await second.worker.drain();
    expect(ran).toBe(0);
    second.clock.advance(60_000);
    await second.worker.drain();
    expect(ran).toBe(1);
    expect((await second.outbox.get(id))?.status).toBe('done');
  });

  it('computes capped backoff with jitter between half and all of the delay', () => {
    const policy = { maxAttempts: 10, baseMs: 1000, maxMs: 10_000 };
    expect(backoffDelay(policy, 1, () => 0)).toBe(500);
    expect(backoffDelay(policy, 3, () => 1)).toBe(4000);
    expect(backoffDelay(policy, 9, () => 1)).toBe(10_000);
  });

  it('runs on its own once started, woken when work is enqueued', async () => {
    const seen: number[] = [];
    const { outbox, worker } = await setup({ work: kind(async ({ payload }) => void seen.push(payload.n as number)) });
    worker.start();
    await outbox.enqueue({ kind: 'work', payload: { n: 1 } }, 0);
    worker.wake();
    await expect.poll(() => seen).toEqual([1]);
    await worker.stop();
  });

  it('a burst of wakes from another process costs one claim, made within elsewhereMs; a local wake claims at once', async () => {
    const store = await openTestStore();
    const claims: number[] = [];
    const outbox: OutboxStore = {
      ...store.outbox,
      claim: async (...args) => {
        const rows = await store.outbox.claim(...args);
        claims.push(rows.length);
        return rows;
      },
    };
    const seen: number[] = [];
    const work = kind(async ({ payload }) => void seen.push(payload.n as number));
    const { worker } = await setup({ work }, undefined, { outbox, elsewhereMs: 500 });
    worker.start();
    await expect.poll(() => claims).toEqual([0]);
    // Ten answers on another replica, each enqueuing a job there and its NOTIFY waking this worker, a turn of the
    // event loop apart (a wake from here would claim in each).
    for (let n = 1; n <= 10; n++) {
      await store.outbox.enqueue({ kind: 'work', lane: `l${n}`, payload: { n } }, 0);
      worker.wake([{}], { elsewhere: true });
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(claims).toEqual([0]);
    await expect.poll(() => seen.length, { timeout: 5000 }).toBe(10);
    expect(claims.slice(0, 2)).toEqual([0, 10]);
    await worker.idle();
    // Here: the wake claims at once (a turn of the event loop later), not after elsewhereMs.
    const before = claims.length;
    await store.outbox.enqueue({ kind: 'work', lane: 'here', payload: { n: 11 } }, 0);
    worker.wake([{}]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(claims.length).toBe(before + 1);
    await expect.poll(() => seen.at(-1)).toBe(11);
    await worker.stop();
  });

  it('acts on a wake only for jobs that can start: not for one behind a paused gate, soon for one behind its lane', async () => {
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    const gates = createGates(clock, { postIntervalMs: 60_000 });
    const store = await openTestStore();
    let claims = 0;
    const outbox: OutboxStore = {
      ...store.outbox,
      claim: (...args) => {
        claims++;
        return store.outbox.claim(...args);
      },
    };
    const ran: string[] = [];
    const work = kind(async ({ payload }) => void ran.push(String(payload.n)));
    const { worker } = await setup({ work }, undefined, { clock, gates, outbox, behindPollMs: 50 });
    const turns = async (n: number) => {
      for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
    };
    await gates.take(Gate.post('C1'));
    worker.start();
    await expect.poll(() => claims).toBe(1);
    await turns(3);
    expect(claims).toBe(1);

    // Behind a gate paused for a minute: the wake is left alone (the timer is set for the gate's opening).
    const enqueue = (lane: string, n: string, gate?: string) =>
      store.outbox.enqueueInLane({ kind: 'work', lane, payload: { n }, ...(gate ? { gate } : {}) }, clock.now());
    await enqueue('a', 'gated', Gate.post('C1'));
    worker.wake([{ gate: Gate.post('C1') }]);
    await turns(5);
    expect(claims).toBe(1);

    // Queued behind its lane's head: no claim at once, a look within behindPollMs (the head was never woken for).
    await enqueue('b', 'b1');
    expect((await enqueue('b', 'b2')).laneHead).toBe(false);
    worker.wake([{ behind: true }]);
    await turns(5);
    expect(claims).toBe(1);
    await expect.poll(() => ran).toEqual(['b1', 'b2']);

    // A lane head behind no gate: claimed at once.
    const before = claims;
    await enqueue('c', 'c1');
    worker.wake([{}]);
    await expect.poll(() => ran, { timeout: 1000 }).toEqual(['b1', 'b2', 'c1']);
    expect(claims).toBeGreaterThan(before);
    expect(ran).not.toContain('gated');
    await worker.stop();
  });

  it('keeps a look asked for while a pump runs: a wake for a job behind its lane is not put off to the idle poll', async () => {
    const store = await openTestStore();
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let first = true;
    const outbox: OutboxStore = {
      ...store.outbox,
      // The first pump (at start) finds nothing, and its next-run query returns only when released: a pump under way,
      // which has already looked at the table.
      nextRunAt: async (...args) => {
        const at = await store.outbox.nextRunAt(...args);
        if (first) {
          first = false;
          await released;
        }
        return at;
      },
    };
    const ran: string[] = [];
    const work = kind(async ({ payload }) => void ran.push(String(payload.n)));
    const { worker, clock } = await setup({ work }, undefined, { outbox, behindPollMs: 100 });
    worker.start();
    await expect.poll(() => first).toBe(false);
    await store.outbox.enqueue({ kind: 'work', lane: 'x', payload: { n: 'x' } }, clock.now());
    worker.wake([{ behind: true }]);
    release();
    // The pump ends having seen no job, so its idle timer is 5 s; the look asked for within 100 ms stands.
    await expect.poll(() => ran, { timeout: 2000 }).toEqual(['x']);
    await worker.stop();
  });

  it('knows a gate another replica closed, for its wakes only: claims keep to the database’s own check', async () => {
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    const store = await openTestStore();
    const shared = { store: store.gates, logger: captureLogger().logger };
    const here = createGates(clock, { postIntervalMs: 1000, shared });
    const other = createGates(clock, { postIntervalMs: 1000, shared });
    await other.take(Gate.post('C1'));
    expect(here.opensIn(Gate.post('C1'))).toBe(0);
    await here.learnShared();
    expect(here.opensIn(Gate.post('C1'))).toBe(1000);
    expect(here.opensIn(Gate.post('C2'))).toBe(0);
    // Not one of the gates a claim leaves out: a gate the database opens early is never skipped here.
    expect(here.closed().gates).not.toContain(Gate.post('C1'));
    clock.advance(400);
    expect(here.opensIn(Gate.post('C1'))).toBe(600);
    clock.advance(600);
    expect(here.opensIn(Gate.post('C1'))).toBe(0);
    await here.learnShared();
    expect(here.opensIn(Gate.post('C1'))).toBe(0);
  });

  it('kills a job whose payload does not parse, saying which field, without running it', async () => {
    let ran = 0;
    const { outbox, worker, clock, dead } = await setup({
      say: defineJob({ payload: z.object({ word: z.string() }), handle: async () => void ran++ }),
    });
    const id = await outbox.enqueue({ kind: 'say', payload: { word: 42 } }, clock.now());
    await worker.drain();
    expect(ran).toBe(0);
    expect(await outbox.get(id)).toMatchObject({ status: 'dead', attempts: 1 });
    expect((await outbox.get(id))?.last_error).toMatch(/^payload does not parse: word: /);
    expect(dead).toHaveLength(1);
  });

  it('an answered token goes first: priority 0 runs before older jobs, and lifts the jobs ahead of it in its lane', async () => {
    const seen: string[] = [];
    const { outbox, worker, clock } = await setup(
      { say: kind(async ({ payload }) => void seen.push(String(payload.w))) },
      undefined,
      { budgets: { local: 1 } },
    );
    for (let i = 0; i < 5; i++)
      await outbox.enqueue({ kind: 'say', lane: `new-${i}`, payload: { w: `card-${i}` } }, clock.now());
    await outbox.enqueue({ kind: 'say', lane: 'answered', payload: { w: 'post' } }, clock.now());
    await outbox.enqueue({ kind: 'say', lane: 'answered', priority: 0, payload: { w: 'flip' } }, clock.now());
    await worker.drain();
    expect(seen.slice(0, 2)).toEqual(['post', 'flip']);
    expect(seen).toHaveLength(7);
  });

  it('a closed gate holds only its own jobs: one post a second per channel, other channels at once, no slot taken', async () => {
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    const gates = createGates(clock, { postIntervalMs: 1000 });
    const runs: string[] = [];
    const post = kind(async ({ payload }) => {
      gates.take(Gate.post(String(payload.channel)));
      runs.push(`${String(payload.channel)}@${clock.now()}`);
    });
    const { outbox, worker } = await setup({ 'slack.post': post }, undefined, { clock, gates });
    const t0 = clock.now();
    for (let i = 0; i < 3; i++) {
      await outbox.enqueue(
        { kind: 'slack.post', lane: `c1-${i}`, gate: Gate.post('C1'), payload: { channel: 'C1' } },
        t0,
      );
    }
    await outbox.enqueue({ kind: 'slack.post', lane: 'c2', gate: Gate.post('C2'), payload: { channel: 'C2' } }, t0);
    expect(await worker.drain()).toBe(2);
    expect(runs).toEqual([`C1@${t0}`, `C2@${t0}`]);
    // Behind the closed gate the jobs were not even taken: no reschedule, no attempt spent.
    expect((await outbox.list({ status: 'pending', limit: 10 })).map((j) => j.attempts)).toEqual([0, 0]);
    expect(await outbox.nextRunAt({ closedGates: [Gate.post('C1')], fullKinds: [] })).toBeUndefined();
    clock.advance(1000);
    expect(await worker.drain()).toBe(1);
    clock.advance(1000);
    expect(await worker.drain()).toBe(1);
    expect(runs.slice(2)).toEqual([`C1@${t0 + 1000}`, `C1@${t0 + 2000}`]);
  });

  it('starts no more chat.update jobs than the bucket holds, and gives the rest back in one statement', async () => {
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    const gates = createGates(clock, { postIntervalMs: 0, updateBurst: 2, updatesPerMinute: 60 });
    const calls = { released: [] as number[][], rescheduled: 0 };
    const store = await openTestStore();
    const outbox: OutboxStore = {
      ...store.outbox,
      release: async (ids, owner) => {
        calls.released.push([...ids]);
        return store.outbox.release(ids, owner);
      },
      reschedule: async (...args) => {
        calls.rescheduled++;
        return store.outbox.reschedule(...args);
      },
    };
    const updated: number[] = [];
    // As src/slack/jobs.ts: the token is taken after a few awaits (reading the token, rendering the card).
    const update = kind(async ({ job }) => {
      await new Promise((resolve) => setImmediate(resolve));
      await gates.take(Gate.update);
      updated.push(job.id);
    });
    const { worker } = await setup({ 'slack.card': update }, undefined, { clock, gates, outbox });
    const ids: number[] = [];
    for (let i = 0; i < 6; i++)
      ids.push(await store.outbox.enqueue({ kind: 'slack.card', lane: `t${i}`, gate: Gate.update }, 0));
    expect(await worker.drain()).toBe(2);
    expect(updated).toEqual(ids.slice(0, 2));
    // The four the bucket had no token for went back together, unattempted; none ran only to be told to wait.
    expect(calls.released).toEqual([ids.slice(2)]);
    expect(calls.rescheduled).toBe(0);
    expect((await store.outbox.list({ status: 'pending', limit: 10 })).map((j) => [j.attempts, j.lease_owner])).toEqual(
      Array.from({ length: 4 }, () => [0, null]),
    );
    clock.advance(1000);
    expect(await worker.drain()).toBe(1);
    expect(updated).toEqual(ids.slice(0, 3));
    expect(calls.rescheduled).toBe(0);
  });

  it('hung webhooks spend only the webhook budget: a Slack job runs while every webhook slot hangs', async () => {
    const releases: (() => void)[] = [];
    const hang = kind(() => new Promise<void>((resolve) => releases.push(resolve)), { timeoutMs: 60_000 });
    let posted = 0;
    const { outbox, worker, clock } = await setup(
      { 'deliver.webhook': hang, 'slack.card': kind(async () => void posted++) },
      undefined,
      { budgets: { webhook: 4 } },
    );
    for (let i = 0; i < 6; i++) await outbox.enqueue({ kind: 'deliver.webhook', lane: `d${i}` }, clock.now());
    worker.start();
    await expect.poll(() => worker.inFlight()).toBe(4);
    await outbox.enqueue({ kind: 'slack.card', lane: 'card' }, clock.now());
    worker.wake();
    await expect.poll(() => posted).toBe(1);
    expect(worker.inFlight()).toBe(4);
    for (const release of releases.splice(0)) release();
    await expect.poll(() => outbox.count('done')).toBe(5);
    for (const release of releases.splice(0)) release();
    await expect.poll(() => outbox.count('done')).toBe(7);
    await worker.stop();
  });

  it('a failing target opens its circuit: its other jobs wait without a slot until it half-opens', async () => {
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    const gates = createGates(clock, { postIntervalMs: 0, breakerBaseMs: 10_000, targetConcurrency: 4 });
    let calls = 0;
    let healthy = false;
    const send = kind(async () => {
      calls++;
      if (!healthy) throw new Error('connection refused');
    });
    const { outbox, worker } = await setup({ 'deliver.webhook': send }, undefined, { clock, gates });
    const gate = Gate.webhook('https://agent.example/hook');
    for (let i = 0; i < 5; i++) await outbox.enqueue({ kind: 'deliver.webhook', lane: `d${i}`, gate }, clock.now());
    await worker.drain();
    // At most four in flight to one target; their failures opened the circuit, so the fifth was never tried.
    expect(calls).toBe(4);
    expect((await outbox.list({ status: 'pending', limit: 10 })).map((j) => j.attempts)).toEqual([0, 1, 1, 1, 1]);
    expect(gates.waitFor(gate)).toBe(10_000);
    healthy = true;
    clock.advance(10_000);
    await worker.drain();
    // The failed four were rescheduled for when the circuit half-opens: all five go through then.
    expect(calls).toBe(9);
    expect(await outbox.count('done')).toBe(5);
  });

  it('a backlog for one target is claimed once per job: jobs waiting for its slots are held, not given back', async () => {
    let claimed = 0;
    let released = 0;
    const { store, worker, seen } = await targetBacklog(40, (outbox) => ({
      ...outbox,
      claim: async (...args: Parameters<OutboxStore['claim']>) => {
        const rows = await outbox.claim(...args);
        claimed += rows.length;
        return rows;
      },
      release: async (...args: Parameters<OutboxStore['release']>) => {
        released++;
        return outbox.release(...args);
      },
    }));
    await worker.drain();
    expect(await store.outbox.count('done')).toBe(40);
    expect(seen.most).toBe(4);
    // Given back whenever the target was full, these 40 jobs took 472 claimed rows and 432 releases.
    expect({ claimed, released }).toEqual({ claimed: 40, released: 0 });
  });

  it('a busy target keeps its slots full from jobs held here, with few claims and completions written together', async () => {
    const calls = { claims: 0, emptyClaims: 0, completeStatements: 0, completed: 0 };
    const { store, worker, seen } = await targetBacklog(200, (outbox) => ({
      ...outbox,
      claim: async (...args: Parameters<OutboxStore['claim']>) => {
        const rows = await outbox.claim(...args);
        calls.claims++;
        if (rows.length === 0) calls.emptyClaims++;
        return rows;
      },
      completeMany: async (ids: readonly number[], nowMs: number) => {
        calls.completeStatements++;
        calls.completed += ids.length;
        return outbox.completeMany(ids, nowMs);
      },
    }));
    worker.start();
    await expect.poll(() => store.outbox.count('done'), { timeout: 20_000 }).toBe(200);
    await worker.stop();
    expect(seen.most).toBe(4);
    expect(calls.completed).toBe(200);
    // Before: 201 claims, 188 of them walking the whole backlog to find nothing, and 200 completion statements
    // (today about 25, 12 and 50). A claim that found nothing is repeated at most every 100 ms while jobs run, so a
    // slower machine makes a few more.
    expect(calls.claims).toBeLessThan(80);
    expect(calls.emptyClaims).toBeLessThan(50);
    expect(calls.completeStatements).toBeLessThan(100);
  });

  it('prefetches for the jobs of a claim in one call; a failed prefetch leaves each job to read for itself', async () => {
    const batches: number[][] = [];
    const seen: string[] = [];
    let failNext = false;
    const read = kind(
      async ({ job, prefetched }) =>
        void seen.push(prefetched ? `${job.id}:${String(prefetched.value)}` : `${job.id}:-`),
      {
        prefetch: async (jobs) => {
          batches.push(jobs.map((j) => j.id));
          if (failNext) throw new Error('database gone');
          // No entry for the last job: it reads for itself.
          return new Map(jobs.slice(0, -1).map((j) => [j.id, `read-${j.id}`]));
        },
      },
    );
    const { outbox, worker, clock, logs } = await setup({ read, other: kind(async () => {}) });
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) ids.push(await outbox.enqueue({ kind: 'read', lane: `r${i}` }, clock.now()));
    await outbox.enqueue({ kind: 'other' }, clock.now());
    await worker.drain();
    expect(batches).toEqual([ids]);
    expect(seen).toEqual([`${ids[0]}:read-${ids[0]}`, `${ids[1]}:read-${ids[1]}`, `${ids[2]}:-`]);
    failNext = true;
    const late = await outbox.enqueue({ kind: 'read', lane: 'late' }, clock.now());
    await worker.drain();
    expect(seen.at(-1)).toBe(`${late}:-`);
    expect(await outbox.count('done')).toBe(5);
    expect(logs.lines.some((l) => l.msg === 'outbox prefetch failed; each job reads for itself')).toBe(true);
  });

  it('a run past its time budget counts as a failure and frees its slot', async () => {
    const { outbox, worker, clock } = await setup({
      stuck: kind(() => new Promise<void>(() => {}), { timeoutMs: 20 }),
    });
    const id = await outbox.enqueue({ kind: 'stuck' }, clock.now());
    await worker.drain();
    expect(worker.inFlight()).toBe(0);
    expect(await outbox.get(id)).toMatchObject({ status: 'pending', attempts: 1, last_error: 'timed out after 20 ms' });
  });

  it('keeps the lease of a running job alive, and frees only leases of other owners when asked', async () => {
    let release = () => {};
    const { outbox, worker, clock } = await setup(
      { slow: kind(() => new Promise<void>((resolve) => (release = resolve)), { timeoutMs: 60_000 }) },
      undefined,
      { leaseMs: 30 },
    );
    const id = await outbox.enqueue({ kind: 'slow' }, clock.now());
    const other = await outbox.enqueue({ kind: 'slow', lane: 'other' }, clock.now());
    expect(await outbox.lease(other, 'dead-worker', clock.now(), 60_000)).toBe(true);
    worker.start();
    await expect.poll(async () => (await outbox.get(id))?.lease_owner).toBe(worker.owner);
    clock.advance(1000);
    // Renewed against the moved clock, though the 30 ms lease would have ended long ago.
    await expect.poll(async () => (await outbox.get(id))?.leased_until_ms).toBe(clock.now() + 30);
    expect(await outbox.releaseLeasesNotOwnedBy(worker.owner)).toBe(1);
    expect((await outbox.get(id))?.lease_owner).toBe(worker.owner);
    expect(await outbox.get(other)).toMatchObject({ leased_until_ms: null, lease_owner: null });
    release();
    await worker.stop();
  });
});
