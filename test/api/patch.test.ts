import { describe, expect, it } from 'vitest';
import { RodizioApiError, RodizioClient } from '../../src/client/index.js';
import { ManualClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { openPurgatory } from '../../src/main.js';
import { openStore } from '../../src/store/open.js';
import { ADMIN_SECRET, OTHER_SECRET, PYTHON_TOKEN, RUNNER_SECRET, startTestBridge } from '../helpers/bridge.js';
import { cli } from '../helpers/cli.js';
import { testDbLocation } from '../helpers/engine.js';
import { HOUR, startFollowupBridge, T0 } from '../helpers/followups.js';
import { CARDS, ONCALL, startSlackBridge } from '../helpers/slack.js';
import { storeSnapshot } from '../helpers/store.js';

const iso = (ms: number) => new Date(ms).toISOString().replace('Z', '+00:00');

const BASE = {
  id: 'sem-patch',
  reason: 'sensitive_action',
  prompt: 'Drop the staging DB?',
  options: ['Drop', 'Keep'],
  severity: 'warning',
  escalation: 'team-lead',
  deadline: '2026-01-01T06:00:00+00:00',
  destructive_options: ['Drop'],
};

describe('PATCH /v1/tokens/:id', () => {
  it.each([
    ['deadline', '2026-01-01T09:00:00+00:00'],
    ['deadline', null],
    ['escalation', 'U0ONCALL'],
    ['escalation', null],
    ['severity', 'critical'],
    ['prompt', 'Drop the staging DB tonight?'],
    ['options', ['Drop', 'Keep', 'Ask again tomorrow']],
  ])('changes %s of a pending token (to %j), in the token and the audit log', async (field, value) => {
    const t = await startTestBridge({ clock: new ManualClock('2026-01-01T00:00:00Z') });
    await t.call('POST', '/v1/tokens', { body: BASE });
    const before = (await t.call('GET', '/v1/tokens/sem-patch')).json;
    const res = await t.call('PATCH', '/v1/tokens/sem-patch', { body: { [field]: value } });
    expect(res.status).toBe(200);
    expect(res.json[field]).toEqual(value);
    const read = await t.call('GET', '/v1/tokens/sem-patch');
    expect(read.json).toEqual({ ...before, [field]: value });
    const events = (await t.call('GET', '/v1/tokens/sem-patch/events')).json.events;
    expect(events.map((e: { type: string }) => e.type)).toEqual(['ejected', 'patched']);
    expect(events[1]).toMatchObject({
      actor: 'ci',
      data: { changes: { [field]: { old: before[field], new: value } } },
    });
    const row = await t.bridge.store.tokens.get('sem-patch');
    if (field === 'deadline') expect(row?.deadline_ms).toBe(value === null ? null : Date.parse(value as string));
  });

  it('changes several fields at once; values equal to the stored ones change nothing', async () => {
    const t = await startTestBridge();
    await t.call('POST', '/v1/tokens', { body: BASE });
    const same = await t.call('PATCH', '/v1/tokens/sem-patch', { body: { prompt: BASE.prompt, severity: 'warning' } });
    expect(same.status).toBe(200);
    expect((await t.call('GET', '/v1/tokens/sem-patch/events')).json.events).toHaveLength(1);
    const both = await t.call('PATCH', '/v1/tokens/sem-patch', { body: { prompt: 'New?', severity: 'info' } });
    expect(both.json).toMatchObject({ prompt: 'New?', severity: 'info' });
    const events = (await t.call('GET', '/v1/tokens/sem-patch/events')).json.events;
    expect(Object.keys(events[1].data.changes)).toEqual(['severity', 'prompt']);
  });

  it('lets the admin token patch any runner’s token; another runner gets 403; unknown ids 404', async () => {
    const t = await startTestBridge();
    await t.call('POST', '/v1/tokens', { body: BASE });
    const before = await storeSnapshot(t.bridge.store);
    const other = await t.call('PATCH', '/v1/tokens/sem-patch', { token: OTHER_SECRET, body: { prompt: 'Mine?' } });
    expect(other.status).toBe(403);
    const missing = await t.call('PATCH', '/v1/tokens/sem-nope', { body: { prompt: 'Hm?' } });
    expect(missing.status).toBe(404);
    const anon = await t.call('PATCH', '/v1/tokens/sem-patch', { token: null, body: { prompt: 'Hm?' } });
    expect(anon.status).toBe(401);
    expect(await storeSnapshot(t.bridge.store)).toEqual(before);
    const admin = await t.call('PATCH', '/v1/tokens/sem-patch', { token: ADMIN_SECRET, body: { prompt: 'Admin?' } });
    expect(admin.status).toBe(200);
    expect(admin.json.prompt).toBe('Admin?');
  });

  it('answers 409 with the recorded outcome once the token has left pending', async () => {
    const t = await startTestBridge();
    await t.call('POST', '/v1/tokens', { body: BASE });
    await t.call('POST', '/v1/tokens/sem-patch/resolve', {
      token: ADMIN_SECRET,
      body: { human_input: 'Keep', by: 'U1' },
    });
    const before = await storeSnapshot(t.bridge.store);
    const res = await t.call('PATCH', '/v1/tokens/sem-patch', { body: { deadline: '2026-02-01T00:00:00Z' } });
    expect(res.status).toBe(409);
    expect(res.json.error).toEqual({
      code: 'not_pending',
      message: 'cannot patch token sem-patch: it is already resolved',
    });
    expect(res.json.reentry).toMatchObject({ outcome: 'resolved', human_input: 'Keep' });
    expect(await storeSnapshot(t.bridge.store)).toEqual(before);
  });

  it.each([
    ['an empty object', { body: {} }, '(root)'],
    ['no body at all', {}, '(root)'],
    ['an unknown key', { body: { prompt: 'x', status: 'resolved' } }, '(root)'],
    ['a key only create takes', { body: { frozen_state: '' } }, '(root)'],
    ['a deadline that is not a time', { body: { deadline: 'tomorrow' } }, 'deadline'],
    ['an unknown severity', { body: { severity: 'urgent' } }, 'severity'],
    ['options that are not a list', { body: { options: 'Drop,Keep' } }, 'options'],
    ['repeated options', { body: { options: ['Drop', 'Drop', 'Keep'] } }, 'options'],
    ['options without a destructive option', { body: { options: ['Keep', 'Wait'] } }, 'options'],
    ['a prompt over 20,000 characters', { body: { prompt: 'x'.repeat(20_001) } }, 'prompt'],
  ])('refuses %s with 400 and changes nothing', async (_, request, path) => {
    const t = await startTestBridge();
    await t.call('POST', '/v1/tokens', { body: BASE });
    const before = await storeSnapshot(t.bridge.store);
    const res = await t.call('PATCH', '/v1/tokens/sem-patch', request);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('invalid_request');
    expect(res.json.error.issues.map((i: { path: string }) => i.path)).toContain(path);
    expect(await storeSnapshot(t.bridge.store)).toEqual(before);
  });

  it('refuses options that drop the answer of a resolve:<option> expiry policy', async () => {
    const t = await startTestBridge();
    await t.call('POST', '/v1/tokens', {
      body: { id: 'sem-auto', reason: 'ambiguous_choice', options: ['a', 'b'], expiry_policy: 'resolve:b' },
    });
    const before = await storeSnapshot(t.bridge.store);
    const res = await t.call('PATCH', '/v1/tokens/sem-auto', { body: { options: ['a', 'c'] } });
    expect(res.status).toBe(400);
    expect(res.json.error.issues).toEqual([
      { path: 'options', message: 'the expiry policy "resolve:b" answers "b": keep it among the options' },
    ]);
    expect(await storeSnapshot(t.bridge.store)).toEqual(before);
    expect((await t.call('PATCH', '/v1/tokens/sem-auto', { body: { options: ['b', 'c'] } })).status).toBe(200);
  });

  it('415 for a body that is not JSON, 405 lists PATCH', async () => {
    const t = await startTestBridge();
    await t.call('POST', '/v1/tokens', { body: BASE });
    const res = await t.call('PATCH', '/v1/tokens/sem-patch', {
      rawBody: 'prompt=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(415);
    const put = await t.call('PUT', '/v1/tokens/sem-patch', { body: { prompt: 'x' } });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toContain('PATCH');
  });

  it('re-posting the same id with other content stays 409 and points at PATCH', async () => {
    const t = await startTestBridge();
    await t.call('POST', '/v1/tokens', { body: PYTHON_TOKEN });
    const moved = { ...PYTHON_TOKEN, deadline: '2025-01-02T12:00:00' };
    const res = await t.call('POST', '/v1/tokens', { body: moved });
    expect(res.status).toBe(409);
    expect(res.json.error.message).toContain('PATCH /v1/tokens/sem-restored');
    const patched = await t.call('PATCH', '/v1/tokens/sem-restored', { body: { deadline: moved.deadline } });
    expect(patched.json.deadline).toBe('2025-01-02T12:00:00');
    // The original create is still an idempotent replay: the id's create request has not changed.
    expect((await t.call('POST', '/v1/tokens', { body: PYTHON_TOKEN })).status).toBe(200);
  });

  it('reads a naive deadline with the offset inferred when the token was created', async () => {
    const clock = new ManualClock('2026-11-30T13:11:48Z');
    const t = await startTestBridge({ clock });
    await t.call('POST', '/v1/tokens', {
      body: { ...PYTHON_TOKEN, id: 'sem-ny', created_at: '2026-11-30T08:11:46.696744', deadline: null },
    });
    const res = await t.call('PATCH', '/v1/tokens/sem-ny', { body: { deadline: '2026-11-30T10:00:00.000000' } });
    expect(res.json).toMatchObject({
      deadline: '2026-11-30T10:00:00.000000',
      time_offset: { assumed: '-05:00', from: 'created_at' },
    });
    const row = await t.bridge.store.tokens.get('sem-ny');
    expect(row?.deadline_ms).toBe(Date.UTC(2026, 10, 30, 15));
  });
});

describe('PATCH and the follow-ups', () => {
  it('re-renders the card in Slack', async () => {
    const t = await startSlackBridge();
    const { id, card } = await t.createAndPost({ ...BASE, id: undefined, deadline: null });
    const updatesBefore = t.fake.callsTo('chat.update').length;
    const res = await t.call('PATCH', `/v1/tokens/${id}`, {
      body: { prompt: 'Drop the *old* staging DB?', severity: 'critical', options: ['Drop', 'Keep', 'Snapshot first'] },
    });
    expect(res.status).toBe(200);
    await t.settle();
    expect(t.fake.callsTo('chat.update').length).toBe(updatesBefore + 1);
    const updated = t.fake.message(CARDS, card.ts);
    const blocks = JSON.stringify(updated?.blocks);
    expect(blocks).toContain('old');
    expect(blocks).toContain('Snapshot first');
  });

  it('a later deadline: no escalation at the old time, one at the new time', async () => {
    const t = await startFollowupBridge();
    const { id } = await t.createAndPost({ reason: 'approval_needed', prompt: 'Go?', deadline: iso(T0 + HOUR) });
    await t.at(30 * 60_000);
    expect(t.fake.thread(CARDS, (await t.card(id))?.ts ?? '')).toHaveLength(0);
    const res = await t.call('PATCH', `/v1/tokens/${id}`, { body: { deadline: iso(T0 + 3 * HOUR) } });
    expect(res.status).toBe(200);
    await t.at(HOUR);
    await t.at(HOUR + 60_000);
    expect(t.fake.messages(ONCALL)).toHaveLength(0);
    expect((await t.bridge.purgatory.get(id)).followup.escalated_at).toBeNull();
    await t.at(3 * HOUR);
    expect(t.fake.messages(ONCALL)).toHaveLength(1);
    expect((await t.bridge.purgatory.get(id)).followup.escalated_at).toBe(iso(T0 + 3 * HOUR));
  });

  it('a warning already sent for the old deadline is sent again for the new one', async () => {
    const t = await startFollowupBridge();
    const { id, card } = await t.createAndPost({ reason: 'approval_needed', prompt: 'Go?', deadline: iso(T0 + HOUR) });
    await t.at(50 * 60_000);
    const warnings = () => t.fake.thread(CARDS, card.ts).filter((m) => /deadline/i.test(m.text ?? ''));
    expect(warnings()).toHaveLength(1);
    await t.call('PATCH', `/v1/tokens/${id}`, { body: { deadline: iso(T0 + 2 * HOUR) } });
    await t.at(HOUR);
    expect(warnings()).toHaveLength(1);
    await t.at(HOUR + 50 * 60_000);
    expect(warnings()).toHaveLength(2);
  });

  it('a token already escalated stays escalated when its deadline moves', async () => {
    const t = await startFollowupBridge();
    const { id } = await t.createAndPost({ reason: 'approval_needed', prompt: 'Go?', deadline: iso(T0 + HOUR) });
    await t.at(HOUR);
    expect(t.fake.messages(ONCALL)).toHaveLength(1);
    await t.call('PATCH', `/v1/tokens/${id}`, { body: { deadline: iso(T0 + 3 * HOUR) } });
    await t.at(3 * HOUR);
    expect(t.fake.messages(ONCALL)).toHaveLength(1);
    expect(await t.bridge.purgatory.get(id)).toMatchObject({
      status: 'pending',
      deadline: iso(T0 + 3 * HOUR),
      followup: { escalated_at: iso(T0 + HOUR) },
    });
  });
});

describe('patchToken (SDK)', () => {
  it('changes a token and throws RodizioApiError on 409 and 400', async () => {
    const t = await startTestBridge();
    const client = new RodizioClient({ baseUrl: t.url, token: RUNNER_SECRET });
    await client.createToken({ ...BASE, reason: 'sensitive_action', severity: 'warning' });
    const token = await client.patchToken('sem-patch', { deadline: '2026-03-01T00:00:00Z', escalation: null });
    expect(token).toMatchObject({ deadline: '2026-03-01T00:00:00Z', escalation: null, status: 'pending' });
    const bad = await client.patchToken('sem-patch', {}).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(RodizioApiError);
    expect((bad as RodizioApiError).status).toBe(400);
    await client.cancel('sem-patch');
    const late = await client.patchToken('sem-patch', { prompt: 'x' }).catch((e: unknown) => e);
    expect((late as RodizioApiError).status).toBe(409);
    expect((late as RodizioApiError).code).toBe('not_pending');
  });
});

describe('rodizio patch (CLI)', () => {
  async function seeded(clock: ManualClock) {
    const env = { RODIZIO_DB: await testDbLocation(), LOG_LEVEL: 'silent' };
    const { purgatory, close } = await openPurgatory(loadConfig(env), clock);
    await purgatory.create(BASE, { runner: 'ci', admin: false });
    await purgatory.create({ id: 'sem-done', reason: 'error_recovery' }, { runner: 'ci', admin: false });
    await purgatory.cancel('sem-done', { actor: 'ci', via: 'api' });
    await close();
    return env;
  }
  const read = async (env: { RODIZIO_DB: string }) => {
    const store = await openStore(env.RODIZIO_DB);
    try {
      return { snapshot: await storeSnapshot(store), row: await store.tokens.get('sem-patch') };
    } finally {
      await store.close();
    }
  };

  it('changes the deadline (a duration from now), prompt, severity, escalation and options', async () => {
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    const env = await seeded(clock);
    const out = await cli(
      ['patch', 'sem-patch', '--deadline', '2h', '--prompt', 'Now?', '--severity', 'critical', '--escalation', 'none'],
      env,
      clock,
    );
    expect(out).toMatchObject({ code: 0, stderr: '' });
    expect(out.stdout).toBe('patched sem-patch: deadline, escalation, severity, prompt\n');
    expect((await read(env)).row).toMatchObject({
      deadline: '2026-01-01T02:00:00.000+00:00',
      deadline_ms: Date.UTC(2026, 0, 1, 2),
      prompt: 'Now?',
      severity: 'critical',
      escalation: null,
    });
    const json = await cli(
      ['patch', 'sem-patch', '--options', 'Drop, Keep, Later', '--by', 'alice', '--json'],
      env,
      clock,
    );
    expect(JSON.parse(json.stdout)).toMatchObject({
      changed: true,
      fields: ['options'],
      token: { options: ['Drop', 'Keep', 'Later'] },
    });
    const history = JSON.parse((await cli(['show', 'sem-patch', '--json'], env, clock)).stdout).history;
    expect(history.at(-1)).toMatchObject({ type: 'patched', actor: 'alice' });
  });

  it('refuses usage mistakes (2) and what the API refuses (1), changing nothing', async () => {
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    const env = await seeded(clock);
    const before = (await read(env)).snapshot;
    const none = await cli(['patch', 'sem-patch'], env, clock);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('give at least one of --deadline');
    expect((await cli(['patch', 'sem-patch', '--severity', 'urgent'], env, clock)).code).toBe(2);
    const bad = await cli(['patch', 'sem-patch', '--deadline', 'someday'], env, clock);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('deadline:');
    const destructive = await cli(['patch', 'sem-patch', '--options', 'Keep'], env, clock);
    expect(destructive.code).toBe(1);
    expect(destructive.stderr).toContain('"Drop" is in destructive_options');
    const done = await cli(['patch', 'sem-done', '--prompt', 'x'], env, clock);
    expect(done.code).toBe(1);
    expect(done.stderr).toContain('cannot patch token sem-done: it is already cancelled');
    expect((await cli(['patch', 'sem-nope', '--prompt', 'x'], env, clock)).code).toBe(1);
    expect((await read(env)).snapshot).toEqual(before);
  });
});
