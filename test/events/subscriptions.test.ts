import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { FileConfig } from '../../src/config.js';
import { verifyRodizioSignature } from '../../src/index.js';
import { ADMIN_SECRET, CI_ALLOW, OTHER_SECRET, RUNNER_SECRET } from '../helpers/bridge.js';
import { startReceiver } from '../helpers/receiver.js';
import { storeSnapshot } from '../helpers/store.js';
import { CI, OTHER, startEventBridge } from './helpers.js';

const MINUTE = 60_000;

describe('event subscriptions', () => {
  it('delivers every subscribed event through a failing-then-recovering receiver, signed, nothing else', async () => {
    const clock = new ManualClock();
    const t = await startEventBridge({ clock });
    const receiver = await startReceiver(RUNNER_SECRET, [503, 503, 503]);
    const created = await t.call('POST', '/v1/subscriptions', {
      body: { url: receiver.url, types: ['ejected', 'resolved'] },
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      runner: 'ci',
      url: receiver.url,
      types: ['ejected', 'resolved'],
      source: 'api',
    });
    expect(created.headers.get('location')).toBe(`/v1/subscriptions/${created.json.id}`);
    const p = t.bridge.purgatory;
    for (let i = 0; i < 4; i++) await p.create({ id: `s-${i}`, reason: 'approval_needed' }, CI);
    await p.create({ id: 's-other', reason: 'approval_needed' }, OTHER);
    await p.resolve('s-0', { humanInput: 'yes', by: 'U1', via: 'api' });
    await p.resolve('s-1', { humanInput: 'no', by: 'U1', via: 'api' });
    await p.cancel('s-2', { actor: 'ci', via: 'api' });
    await p.addNote('s-3', { author: 'U1', authorName: null, text: 'hi' });
    // Enqueued in the same transaction as each event: the jobs are there before any delivery ran.
    expect(await p.store.outbox.list({ kind: 'deliver.event', limit: 100 })).toHaveLength(6);

    for (let passed = 0; passed < 30 * MINUTE; passed += MINUTE) {
      clock.advance(MINUTE);
      await t.bridge.worker.drain();
    }
    const bodies = receiver.received.map((d) => ({ ...d, json: JSON.parse(d.body) }));
    expect(receiver.received.length).toBeGreaterThanOrEqual(9); // 3 refused + 6 accepted (retries may repeat)
    expect(bodies.every((d) => d.verified)).toBe(true);
    const accepted = new Map(bodies.slice(3).map((d) => [d.json.id, d.json]));
    expect([...accepted.values()].map((e) => [e.type, e.token_id]).sort()).toEqual(
      [
        ['ejected', 's-0'],
        ['ejected', 's-1'],
        ['ejected', 's-2'],
        ['ejected', 's-3'],
        ['resolved', 's-0'],
        ['resolved', 's-1'],
      ].sort(),
    );
    const first = bodies.find((d) => d.json.type === 'resolved');
    expect(first?.json).toMatchObject({
      subscription_id: created.json.id,
      runner: 'ci',
      data: { human_input: expect.any(String) },
    });
    // The id header matches the body: receivers dedupe on it.
    const raw = await fetch(`${t.url}/v1/events?types=resolved`, {
      headers: { authorization: `Bearer ${RUNNER_SECRET}` },
    });
    const page = (await raw.json()) as { events: { id: string }[] };
    expect(page.events.map((e) => e.id).sort()).toEqual(
      bodies
        .filter((d) => d.json.type === 'resolved')
        .map((d) => d.json.id)
        .filter((v, i, a) => a.indexOf(v) === i)
        .sort(),
    );
    expect(
      verifyRodizioSignature({
        secret: OTHER_SECRET,
        body: bodies[0]?.body ?? '',
        timestamp: bodies[0]?.timestamp,
        signature: bodies[0]?.signature,
      }),
    ).toBe(false);
    expect(await p.store.outbox.list({ kind: 'deliver.event', status: 'pending', limit: 10 })).toEqual([]);

    // Unsubscribed: later events are not delivered (and queued ones are skipped).
    expect((await t.call('DELETE', `/v1/subscriptions/${created.json.id}`)).status).toBe(204);
    const before = receiver.received.length;
    await p.resolve('s-3', { humanInput: 'late', by: 'U1', via: 'api' });
    clock.advance(MINUTE);
    await t.bridge.worker.drain();
    expect(receiver.received.length).toBe(before);
  });

  it('refuses a private address without an allow rule (400, nothing stored); lists and deletes only its own', async () => {
    const t = await startEventBridge();
    const receiver = await startReceiver(OTHER_SECRET);
    const before = await storeSnapshot(t.bridge.store);
    const refused = await t.call('POST', '/v1/subscriptions', { token: OTHER_SECRET, body: { url: receiver.url } });
    expect(refused.status).toBe(400);
    expect(refused.json.error.issues).toEqual([
      { path: 'url', message: expect.stringMatching(/not a public address/) },
    ]);
    const bad: unknown[] = [
      {},
      { url: 'ftp://example.com/x' },
      { url: 'not a url' },
      { url: 'https://example.com/h', types: [] },
      { url: 'https://example.com/h', types: ['Bad Type'] },
      { url: 'https://example.com/h', extra: 1 },
      { url: 'https://example.com/h', project: '' },
      [],
      null,
    ];
    for (const body of bad) {
      const res = await t.call('POST', '/v1/subscriptions', { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect(
      (
        await t.call('POST', '/v1/subscriptions', {
          rawBody: '{"url":',
          headers: { 'content-type': 'application/json' },
        })
      ).status,
    ).toBe(400);
    expect(
      (await t.call('POST', '/v1/subscriptions', { rawBody: 'url=x', headers: { 'content-type': 'text/plain' } }))
        .status,
    ).toBe(415);
    expect(
      (await t.call('POST', '/v1/subscriptions', { token: null, body: { url: 'https://example.com/h' } })).status,
    ).toBe(401);
    expect(
      (await t.call('POST', '/v1/subscriptions', { token: ADMIN_SECRET, body: { url: 'https://example.com/h' } }))
        .status,
    ).toBe(403);
    expect((await t.call('DELETE', '/v1/subscriptions/sub-nope')).status).toBe(404);
    expect(await storeSnapshot(t.bridge.store)).toEqual(before);

    const mine = await t.call('POST', '/v1/subscriptions', { body: { url: receiver.url, project: 'web' } });
    expect(mine.status).toBe(201);
    expect((await t.call('GET', '/v1/subscriptions', { token: OTHER_SECRET })).json.subscriptions).toEqual([]);
    expect((await t.call('DELETE', `/v1/subscriptions/${mine.json.id}`, { token: OTHER_SECRET })).status).toBe(404);
    expect((await t.call('GET', '/v1/subscriptions', { token: ADMIN_SECRET })).json.subscriptions).toHaveLength(1);
    expect((await t.call('GET', '/v1/subscriptions')).json.subscriptions).toEqual([mine.json]);
  });

  it('config-file subscriptions are listed, delivered and cannot be deleted through the API', async () => {
    const receiver = await startReceiver(RUNNER_SECRET);
    const t = await startEventBridge({
      config: {
        file: FileConfig.parse({
          runners: { ci: { allow: CI_ALLOW, subscriptions: [{ url: receiver.url, types: ['cancelled'] }] } },
        }),
      },
    });
    const list = await t.call('GET', '/v1/subscriptions');
    expect(list.json.subscriptions).toEqual([
      {
        id: 'cfg-ci-1',
        runner: 'ci',
        url: receiver.url,
        types: ['cancelled'],
        project: null,
        created_at: null,
        source: 'config',
      },
    ]);
    expect((await t.call('DELETE', '/v1/subscriptions/cfg-ci-1')).status).toBe(403);
    const arrived = receiver.next();
    await t.bridge.purgatory.create({ id: 'c-1', reason: 'approval_needed' }, CI);
    await t.bridge.purgatory.cancel('c-1', { actor: 'ci', via: 'api', reason: 'done' });
    const d = await arrived;
    expect(d.verified).toBe(true);
    expect(JSON.parse(d.body)).toMatchObject({
      type: 'cancelled',
      token_id: 'c-1',
      subscription_id: 'cfg-ci-1',
      data: { reason: 'done' },
    });
    expect(() => FileConfig.parse({ runners: { ci: { subscriptions: [{ url: 'file:///etc/passwd' }] } } })).toThrow(
      /http/,
    );
  });
});
