import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { PermanentJobError, RetryLater } from '../../src/outbox/job-errors.js';
import { backoffDelay, createOutboxWorker, type JobKind } from '../../src/outbox/worker.js';
import { openDatabase } from '../../src/store/database.js';
import { createOutboxStore } from '../../src/store/outbox.js';
import { captureLogger } from '../helpers/logs.js';
import { tempDbPath } from '../helpers/temp.js';

function setup(kinds: Record<string, JobKind>, path = tempDbPath()) {
  const clock = new ManualClock('2026-01-01T00:00:00Z');
  const db = openDatabase(path);
  const outbox = createOutboxStore(db);
  const logs = captureLogger();
  const dead: string[] = [];
  const worker = createOutboxWorker({
    outbox,
    clock,
    logger: logs.logger,
    kinds,
    random: () => 1,
    onDead: (job, error) => dead.push(`${job.id}:${error}`),
  });
  return { clock, db, outbox, worker, logs, dead };
}

describe('outbox worker', () => {
  it('runs the jobs of one lane in order and lanes side by side', async () => {
    const seen: string[] = [];
    const { outbox, worker, clock } = setup({
      say: { handle: async ({ payload }) => void seen.push(String(payload.word)) },
    });
    for (const [lane, word] of [
      ['a', 'a1'],
      ['b', 'b1'],
      ['a', 'a2'],
      ['a', 'a3'],
      ['b', 'b2'],
    ]) {
      outbox.enqueue({ kind: 'say', lane, payload: { word } }, clock.now());
    }
    await worker.drain();
    expect(seen.filter((w) => w.startsWith('a'))).toEqual(['a1', 'a2', 'a3']);
    expect(seen.filter((w) => w.startsWith('b'))).toEqual(['b1', 'b2']);
    expect(outbox.list({ status: 'done', limit: 10 })).toHaveLength(5);
  });

  it('retries failures with exponential backoff, then marks the job dead and logs it', async () => {
    let calls = 0;
    const { outbox, worker, clock, logs, dead } = setup({
      flaky: {
        retry: { maxAttempts: 3, baseMs: 1000, maxMs: 60_000 },
        handle: async () => {
          calls++;
          throw new Error('receiver down');
        },
      },
    });
    const id = outbox.enqueue({ kind: 'flaky', tokenId: 'sem-1' }, clock.now());
    await worker.drain();
    expect(calls).toBe(1);
    expect(outbox.get(id)).toMatchObject({ status: 'pending', attempts: 1, run_at_ms: clock.now() + 1000 });
    clock.advance(999);
    await worker.drain();
    expect(calls).toBe(1);
    clock.advance(1);
    await worker.drain();
    expect(outbox.get(id)).toMatchObject({ attempts: 2, run_at_ms: clock.now() + 2000 });
    clock.advance(2000);
    await worker.drain();
    expect(calls).toBe(3);
    expect(outbox.get(id)).toMatchObject({ status: 'dead', attempts: 3, last_error: 'receiver down' });
    expect(dead).toEqual([`${id}:receiver down`]);
    expect(logs.lines.find((l) => l.msg === 'outbox job is dead')).toMatchObject({
      job_kind: 'flaky',
      token_id: 'sem-1',
    });
    clock.advance(3_600_000);
    await worker.drain();
    expect(calls).toBe(3);
  });

  it('does not count RetryLater (429, pacing) as an attempt, and kills PermanentJobError at once', async () => {
    let n = 0;
    const { outbox, worker, clock } = setup({
      limited: {
        retry: { maxAttempts: 2, baseMs: 1000, maxMs: 1000 },
        handle: async () => {
          if (++n <= 5) throw new RetryLater(30_000, 'rate limited');
        },
      },
      broken: {
        handle: async () => {
          throw new PermanentJobError('404 no such issue');
        },
      },
    });
    const limited = outbox.enqueue({ kind: 'limited' }, clock.now());
    const broken = outbox.enqueue({ kind: 'broken' }, clock.now());
    for (let i = 0; i < 6; i++) {
      await worker.drain();
      clock.advance(30_000);
    }
    expect(outbox.get(limited)).toMatchObject({ status: 'done', attempts: 1 });
    expect(outbox.get(broken)).toMatchObject({ status: 'dead', attempts: 1, last_error: '404 no such issue' });
  });

  it('reports the next run time of lane heads only, so a deferred head does not make the worker spin', async () => {
    let deferred = false;
    const { outbox, worker, clock } = setup({
      paced: {
        handle: async () => {
          if (!deferred) {
            deferred = true;
            throw new RetryLater(1000, 'pacing');
          }
        },
      },
    });
    for (let i = 0; i < 3; i++) outbox.enqueue({ kind: 'paced', lane: 'C1' }, clock.now());
    await worker.drain();
    expect(outbox.nextRunAt()).toBe(clock.now() + 1000);
    expect(await worker.drain()).toBe(0);
    clock.advance(1000);
    expect(await worker.drain()).toBe(3);
    expect(outbox.nextRunAt()).toBeUndefined();
  });

  it('marks a job of an unknown kind dead rather than dropping it', async () => {
    const { outbox, worker, clock, dead } = setup({});
    const id = outbox.enqueue({ kind: 'mystery' }, clock.now());
    await worker.drain();
    expect(outbox.get(id)).toMatchObject({ status: 'dead', last_error: 'no handler for job kind mystery' });
    expect(dead).toHaveLength(1);
  });

  it('a restarted worker resumes jobs a crashed one had taken once their lease ends', async () => {
    const path = tempDbPath();
    const first = setup({}, path);
    const id = first.outbox.enqueue({ kind: 'work' }, first.clock.now());
    expect(first.outbox.lease(id, first.clock.now(), 60_000)).toBe(true);
    first.db.close();

    let ran = 0;
    const second = setup({ work: { handle: async () => void ran++ } }, path);
    await second.worker.drain();
    expect(ran).toBe(0);
    second.clock.advance(60_000);
    await second.worker.drain();
    expect(ran).toBe(1);
    expect(second.outbox.get(id)?.status).toBe('done');
  });

  it('computes capped backoff with jitter between half and all of the delay', () => {
    const policy = { maxAttempts: 10, baseMs: 1000, maxMs: 10_000 };
    expect(backoffDelay(policy, 1, () => 0)).toBe(500);
    expect(backoffDelay(policy, 3, () => 1)).toBe(4000);
    expect(backoffDelay(policy, 9, () => 1)).toBe(10_000);
  });

  it('runs on its own once started, woken when work is enqueued', async () => {
    const seen: number[] = [];
    const { outbox, worker } = setup({ work: { handle: async ({ payload }) => void seen.push(payload.n as number) } });
    worker.start();
    outbox.enqueue({ kind: 'work', payload: { n: 1 } }, 0);
    worker.wake();
    await expect.poll(() => seen).toEqual([1]);
    await worker.stop();
  });
});
