import type { Server } from 'node:http';
import { App } from '@slack/bolt';
import { afterEach, describe, expect, it } from 'vitest';
import { createRouter } from '../../src/api/router.js';
import { createRequestListener, createServer, listen } from '../../src/api/server.js';
import { signSlackRequest } from '../../src/sandbox/signing.js';
import { createSlackMount, createSlackReceiver } from '../../src/slack/http-mount.js';
import { expectStillServing, nested, postRepeatedly } from '../helpers/hostile.js';
import { captureLogger } from '../helpers/logs.js';
import { CARDS, SIGNING_SECRET, startSlackBridge } from '../helpers/slack.js';
import { storeSnapshot } from '../helpers/store.js';

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';
const now = () => Math.floor(Date.now() / 1000);
const form = (payload: unknown) => new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
const team = { id: 'T0SANDBOX', domain: 'sandbox' };
const user = { id: 'U0ALICE', username: 'alice', name: 'alice', team_id: 'T0SANDBOX' };

/** A block_actions payload for option 0 of token `id`'s card, with `overrides` applied. */
const click = (id: string, ts: string, overrides: Record<string, unknown> = {}) => ({
  type: 'block_actions',
  team,
  user,
  api_app_id: 'A0RODIZIO',
  token: 'sandboxVerificationToken0',
  container: { type: 'message', message_ts: ts, channel_id: CARDS, is_ephemeral: false },
  trigger_id: '1.2.3',
  channel: { id: CARDS, name: 'agents' },
  message: { ts, type: 'message', text: 'card' },
  response_url: 'http://127.0.0.1:9/response',
  actions: [
    {
      action_id: 'rodizio.option.0',
      block_id: 'rodizio.options',
      type: 'button',
      value: `${id}|0`,
      text: { type: 'plain_text', text: 'yes' },
      action_ts: `${now()}.000100`,
    },
  ],
  ...overrides,
});

const eventCallback = (event: unknown) => ({
  token: 'sandboxVerificationToken0',
  team_id: 'T0SANDBOX',
  api_app_id: 'A0RODIZIO',
  event,
  type: 'event_callback',
  event_id: 'Ev0HOSTILE',
  event_time: now(),
});

interface Case {
  name: string;
  body: (id: string, ts: string) => string;
  type: string;
  timestampSec?: number;
  badSignature?: boolean;
  status: number;
  code: string;
  message?: RegExp;
}

const cases: Case[] = [
  { name: 'a JSON null body', body: () => 'null', type: JSON_TYPE, status: 400, code: 'invalid_request' },
  { name: 'a form with payload=null', body: () => 'payload=null', type: FORM, status: 400, code: 'invalid_request' },
  { name: 'a JSON array body', body: () => '[]', type: JSON_TYPE, status: 400, code: 'invalid_request' },
  { name: 'a JSON string body', body: () => '"hello"', type: JSON_TYPE, status: 400, code: 'invalid_request' },
  { name: 'malformed JSON', body: () => '{"type":', type: JSON_TYPE, status: 400, code: 'invalid_request' },
  {
    name: 'a click with user: null',
    body: (id, ts) => form(click(id, ts, { user: null })),
    type: FORM,
    status: 400,
    code: 'invalid_request',
    message: /malformed/,
  },
  {
    name: 'a click with no user and team: null',
    body: (id, ts) => form(click(id, ts, { user: undefined, team: null })),
    type: FORM,
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'a click whose actions is a number',
    body: (id, ts) => form(click(id, ts, { actions: 5 })),
    type: FORM,
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'a click whose channel is null',
    body: (id, ts) => form(click(id, ts, { channel: null })),
    type: FORM,
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'app_home_opened with user: null',
    body: () => JSON.stringify(eventCallback({ type: 'app_home_opened', user: null, channel: 'D0ALICE', tab: 'home' })),
    type: JSON_TYPE,
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'an event_callback whose event is null',
    body: () => JSON.stringify(eventCallback(null)),
    type: JSON_TYPE,
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'a message event whose channel is a number',
    body: () => JSON.stringify(eventCallback({ type: 'message', user: 'U0ALICE', channel: 5, text: 'hi', ts: '1.2' })),
    type: JSON_TYPE,
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'a bare {"type":"shortcut"}',
    body: () => form({ type: 'shortcut' }),
    type: FORM,
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'a view_submission with user: null',
    body: () => form({ type: 'view_submission', team, user: null, view: { id: 'V1', callback_id: 'x' } }),
    type: FORM,
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'a view_submission with view: null',
    body: () => form({ type: 'view_submission', team, user, view: null }),
    type: FORM,
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'an empty object (no kind Slack sends)',
    body: () => '{}',
    type: JSON_TYPE,
    status: 400,
    code: 'invalid_request',
    message: /not a kind of Slack request/,
  },
  {
    name: 'a slash command sent twice in one form',
    body: () => 'command=%2Frodizio&command=%2Frodizio&user_id=U0ALICE&channel_id=C0CARDS&text=list',
    type: FORM,
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'a payload nested 2,000 levels deep',
    body: (id, ts) => `payload=${encodeURIComponent(JSON.stringify(click(id, ts)).replace('"yes"', nested(2000)))}`,
    type: FORM,
    status: 400,
    code: 'invalid_request',
    message: /the limit is 64/,
  },
  {
    name: 'a JSON body nested 100,000 levels deep',
    body: () => `{"event":${nested(100_000, 'object')}}`,
    type: JSON_TYPE,
    status: 400,
    code: 'invalid_request',
    message: /more than 64 levels deep/,
  },
  {
    name: 'a correct signature dated 10 minutes in the future',
    body: (id, ts) => form(click(id, ts)),
    type: FORM,
    timestampSec: now() + 600,
    status: 401,
    code: 'invalid_signature',
    message: /in the future/,
  },
  {
    name: 'a correct signature dated 10 minutes ago',
    body: (id, ts) => form(click(id, ts)),
    type: FORM,
    timestampSec: now() - 600,
    status: 401,
    code: 'invalid_signature',
    message: /old/,
  },
  {
    name: 'a signature made with another secret',
    body: (id, ts) => form(click(id, ts)),
    type: FORM,
    badSignature: true,
    status: 401,
    code: 'invalid_signature',
  },
  {
    name: 'a null body with a bad signature (the signature is checked first)',
    body: () => 'null',
    type: JSON_TYPE,
    badSignature: true,
    status: 401,
    code: 'invalid_signature',
  },
];

describe('POST /slack/events given hostile requests with valid signatures', () => {
  for (const c of cases) {
    it(`${c.name}: ${c.status} ${c.code}, nothing changes, the bridge keeps serving`, async () => {
      const t = await startSlackBridge();
      const { id, card } = await t.createAndPost({ reason: 'approval_needed', prompt: 'Go?', options: ['yes'] });
      await t.bridge.slack?.idle();
      const before = await storeSnapshot(t.bridge.store);
      const res = await t.driver.send(
        c.body(id, card.ts),
        c.type,
        {},
        {
          timestampSec: c.timestampSec,
          badSignature: c.badSignature,
        },
      );
      expect(res.status).toBe(c.status);
      expect(res.json).toMatchObject({ error: { code: c.code, message: expect.stringMatching(c.message ?? /\S/) } });
      await t.bridge.slack?.idle();
      expect(await storeSnapshot(t.bridge.store)).toEqual(before);
      expect((await t.bridge.purgatory.get(id)).status).toBe('pending');
      expect(t.logs.lines.filter((l) => l.level === 'error')).toEqual([]);
      await expectStillServing(t.url);
    });
  }

  it('a request without signature headers is a 401', async () => {
    const t = await startSlackBridge();
    const res = await fetch(`${t.url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': JSON_TYPE },
      body: '{}',
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: 'invalid_signature' } });
    await expectStillServing(t.url);
  });

  it('a signed 2 MiB body: 20 of 20 fetches read the 413, none sees a connection error', async () => {
    const t = await startSlackBridge();
    const before = await storeSnapshot(t.bridge.store);
    const body = form({ type: 'block_actions', padding: 'x'.repeat(2 * 1024 * 1024) });
    const out = await postRepeatedly(
      `${t.url}/slack/events`,
      body,
      { 'content-type': FORM, ...signSlackRequest(SIGNING_SECRET, body) },
      20,
    );
    expect(out.errors).toEqual([]);
    expect(out.statuses).toEqual(Array(20).fill(413));
    expect(out.bodies[0]).toMatchObject({ error: { code: 'payload_too_large' } });
    expect(await storeSnapshot(t.bridge.store)).toEqual(before);
    await expectStillServing(t.url);
  });

  it('other paths and methods under /slack get 404 and 405 in JSON', async () => {
    const t = await startSlackBridge();
    const get = await fetch(`${t.url}/slack/events`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect(await get.json()).toMatchObject({ error: { code: 'method_not_allowed' } });
    const other = await fetch(`${t.url}/slack/install`, { method: 'POST', body: 'x' });
    expect(other.status).toBe(404);
    expect(await other.json()).toMatchObject({ error: { code: 'not_found' } });
    await expectStillServing(t.url);
  });

  it("still answers Slack's URL verification and SSL check", async () => {
    const t = await startSlackBridge();
    const verify = await t.driver.send(JSON.stringify({ type: 'url_verification', challenge: 'c4ll' }), JSON_TYPE);
    expect(verify.status).toBe(200);
    expect(verify.json).toEqual({ challenge: 'c4ll' });
    const ssl = await fetch(`${t.url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: 'ssl_check=1&token=x',
    });
    expect(ssl.status).toBe(200);
  });
});

describe('Bolt errors that escape every listener', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await new Promise((resolve) => s.close(resolve));
  });

  it('are a logged 500 with a JSON body, and the process keeps serving', async () => {
    const logs = captureLogger();
    const receiver = createSlackReceiver({ signingSecret: SIGNING_SECRET, logger: logs.logger });
    const app = new App({ token: 'xoxb-test', botId: 'B0BOT', botUserId: 'U0BOT', receiver });
    app.action('boom', async () => {
      throw new Error('listener exploded');
    });
    // An error handler that rethrows makes Bolt's processEvent reject: the receiver's last line of defence.
    app.error(async (err) => {
      throw err;
    });
    const router = createRouter().add('GET', '/healthz', () => ({ status: 200, body: { status: 'ok' } }));
    const mount = createSlackMount({ receiver, signingSecret: SIGNING_SECRET });
    const server = createServer(createRequestListener({ router, logger: logs.logger, mounts: [mount] }));
    servers.push(server);
    const url = `http://127.0.0.1:${await listen(server, 0, '127.0.0.1')}`;
    const body = form(click('sem-x', '1.2', { actions: [{ action_id: 'boom', block_id: 'b', type: 'button' }] }));
    const res = await fetch(`${url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': FORM, ...signSlackRequest(SIGNING_SECRET, body) },
      body,
    });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: { code: 'internal', message: 'internal error' } });
    expect(logs.lines.some((l) => l.level === 'error' && l.msg === 'Bolt failed to process a Slack request')).toBe(
      true,
    );
    await expectStillServing(url);
  });
});
