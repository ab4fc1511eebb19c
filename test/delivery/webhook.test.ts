import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { signRodizioPayload, verifyRodizioSignature } from '../../src/index.js';
import { ADMIN_SECRET, CI_ALLOW, RUNNER_SECRET, startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { cli } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';
import { receiverUrl, startReceiver } from '../helpers/receiver.js';
import { CARDS, startSlackBridge } from '../helpers/slack.js';

const MINUTE = 60_000;

async function resolve(t: TestBridge, id: string, answer = 'yes') {
  const res = await t.call('POST', `/v1/tokens/${id}/resolve`, {
    token: ADMIN_SECRET,
    body: { human_input: answer, by: 'U0ALICE' },
  });
  expect(res.status).toBe(200);
}

/** Moves the clock in steps and runs the outbox jobs due at each step. */
async function runFor(t: TestBridge, clock: ManualClock, ms: number, step = MINUTE) {
  for (let passed = 0; passed < ms; passed += step) {
    clock.advance(step);
    await t.bridge.worker.drain();
  }
}

describe('webhook delivery', () => {
  it('retries a failing receiver with backoff until it accepts: exactly one reentry accepted, signature verified', async () => {
    const clock = new ManualClock();
    const t = await startTestBridge({ clock });
    const receiver = await startReceiver(RUNNER_SECRET, [503, 500, 503]);
    const created = await t.call('POST', '/v1/tokens', {
      body: {
        reason: 'approval_needed',
        prompt: 'Deploy?',
        frozen_state: 'c3RhdGU=',
        delivery: { type: 'webhook', url: receiver.url },
      },
    });
    await resolve(t, created.json.id);
    await t.bridge.worker.drain();
    expect(receiver.received).toHaveLength(1);
    await runFor(t, clock, 10 * MINUTE);
    expect(receiver.received.length).toBe(4);
    expect(receiver.accepted.size).toBe(1);
    expect(receiver.received.every((d) => d.verified)).toBe(true);
    expect(receiver.accepted.get(created.json.id)).toMatchObject({
      token_id: created.json.id,
      human_input: 'yes',
      frozen_state: 'c3RhdGU=',
    });
    // Further runs deliver nothing more: the job is done.
    await runFor(t, clock, 60 * MINUTE, 10 * MINUTE);
    expect(receiver.received).toHaveLength(4);
    const [job] = await t.bridge.purgatory.store.outbox.list({ kind: 'deliver.', limit: 5 });
    expect(job).toMatchObject({ status: 'done', attempts: 4 });
  });

  it('the SDK helper refuses a wrong secret, an old timestamp and a changed body', async () => {
    const receiver = await startReceiver(RUNNER_SECRET);
    const t = await startTestBridge();
    const created = await t.call('POST', '/v1/tokens', {
      body: { reason: 'approval_needed', delivery: { type: 'webhook', url: receiver.url } },
    });
    const arrived = receiver.next();
    await resolve(t, created.json.id);
    const d = await arrived;
    const ok = { secret: RUNNER_SECRET, body: d.body, timestamp: d.timestamp, signature: d.signature };
    expect(verifyRodizioSignature(ok)).toBe(true);
    expect(verifyRodizioSignature({ ...ok, body: Buffer.from(d.body) })).toBe(true);
    expect(verifyRodizioSignature({ ...ok, secret: 'wrong-secret' })).toBe(false);
    expect(verifyRodizioSignature({ ...ok, body: d.body.replace('"yes"', '"no"') })).toBe(false);
    expect(verifyRodizioSignature({ ...ok, now: Number(d.timestamp) * 1000 + 6 * MINUTE })).toBe(false);
    expect(verifyRodizioSignature({ ...ok, signature: undefined })).toBe(false);
    expect(verifyRodizioSignature({ ...ok, timestamp: 'yesterday' })).toBe(false);
    const old = Math.floor(Date.now() / 1000) - 400;
    expect(
      verifyRodizioSignature({
        ...ok,
        timestamp: String(old),
        signature: signRodizioPayload(RUNNER_SECRET, old, d.body),
      }),
    ).toBe(false);
  });

  it('410 means the receiver gave up: delivery stops', async () => {
    const clock = new ManualClock();
    const t = await startTestBridge({ clock });
    const receiver = await startReceiver(RUNNER_SECRET, [410]);
    const created = await t.call('POST', '/v1/tokens', {
      body: { reason: 'approval_needed', delivery: { type: 'webhook', url: receiver.url } },
    });
    await resolve(t, created.json.id);
    await t.bridge.worker.drain();
    await runFor(t, clock, 30 * MINUTE);
    expect(receiver.received).toHaveLength(1);
    expect(
      t.logs.lines.find((l) => l.msg === 'webhook receiver answered 410: it gave up on this reentry'),
    ).toBeDefined();
  });

  it('after about a day of failures the delivery is dead: audited, noted in the thread, listed, and redeliverable', async () => {
    const clock = new ManualClock();
    const t = await startSlackBridge({ clock, file: { runners: { ci: { allow: CI_ALLOW } } } });
    // Nobody listens on this port until the receiver comes up for the redelivery.
    const port = await freePort();
    const created = await t.createAndPost({
      reason: 'approval_needed',
      prompt: 'Go?',
      options: ['go'],
      delivery: { type: 'webhook', url: receiverUrl(port) },
    });
    await t.driver.clickButton({ channel: CARDS, ts: created.card.ts, actionId: 'rodizio.option.0', user: 'U0ALICE' });
    let elapsed = 0;
    while ((await t.bridge.purgatory.store.outbox.count('dead')) === 0 && elapsed < 48 * 60 * MINUTE) {
      await runFor(t, clock, 30 * MINUTE, 30 * MINUTE);
      elapsed += 30 * MINUTE;
    }
    expect(elapsed).toBeGreaterThan(16 * 60 * MINUTE);
    expect(elapsed).toBeLessThanOrEqual(30 * 60 * MINUTE);
    expect((await t.bridge.purgatory.history(created.id)).map((e) => e.type)).toContain('delivery_dead');
    await t.bridge.worker.drain();
    const note = t.fake.thread(CARDS, created.card.ts).at(-1);
    expect(note?.text).toMatch(
      /^⚠️ The answer could not be delivered to the agent \(webhook\): webhook unreachable: .*`rodizio redeliver sem-\w+` tries again\.$/,
    );

    const env = { RODIZIO_DB: t.bridge.store.location };
    const listed = await cli(['deliveries', '--status', 'dead'], env);
    expect(listed.stdout).toMatch(new RegExp(`dead\\s+deliver\\.webhook\\s+${created.id}\\s+-\\s+30`));
    const receiver = await startReceiver(RUNNER_SECRET, [], port);
    expect((await cli(['redeliver', created.id], env)).stdout).toBe(
      `queued a webhook delivery of ${created.id}; a running bridge sends it now\n`,
    );
    await t.bridge.worker.drain();
    expect(receiver.accepted.has(created.id)).toBe(true);
  });

  it('uses the runner default from the config file, and refuses to redeliver a pending token', async () => {
    const receiver = await startReceiver(RUNNER_SECRET);
    const t = await startTestBridge({
      config: {
        file: {
          projects: {},
          runners: { ci: { delivery: { type: 'webhook', url: receiver.url } } },
          escalation_targets: {},
          severity_channels: {},
          rules: [],
        },
      },
    });
    const created = await t.call('POST', '/v1/tokens', { body: { reason: 'approval_needed' } });
    const env = { RODIZIO_DB: t.bridge.store.location, RODIZIO_CONFIG: '' };
    const early = await cli(['redeliver', created.json.id], env);
    expect(early).toMatchObject({ code: 1 });
    expect(early.stderr).toContain('is still pending');
    const arrived = receiver.next();
    await resolve(t, created.json.id);
    expect((await arrived).verified).toBe(true);
    expect((await cli(['redeliver', 'sem-nope'], env)).stderr).toContain('no token with id sem-nope');
    expect((await cli(['redeliver'], env)).code).toBe(2);
  });
});
