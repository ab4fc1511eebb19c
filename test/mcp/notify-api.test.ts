import { describe, expect, it } from 'vitest';
import { RodizioApiError, RodizioClient } from '../../src/client/index.js';
import { ADMIN_SECRET, OTHER_SECRET, RUNNER_SECRET, startTestBridge } from '../helpers/bridge.js';
import { CARDS, startSlackBridge } from '../helpers/slack.js';
import { storeSnapshot } from '../helpers/store.js';

describe('POST /v1/notify (notify_human over the API)', () => {
  it('queues a notice (202), posts it through the outbox, and records an audit event', async () => {
    const t = await startSlackBridge({ file: { projects: { web: { channel: 'C0WEB' } } } });
    const client = new RodizioClient({ baseUrl: t.url, token: RUNNER_SECRET });
    expect(await client.notify({ text: 'Deployed v2.3 to staging' })).toEqual({
      queued: true,
      channel: CARDS,
      token_id: null,
    });
    const res = await t.call('POST', '/v1/notify', { body: { text: 'Web is green', project: 'web' } });
    expect(res.status).toBe(202);
    expect(res.json).toEqual({ queued: true, channel: 'C0WEB', token_id: null });
    await t.settle();
    expect(t.fake.messages(CARDS).map((m) => m.text)).toEqual(['Deployed v2.3 to staging']);
    expect(t.fake.messages('C0WEB').map((m) => m.text)).toEqual(['Web is green']);
    // A notice outside any token is a store-level event: the admin's feed shows it.
    const admin = new RodizioClient({ baseUrl: t.url, token: ADMIN_SECRET });
    const { events } = await admin.listEvents({ types: ['notified'] });
    expect(events.map((e) => [e.actor, e.data])).toEqual([
      ['ci', { channel: CARDS, length: 24 }],
      ['ci', { channel: 'C0WEB', length: 12 }],
    ]);
  });

  it.each([
    ['no text', {}, 'text'],
    ['blank text', { text: '   ' }, 'text'],
    ['text too long', { text: 'x'.repeat(4001) }, 'text'],
    ['a channel and a token', { text: 'hi', channel: 'C1', token_id: 'sem-1' }, 'token_id'],
    ['an unknown key', { text: 'hi', chanel: 'C1' }, '(root)'],
  ])('refuses %s with 400 and queues nothing', async (_what, body, path) => {
    const t = await startSlackBridge();
    const before = await storeSnapshot(t.bridge.store);
    const res = await t.call('POST', '/v1/notify', { body });
    expect(res.status).toBe(400);
    expect(res.json.error.issues.map((i: { path: string }) => i.path)).toContain(path);
    expect(await storeSnapshot(t.bridge.store)).toEqual(before);
  });

  it('401 without a runner secret, 404 for an unknown token, 403 for another runner’s, 503 with Slack off', async () => {
    const t = await startSlackBridge();
    expect((await t.call('POST', '/v1/notify', { token: null, body: { text: 'hi' } })).status).toBe(401);
    expect((await t.call('POST', '/v1/notify', { body: { text: 'hi', token_id: 'sem-nope' } })).status).toBe(404);
    const { id } = await t.createAndPost({ reason: 'approval_needed', prompt: 'Go?' });
    const theirs = await t.call('POST', '/v1/notify', { token: OTHER_SECRET, body: { text: 'hi', token_id: id } });
    expect(theirs.status).toBe(403);

    const off = await startTestBridge();
    const client = new RodizioClient({ baseUrl: off.url, token: RUNNER_SECRET });
    const err = await client.notify({ text: 'hi' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RodizioApiError);
    expect(err).toMatchObject({ status: 503, message: expect.stringContaining('Slack is off') });
  });
});
