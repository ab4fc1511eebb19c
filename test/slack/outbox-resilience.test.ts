import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { ADMIN_SECRET } from '../helpers/bridge.js';
import { cli } from '../helpers/cli.js';
import { testDbLocation } from '../helpers/engine.js';
import { CARDS, type SlackTestBridge, startFakeSlack, startSlackBridge } from '../helpers/slack.js';

/** Moves the bridge's clock in steps, running whatever outbox jobs fall due at each step. */
async function runFor(t: SlackTestBridge, clock: ManualClock, totalMs: number, stepMs: number): Promise<void> {
  for (let passed = 0; passed < totalMs; passed += stepMs) {
    clock.advance(stepMs);
    await t.bridge.worker.drain();
  }
}

const ok = (t: SlackTestBridge, method: string) =>
  t.fake.callsTo(method).filter((c) => c.status === 200 && c.response.ok);

describe('Slack side effects through the outbox', () => {
  it('Slack down for a while (5xx): every card, update and thread reply arrives once it is back, none twice', async () => {
    const clock = new ManualClock();
    const t = await startSlackBridge({ clock });
    t.fake.inject('*', { status: 503 }, 8);
    const ids: string[] = [];
    for (const prompt of ['one?', 'two?', 'three?']) {
      const res = await t.call('POST', '/v1/tokens', {
        body: { reason: 'approval_needed', prompt, options: ['yes', 'no'] },
      });
      ids.push(res.json.id);
    }
    await t.bridge.worker.drain();
    // Answered while Slack is down: its card (posted already answered) and thread reply queue behind nothing else.
    await t.call('POST', `/v1/tokens/${ids[1]}/resolve`, {
      token: ADMIN_SECRET,
      body: { human_input: 'yes', by: 'U0ALICE' },
    });
    expect(t.fake.messages(CARDS)).toHaveLength(0);

    await runFor(t, clock, 30 * 60_000, 30_000);
    // Each token retries on its own backoff, so the three cards may appear in any order; each appears once.
    expect(t.fake.messages(CARDS).map((m) => m.text)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('one?'),
        expect.stringContaining('Answered "yes": two?'),
        expect.stringContaining('three?'),
      ]),
    );
    expect(t.fake.messages(CARDS)).toHaveLength(3);
    expect(ok(t, 'chat.postMessage')).toHaveLength(4);
    // Posted after it was answered, the card needs no update — unless its post got through before the answer.
    expect(ok(t, 'chat.update').length).toBeLessThanOrEqual(1);
    const resolvedCard = await t.card(ids[1] as string);
    expect(t.fake.thread(CARDS, resolvedCard?.ts as string).map((m) => m.text)).toEqual([
      '✅ <@U0ALICE> answered *yes*. The agent has been told.',
    ]);
    expect(await t.bridge.purgatory.store.outbox.count('pending')).toBe(0);
    expect(await t.bridge.purgatory.store.outbox.count('dead')).toBe(0);
  });

  it('honours 429 Retry-After without counting it as a failure, and never loses the message', async () => {
    const clock = new ManualClock();
    const t = await startSlackBridge({ clock });
    t.fake.inject('chat.postMessage', { status: 429, retryAfter: 30 }, 3);
    const res = await t.call('POST', '/v1/tokens', { body: { reason: 'approval_needed', prompt: 'Paced?' } });
    await t.bridge.worker.drain();
    const [job] = await t.bridge.purgatory.store.outbox.list({ tokenId: res.json.id, limit: 5 });
    expect(job).toMatchObject({ status: 'pending', attempts: 0, run_at_ms: clock.now() + 30_000 });
    await runFor(t, clock, 29_000, 29_000);
    expect(t.fake.callsTo('chat.postMessage')).toHaveLength(1);
    await runFor(t, clock, 120_000, 1000);
    expect(t.fake.callsTo('chat.postMessage').map((c) => c.status)).toEqual([429, 429, 429, 200]);
    expect(t.fake.messages(CARDS)).toHaveLength(1);
    expect((await t.bridge.purgatory.store.outbox.list({ tokenId: res.json.id, limit: 5 }))[0]).toMatchObject({
      status: 'done',
      attempts: 1,
    });
  });

  it('paces posts to one channel at the configured interval', async () => {
    const clock = new ManualClock();
    const t = await startSlackBridge({ clock, slack: { postIntervalMs: 1000 } });
    for (let i = 0; i < 3; i++)
      await t.call('POST', '/v1/tokens', { body: { reason: 'approval_needed', prompt: `q${i}` } });
    await t.bridge.worker.drain();
    expect(t.fake.messages(CARDS)).toHaveLength(1);
    await runFor(t, clock, 999, 999);
    expect(t.fake.messages(CARDS)).toHaveLength(1);
    await runFor(t, clock, 1, 1);
    expect(t.fake.messages(CARDS)).toHaveLength(2);
    await runFor(t, clock, 1000, 1000);
    expect(t.fake.messages(CARDS).map((m) => m.text)).toEqual([
      expect.stringContaining('q0'),
      expect.stringContaining('q1'),
      expect.stringContaining('q2'),
    ]);
  });

  it('a restart resumes unfinished jobs', async () => {
    const fake = await startFakeSlack();
    const dbPath = await testDbLocation();
    const first = await startSlackBridge({ fake, config: { dbPath } });
    fake.inject('chat.postMessage', { status: 500 }, 100);
    const res = await first.call('POST', '/v1/tokens', {
      body: { reason: 'approval_needed', prompt: 'Survive a restart?' },
    });
    await fake.waitFor(() => fake.callsTo('chat.postMessage').length >= 1);
    await first.bridge.stop();
    fake.clearFaults();

    const second = await startSlackBridge({ fake, config: { dbPath } });
    // The job's backoff is a couple of seconds of real time; wake the worker at its run time instead of waiting.
    const [job] = await second.bridge.purgatory.store.outbox.list({ tokenId: res.json.id, limit: 1 });
    if (!job) throw new Error('the card job is gone');
    // Due at once, not counted as another attempt, its last error kept.
    await second.bridge.store.outbox.reschedule(job.id, 0, job.last_error, Date.now(), false);
    second.bridge.worker.wake();
    const card = await fake.waitFor(() => fake.messages(CARDS)[0]);
    expect(card.text).toContain('Survive a restart?');
    expect(fake.messages(CARDS)).toHaveLength(1);
  });

  it('marks a job Slack refuses outright as dead: logged, audited, visible in `rodizio outbox`', async () => {
    // The CLI opens the same database by its full location (a Postgres URL with its password, or the file).
    const dbPath = await testDbLocation();
    const t = await startSlackBridge({ config: { dbPath } });
    t.fake.inject('chat.postMessage', { error: 'channel_not_found' });
    const res = await t.call('POST', '/v1/tokens', { body: { reason: 'approval_needed', prompt: 'Nowhere to go' } });
    await t.settle();
    const dead = t.logs.lines.find((l) => l.msg === 'outbox job is dead');
    expect(dead).toMatchObject({ job_kind: 'slack.card', token_id: res.json.id, level: 'error' });
    expect((await t.bridge.purgatory.history(res.json.id)).map((e) => e.type)).toEqual(['ejected', 'outbox_dead']);
    const health = await t.call('GET', '/healthz', { token: null });
    expect(health.json.outbox).toEqual({ dead: 1, pending: 0 });

    const env = { RODIZIO_DB: dbPath };
    const listed = await cli(['outbox', '--status', 'dead'], env);
    expect(listed.stdout).toMatch(/\d+\s+dead\s+slack\.card\s+sem-\w+\s+-\s+1\s+.*Slack refused: channel_not_found/);
    const id = JSON.parse((await cli(['outbox', '--status', 'dead', '--json'], env)).stdout)[0].id;
    expect((await cli(['outbox', 'retry', String(id)], env)).stdout).toBe(`job ${id} will run again\n`);
    t.bridge.worker.wake();
    await t.fake.waitFor(() => t.fake.messages(CARDS)[0]);
    expect((await cli(['outbox', 'retry', String(id)], env)).code).toBe(1);
    expect((await cli(['outbox', 'retry', 'abc'], env)).code).toBe(2);
  });
});
