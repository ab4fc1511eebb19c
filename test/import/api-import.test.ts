import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { WIRE_KEYS } from '../../src/domain/token.js';
import type { Store } from '../../src/store/store.js';
import {
  ADMIN_SECRET,
  CI_ALLOW,
  OTHER_SECRET,
  PYTHON_TOKEN,
  RUNNER_SECRET,
  startTestBridge,
} from '../helpers/bridge.js';
import { rawRequest } from '../helpers/hostile.js';
import { startReceiver } from '../helpers/receiver.js';
import { CARDS, startSlackBridge } from '../helpers/slack.js';
import { storeSnapshot } from '../helpers/store.js';
import { MIXED_NOW, mixedFile } from './mixed.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const SAVED_TEXT = fixture('saved-purgatory.json');
const SAVED = JSON.parse(SAVED_TEXT) as { tokens: Record<string, Record<string, unknown>> };
const LIVE = ['sem-06fb5561', 'sem-98194b2b', 'sem-a9241baf'];
const HISTORY = ['sem-962f21bd', 'sem-e441b9c0', 'sem-fe656101'];

const admin = { token: ADMIN_SECRET };
const asJson = { 'content-type': 'application/json' };
const asLines = { 'content-type': 'application/x-ndjson' };

/** Every table but the runner lock, whose heartbeat moves on its own. */
async function snapshot(store: Store) {
  const { runner_locks: _locks, ...rest } = await storeSnapshot(store);
  return rest;
}

const jobKinds = async (store: Store, id: string) =>
  (await store.outbox.list({ tokenId: id, limit: 1000 })).sort((a, b) => a.id - b.id).map((j) => j.kind);

describe('POST /v1/import', () => {
  it('imports the saved file: pending cards posted in Slack, history neither posted nor delivered', async () => {
    const receiver = await startReceiver(RUNNER_SECRET);
    const t = await startSlackBridge({
      clock: new ManualClock('2026-11-30T13:12:00Z'),
      file: { runners: { ci: { allow: CI_ALLOW, delivery: { type: 'webhook', url: receiver.url } } } },
    });
    const res = await t.call('POST', '/v1/import?runner=ci', { ...admin, rawBody: SAVED_TEXT, headers: asJson });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      format: 'saved_purgatory',
      dry_run: false,
      runner: 'ci',
      counts: { read: 6, live: 3, history: 3, skipped: 0, refused: 0 },
      live: LIVE,
      history: [
        { id: 'sem-962f21bd', status: 'resolved' },
        { id: 'sem-e441b9c0', status: 'cancelled' },
        { id: 'sem-fe656101', status: 'expired' },
      ],
    });

    await vi.waitUntil(async () => (await Promise.all(LIVE.map((id) => t.card(id)))).every(Boolean), {
      timeout: 5000,
      interval: 5,
    });
    await t.settle();
    expect(t.fake.messages(CARDS)).toHaveLength(3);
    expect(t.fake.callsTo('chat.postMessage')).toHaveLength(3);
    for (const id of LIVE) expect((await t.card(id))?.text, id).toContain(SAVED.tokens[id]?.prompt as string);
    for (const id of HISTORY) {
      expect((await t.bridge.purgatory.get(id)).slack, id).toBeNull();
      expect(await jobKinds(t.bridge.store, id), id).toEqual([]);
    }

    // The runner's delivery is live: answering an imported pending token delivers its reentry, history never did.
    const resolved = await t.call('POST', '/v1/tokens/sem-06fb5561/resolve', {
      ...admin,
      body: { human_input: 'Approve', by: 'U1' },
    });
    expect(resolved.status).toBe(200);
    await vi.waitUntil(() => receiver.accepted.size === 1, { timeout: 5000, interval: 5 });
    await t.settle();
    expect([...receiver.accepted.keys()]).toEqual(['sem-06fb5561']);

    // History reads back through the API with the 14 keys exactly as sent, and a reentry with no answer.
    for (const id of [...HISTORY, ...LIVE.slice(1)]) {
      const read = await t.call('GET', `/v1/tokens/${id}`);
      expect(read.status, id).toBe(200);
      expect(Object.fromEntries(WIRE_KEYS.map((k) => [k, read.json[k]])), id).toEqual(SAVED.tokens[id]);
    }
    const reentry = await t.call('GET', '/v1/tokens/sem-fe656101/reentry');
    expect(reentry.json).toMatchObject({
      token_id: 'sem-fe656101',
      outcome: 'expired',
      human_input: null,
      answered_at: '2026-11-30T08:20:46.696639',
      frozen_state: SAVED.tokens['sem-fe656101']?.frozen_state,
    });
    const history = await t.call('GET', '/v1/tokens/sem-962f21bd/events');
    expect(history.json.events.map((e: { type: string }) => e.type)).toEqual(['imported']);
  });

  it('reads JSON lines as application/x-ndjson and a JSON array as application/json; dry_run writes nothing', async () => {
    const t = await startTestBridge({ clock: new ManualClock(MIXED_NOW) });
    const before = await snapshot(t.bridge.store);
    const { text } = mixedFile();
    const dry = await t.call('POST', '/v1/import?runner=ci&dry_run=true', {
      ...admin,
      rawBody: text,
      headers: asLines,
    });
    expect(dry.status).toBe(200);
    expect(dry.json).toMatchObject({
      format: 'json_lines',
      dry_run: true,
      counts: { read: 1000, live: 400, history: 400, skipped: 100, refused: 100 },
    });
    expect(await snapshot(t.bridge.store)).toEqual(before);

    const real = await t.call('POST', '/v1/import?runner=ci', { ...admin, rawBody: text, headers: asLines });
    expect(real.json).toEqual({ ...dry.json, dry_run: false });
    expect((await t.bridge.purgatory.list({ limit: 1000 })).tokens).toHaveLength(800);

    const array = await t.call('POST', '/v1/import?runner=other', {
      ...admin,
      body: [
        { ...PYTHON_TOKEN, id: 'sem-array' },
        { ...PYTHON_TOKEN, id: 'sem-mix-0000' },
      ],
    });
    expect(array.json).toMatchObject({
      format: 'json_array',
      runner: 'other',
      live: ['sem-array'],
      skipped: [{ id: 'sem-mix-0000', status: 'pending', reason: 'already stored (pending)' }],
    });
    const other = await t.call('GET', '/v1/tokens/sem-array', { token: OTHER_SECRET });
    expect(other.json.runner).toBe('other');
  });

  it('takes a body above the 1 MiB API limit', async () => {
    const t = await startTestBridge();
    const lines = Array.from({ length: 40 }, (_, i) =>
      JSON.stringify({ ...PYTHON_TOKEN, id: `sem-big-${i}`, prompt: 'x'.repeat(19_000), created_at: null }),
    );
    const body = lines.join('\n');
    expect(Buffer.byteLength(body)).toBeGreaterThan(1024 * 1024 * 0.7);
    const doubled = `${body}\n${lines.map((l) => l.replace('sem-big-', 'sem-big2-')).join('\n')}`;
    expect(Buffer.byteLength(doubled)).toBeGreaterThan(1024 * 1024);
    const res = await t.call('POST', '/v1/import?runner=ci', { ...admin, rawBody: doubled, headers: asLines });
    expect(res.status).toBe(200);
    expect(res.json.counts).toMatchObject({ live: 80, refused: 0 });
  });

  it('refuses bad requests with a clear error and changes nothing', async () => {
    const t = await startTestBridge({
      config: {
        apiTokens: new Map([
          ['ci', RUNNER_SECRET],
          ['other', OTHER_SECRET],
        ]),
      },
    });
    const before = await snapshot(t.bridge.store);
    const post = (path: string, options: Parameters<typeof t.call>[2]) => t.call('POST', path, options);

    const anonymous = await post('/v1/import?runner=ci', { token: null, rawBody: SAVED_TEXT, headers: asJson });
    expect(anonymous.status).toBe(401);
    const runner = await post('/v1/import?runner=ci', { rawBody: SAVED_TEXT, headers: asJson });
    expect(runner.status).toBe(403);
    expect(runner.json.error).toEqual({ code: 'forbidden', message: 'only the admin token may import tokens' });

    const cases: [string, Record<string, string>, string, number, unknown][] = [
      ['?runner=nobody', asJson, SAVED_TEXT, 400, { path: 'runner', message: expect.stringContaining('"nobody"') }],
      ['', asJson, SAVED_TEXT, 400, { path: 'runner', message: expect.stringContaining('configured: "ci", "other"') }],
      ['?runner=ci', { 'content-type': 'text/plain' }, SAVED_TEXT, 415, undefined],
      ['?runner=ci', asJson, 'not json', 400, undefined],
      ['?runner=ci', asJson, '{"id": "a"}', 400, { path: 'tokens', message: 'required in a saved purgatory file' }],
      ['?runner=ci', asJson, '{"tokens": {}, "version": 2}', 400, { path: 'version', message: expect.any(String) }],
      ['?runner=ci', asJson, '', 400, undefined],
      ['?runner=ci&extra=1', asJson, SAVED_TEXT, 400, { path: '(root)', message: expect.any(String) }],
    ];
    for (const [query, headers, rawBody, status, issue] of cases) {
      const res = await post(`/v1/import${query}`, { ...admin, rawBody, headers });
      expect(res.status, `${query} ${rawBody.slice(0, 20)}`).toBe(status);
      expect(res.json.error.message, query).toEqual(expect.any(String));
      if (issue) expect(res.json.error.issues, query).toContainEqual(issue);
    }
    const media = await post('/v1/import?runner=ci', {
      ...admin,
      rawBody: SAVED_TEXT,
      headers: { 'content-type': 'text/csv' },
    });
    expect(media.json.error).toEqual({
      code: 'unsupported_media_type',
      message:
        'expected Content-Type application/json (a saved purgatory file or a JSON array of tokens) or ' +
        'application/x-ndjson (JSON lines), got text/csv',
    });

    // Past 32 MiB: refused from the declared length, before anything is read.
    const { port } = new URL(t.url);
    const status = await rawRequest(
      t.url,
      `POST /v1/import?runner=ci HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${ADMIN_SECRET}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${32 * 1024 * 1024 + 1}\r\n\r\n[`,
    );
    expect(status).toBe('HTTP/1.1 413 Payload Too Large');

    expect(await snapshot(t.bridge.store)).toEqual(before);
    const health = await fetch(`${t.url}/healthz`);
    expect(health.status).toBe(200);
  });
});
