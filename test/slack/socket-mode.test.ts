import { WebClient } from '@slack/web-api';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { createBridge, StoppedWhileStartingError } from '../../src/main.js';
import { createFakeSlack, type FakeSlack } from '../../src/sandbox/fake-slack.js';
import { createSocketDriver, createSocketModeServer } from '../fakes/socket-mode-server.js';
import { testConfig } from '../helpers/bridge.js';
import { afterTest } from '../helpers/cleanup.js';
import { testDbLocation } from '../helpers/engine.js';
import { captureLogger } from '../helpers/logs.js';
import { BOT_TOKEN, buttonFor, CARDS, holdCall, slackConfigFor, startSlackBridge } from '../helpers/slack.js';

const APP_ID = 'A0SANDBOX';
const APP_TOKEN = 'xapp-1-A0SANDBOX-1-0123456789';

/**
 * A fake Slack with a Socket Mode end, and a bridge connected to it with an app-level token (no signing secret).
 * `before` runs on the started fake before the bridge connects, to inject faults.
 */
async function startSocketBridge(before?: (fake: FakeSlack) => void) {
  const { server, fake } = await startSocketFake();
  before?.(fake);
  const t = await startSlackBridge({ fake, slack: { appToken: APP_TOKEN, signingSecret: undefined } });
  return { ...t, server, socket: createSocketDriver({ fake, server }) };
}

/** A fake Slack whose `apps.connections.open` hands out URLs of a fake Socket Mode server; both stopped last. */
async function startSocketFake() {
  const server = createSocketModeServer({ appId: APP_ID });
  await server.start();
  const fake = createFakeSlack({
    botToken: BOT_TOKEN,
    appToken: APP_TOKEN,
    appId: APP_ID,
    socketModeUrl: () => server.issueUrl(),
  });
  await fake.start();
  // Runs after the helpers' afterEach has stopped the bridge, so the app closes its socket before the servers go.
  onTestFinished(async () => {
    await server.stop();
    await fake.stop();
  });
  return { server, fake };
}

describe('Socket Mode against a fake Slack', () => {
  it('connects with the app-level token, reports socket mode, serves no /slack/events, closes cleanly on stop', async () => {
    const t = await startSocketBridge();
    const open = t.fake.callsTo('apps.connections.open');
    expect(open).toHaveLength(1);
    expect(open[0]?.response).toMatchObject({
      ok: true,
      url: expect.stringMatching(/^ws:\/\/127\.0\.0\.1:\d+\/link\//),
    });
    expect([t.server.greeted, t.server.open]).toEqual([1, 1]);

    const health = await t.call('GET', '/healthz', { token: null });
    expect(health.status).toBe(200);
    expect(health.json.slack).toEqual({ mode: 'socket', bot_user_id: t.fake.botUserId });

    const events = await t.call('POST', '/slack/events', {
      token: null,
      rawBody: JSON.stringify({ type: 'url_verification', challenge: 'c' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(events.status).toBe(404);

    await t.bridge.stop();
    await vi.waitUntil(() => t.server.open === 0, { timeout: 5000, interval: 5 });
    expect(t.server.closes).toEqual([{ code: 1000, reason: '' }]);
  });

  it('a button click over the socket is acked, reaches the agent and flips the card', async () => {
    const t = await startSocketBridge();
    const { id, card } = await t.createAndPost({
      reason: 'approval_needed',
      prompt: 'Roll out the new index?',
      options: ['yes', 'no'],
    });
    const poll = t.reentry(id, 5);

    const payload = t.socket.blockActions({
      channel: CARDS,
      ts: card.ts,
      actionId: buttonFor(card, 'no'),
      user: 'U0ALICE',
    });
    const ack = await t.socket.sendInteractive(payload);
    expect(ack).toEqual({ envelope_id: expect.any(String), payload: {} });

    const reentry = await poll;
    expect(reentry.status).toBe(200);
    expect(reentry.json).toMatchObject({
      token_id: id,
      human_input: 'no',
      answered_by: 'U0ALICE',
      via: 'button',
      outcome: 'resolved',
    });
    const flipped = await vi.waitUntil(
      async () => {
        const m = await t.card(id);
        return m?.text?.startsWith('✅') ? m : undefined;
      },
      { timeout: 2000, interval: 5 },
    );
    expect(flipped.text).toBe(`✅ Answered "no": Roll out the new index? (${id})`);
    expect(t.fake.callsTo('chat.update').some((c) => c.args.ts === card.ts && c.response.ok === true)).toBe(true);
  });

  it('a thread reply delivered as events_api resolves a context_required token', async () => {
    const t = await startSocketBridge();
    const { id, card } = await t.createAndPost({ reason: 'context_required', prompt: 'Which region first?' });
    const poll = t.reentry(id, 5);

    const ack = await t.socket.postMessage({ channel: CARDS, user: 'U0BOB', text: 'eu-west-1', thread_ts: card.ts });
    expect(ack.payload).toEqual({});
    expect((await poll).json).toMatchObject({
      token_id: id,
      human_input: 'eu-west-1',
      answered_by: 'U0BOB',
      via: 'thread',
    });
  });

  it('/rodizio list over the socket is acked with an ephemeral reply', async () => {
    const t = await startSocketBridge();
    const { id } = await t.createAndPost({ reason: 'approval_needed', prompt: 'Deploy?', options: ['Deploy', 'Hold'] });

    const ack = await t.socket.slashCommand({ user: 'U0ALICE', channel: CARDS, text: 'list' });
    expect(ack.payload).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining(id) });
    expect((ack.payload as { text: string }).text).toContain('*Waiting for you (1):*');
    const shown = t.fake.ephemerals.find((e) => e.user === 'U0ALICE');
    expect(shown?.text).toBe((ack.payload as { text: string }).text);
  });

  it('survives a 503 from apps.connections.open at start-up', async () => {
    const t = await startSocketBridge((fake) => fake.inject('apps.connections.open', { status: 503 }));
    expect(t.fake.callsTo('apps.connections.open').map((c) => c.status)).toEqual([503, 200]);
    expect(t.server.open).toBe(1);
    const ack = await t.socket.slashCommand({ user: 'U0ALICE', channel: CARDS, text: 'help' });
    expect(ack.payload).toMatchObject({ response_type: 'ephemeral' });
  });

  it('stop() while the socket is still opening: start() rejects at once, and a socket that opens late is closed', async () => {
    const { server, fake } = await startSocketFake();
    const { asked, release } = holdCall(fake, 'apps.connections.open');
    const bridge = await createBridge({
      config: testConfig({
        dbPath: await testDbLocation({ migrated: true }),
        slack: slackConfigFor(fake, { appToken: APP_TOKEN, signingSecret: undefined }),
      }),
      logger: captureLogger().logger,
      schedule: false,
    });
    afterTest(() => bridge.stop().catch(() => {}));
    const started = bridge.start();
    // apps.connections.open asked and held: start() waits for the socket.
    await asked;
    await bridge.stop();
    await expect(started).rejects.toThrow(StoppedWhileStartingError);

    release();
    // The socket opens after the stop, and the stopped bridge closes it again.
    await vi.waitUntil(() => server.greeted === 1 && server.open === 0, { timeout: 20_000, interval: 5 });
    expect(server.closes).toEqual([{ code: 1000, reason: '' }]);
  });

  it('reconnects through a fresh URL after a disconnect message, past a 503, and keeps answering', async () => {
    const t = await startSocketBridge();
    const { id, card } = await t.createAndPost({ reason: 'approval_needed', prompt: 'Go?', options: ['yes', 'no'] });
    t.fake.inject('apps.connections.open', { status: 503 });

    t.server.disconnect('refresh_requested');
    // @slack/socket-mode waits its client ping timeout (5 s) before reconnecting.
    await t.server.waitForGreeted(2, 15_000);
    expect(t.fake.callsTo('apps.connections.open').map((c) => c.status)).toEqual([200, 503, 200]);
    expect(t.server.open).toBe(1);

    await t.socket.clickButton({ channel: CARDS, ts: card.ts, actionId: buttonFor(card, 'yes'), user: 'U0ALICE' });
    expect((await t.reentry(id)).json).toMatchObject({ human_input: 'yes', answered_by: 'U0ALICE' });
  }, 25_000);

  it('the fake takes an app-level token for apps.connections.open only', async () => {
    const fake = createFakeSlack({
      botToken: BOT_TOKEN,
      appToken: APP_TOKEN,
      socketModeUrl: () => 'ws://127.0.0.1:1/',
    });
    await fake.start();
    onTestFinished(() => fake.stop());
    const options = { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } };
    const open = (token: string) =>
      new WebClient(undefined, { ...options, headers: { authorization: `Bearer ${token}` } }).apps.connections.open();
    await expect(open(APP_TOKEN)).resolves.toMatchObject({ ok: true, url: 'ws://127.0.0.1:1/' });
    await expect(open(BOT_TOKEN)).rejects.toMatchObject({ data: { error: 'not_allowed_token_type' } });
    await expect(open('xapp-1-A0SANDBOX-1-wrong')).rejects.toMatchObject({ data: { error: 'invalid_auth' } });
    await expect(new WebClient(APP_TOKEN, options).auth.test()).rejects.toMatchObject({
      data: { error: 'invalid_auth' },
    });
  });
});
