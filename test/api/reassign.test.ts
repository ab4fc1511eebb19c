import { describe, expect, it } from 'vitest';
import { type RodizioApiError, RodizioClient } from '../../src/client/index.js';
import { ManualClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { openPurgatory } from '../../src/main.js';
import { openStore } from '../../src/store/open.js';
import { ADMIN_SECRET, OTHER_SECRET, RUNNER_SECRET, startTestBridge } from '../helpers/bridge.js';
import { cli } from '../helpers/cli.js';
import { testDbLocation } from '../helpers/engine.js';
import { CARDS, startSlackBridge } from '../helpers/slack.js';
import { storeSnapshot } from '../helpers/store.js';

const BASE = { id: 'sem-route', reason: 'approval_needed', prompt: 'Ship it?', options: ['Ship', 'Hold'] };

describe('POST /v1/tokens/:id/reassign', () => {
  it('reassigns to a person: answerers, event, card and thread; the same target again changes nothing', async () => {
    const t = await startSlackBridge();
    const { id, card } = await t.createAndPost({ ...BASE, answerers: { users: ['U0ALICE'] } });
    const res = await t.call('POST', `/v1/tokens/${id}/reassign`, {
      body: { to: { user: 'U0BOB' }, note: 'Bob is on call' },
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ changed: true, token: { answerers: { users: ['U0BOB'], groups: [] } } });
    await t.settle();
    expect(JSON.stringify((await t.card(id))?.blocks)).toContain('↪️ Reassigned to <@U0BOB> by ci');
    expect(t.fake.thread(CARDS, card.ts).map((m) => m.text)).toContainEqual(
      '↪️ Reassigned to <@U0BOB> by ci: “Bob is on call”. <@U0BOB> may answer now.',
    );
    const events = (await t.call('GET', `/v1/tokens/${id}/events`)).json.events;
    expect(events.at(-1)).toMatchObject({
      type: 'reassigned',
      actor: 'ci',
      data: {
        from: { answerers: { users: ['U0ALICE'], groups: [] }, channel: CARDS },
        to: { answerers: { users: ['U0BOB'], groups: [] }, channel: CARDS },
        by: 'ci',
        note: 'Bob is on call',
        via: 'api',
      },
    });
    const before = await storeSnapshot(t.bridge.store);
    const again = await t.call('POST', `/v1/tokens/${id}/reassign`, { body: { to: { user: 'U0BOB' } } });
    expect(again.json).toMatchObject({ changed: false });
    expect(await storeSnapshot(t.bridge.store)).toEqual(before);
  });

  it('refuses bad input (400 with field paths), unknown tokens (404), other runners (403), closed tokens (409)', async () => {
    const t = await startTestBridge();
    await t.call('POST', '/v1/tokens', { body: BASE });
    await t.call('POST', '/v1/tokens', { body: { ...BASE, id: 'sem-closed' } });
    await t.call('POST', '/v1/tokens/sem-closed/cancel', { body: {} });
    const before = await storeSnapshot(t.bridge.store);

    const cases: [unknown, string[]][] = [
      [{}, ['to']],
      [{ to: {} }, ['to']],
      [{ to: { user: 'U0BOB', channel: 'C0OPS' } }, ['to']],
      [{ to: { user: 'bob' } }, ['to.user']],
      [{ to: { group: 'U0BOB' } }, ['to.group']],
      [{ to: { channel: 'D0ALICE' } }, ['to.channel']],
      [{ to: { user: 'U0BOB' }, note: 'x'.repeat(1001) }, ['note']],
      [{ to: { user: 'U0BOB' }, extra: 1 }, ['(root)']],
    ];
    for (const [body, paths] of cases) {
      const res = await t.call('POST', '/v1/tokens/sem-route/reassign', { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.error.code).toBe('invalid_request');
      expect(res.json.error.issues.map((i: { path: string }) => i.path)).toEqual(paths);
    }
    expect((await t.call('POST', '/v1/tokens/sem-nope/reassign', { body: { to: { user: 'U0BOB' } } })).status).toBe(
      404,
    );
    const other = await t.call('POST', '/v1/tokens/sem-route/reassign', {
      token: OTHER_SECRET,
      body: { to: { user: 'U0BOB' } },
    });
    expect(other.status).toBe(403);
    const closed = await t.call('POST', '/v1/tokens/sem-closed/reassign', { body: { to: { user: 'U0BOB' } } });
    expect(closed.status).toBe(409);
    expect(closed.json.error.code).toBe('not_pending');
    expect((await t.call('POST', '/v1/tokens/sem-route/reassign', { token: null, body: {} })).status).toBe(401);
    expect(await storeSnapshot(t.bridge.store)).toEqual(before);

    const admin = await t.call('POST', '/v1/tokens/sem-route/reassign', {
      token: ADMIN_SECRET,
      body: { to: { group: 'S0ONCALL' }, by: 'lead' },
    });
    expect(admin.status).toBe(200);
    expect(admin.json.token.answerers).toEqual({ users: [], groups: ['S0ONCALL'] });
  });

  it('the SDK reassigns and surfaces errors as RodizioApiError', async () => {
    const t = await startTestBridge();
    await t.call('POST', '/v1/tokens', { body: BASE });
    const client = new RodizioClient({ baseUrl: t.url, token: RUNNER_SECRET });
    const done = await client.reassign('sem-route', { to: { channel: 'C0OPS' }, note: 'ops' });
    expect(done).toMatchObject({ changed: true, token: { slack_channel: 'C0OPS' } });
    const bad = await client.reassign('sem-route', { to: {} }).catch((e: unknown) => e);
    expect((bad as RodizioApiError).status).toBe(400);
    await client.cancel('sem-route');
    const late = await client.reassign('sem-route', { to: { user: 'U0BOB' } }).catch((e: unknown) => e);
    expect((late as RodizioApiError).status).toBe(409);
  });
});

describe('rodizio reassign (CLI)', () => {
  async function seeded(clock: ManualClock) {
    const env = { RODIZIO_DB: await testDbLocation(), LOG_LEVEL: 'silent' };
    const { purgatory, close } = await openPurgatory(loadConfig(env), clock);
    await purgatory.create(BASE, { runner: 'ci', admin: false });
    await purgatory.create({ id: 'sem-done', reason: 'error_recovery' }, { runner: 'ci', admin: false });
    await purgatory.cancel('sem-done', { actor: 'ci', via: 'api' });
    await close();
    return env;
  }
  const snapshot = async (env: { RODIZIO_DB: string }) => {
    const store = await openStore(env.RODIZIO_DB);
    try {
      return await storeSnapshot(store);
    } finally {
      await store.close();
    }
  };

  it('reassigns to a group with a note; refuses bad usage and closed tokens without changing anything', async () => {
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    const env = await seeded(clock);
    const before = await snapshot(env);
    expect((await cli(['reassign', 'sem-route'], env, clock)).code).toBe(2);
    expect((await cli(['reassign', 'sem-route', '--user', 'U0BOB', '--group', 'S0ONCALL'], env, clock)).code).toBe(2);
    const bad = await cli(['reassign', 'sem-route', '--user', 'bob'], env, clock);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('to.user: must be a Slack user id');
    const closed = await cli(['reassign', 'sem-done', '--user', 'U0BOB'], env, clock);
    expect(closed.code).toBe(1);
    expect(closed.stderr).toContain('cannot reassign token sem-done: it is already cancelled');
    expect((await cli(['reassign', 'sem-nope', '--user', 'U0BOB'], env, clock)).code).toBe(1);
    expect(await snapshot(env)).toEqual(before);

    const out = await cli(
      ['reassign', 'sem-route', '--group', 'S0ONCALL', '--note', 'on call', '--by', 'alice'],
      env,
      clock,
    );
    expect(out).toMatchObject({ code: 0, stdout: 'reassigned sem-route to S0ONCALL\n', stderr: '' });
    const shown = JSON.parse((await cli(['show', 'sem-route', '--json'], env, clock)).stdout);
    expect(shown.answerers).toEqual({ users: [], groups: ['S0ONCALL'] });
    expect(shown.history.at(-1)).toMatchObject({
      type: 'reassigned',
      actor: 'alice',
      data: { target: { group: 'S0ONCALL' }, note: 'on call', via: 'cli' },
    });
  });
});
