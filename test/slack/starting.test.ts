import { describe, expect, it, vi } from 'vitest';
import { createBridge } from '../../src/main.js';
import { signSlackRequest } from '../../src/sandbox/signing.js';
import { testConfig } from '../helpers/bridge.js';
import { afterTest } from '../helpers/cleanup.js';
import { testDbLocation } from '../helpers/engine.js';
import { captureLogger } from '../helpers/logs.js';
import { freePort } from '../helpers/ports.js';
import { BOT_TOKEN, CARDS, SIGNING_SECRET, startFakeSlack } from '../helpers/slack.js';

const signed = (body: string) => ({
  'content-type': 'application/json',
  ...signSlackRequest(SIGNING_SECRET, body),
});

describe('a bridge between opening its port and serving Slack', () => {
  it('answers /healthz 503 "starting" and Slack 503 with Retry-After until start() is done, then serves both', async () => {
    const fake = await startFakeSlack();
    // auth.test is the first thing start() asks Slack; holding it holds the bridge in its starting window.
    let release = () => {};
    fake.inject('auth.test', { until: new Promise<void>((resolve) => (release = resolve)) });
    const port = await freePort();
    const bridge = await createBridge({
      config: testConfig({
        port,
        dbPath: await testDbLocation({ migrated: true }),
        slack: {
          botToken: BOT_TOKEN,
          signingSecret: SIGNING_SECRET,
          appToken: undefined,
          apiUrl: fake.apiUrl,
          channel: CARDS,
          escalationChannel: CARDS,
          postIntervalMs: 0,
        },
      }),
      logger: captureLogger().logger,
      schedule: false,
    });
    afterTest(() => bridge.stop().catch(() => {}));
    const started = bridge.start();
    const url = `http://127.0.0.1:${port}`;
    const challenge = JSON.stringify({ type: 'url_verification', token: 'x', challenge: 'c-123' });

    // The port opens before start() asks Slack anything, and auth.test is held: the first answer is in the window.
    const health = await vi.waitUntil(() => fetch(`${url}/healthz`).catch(() => undefined), { timeout: 10_000 });
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: 'starting', store: { ok: true } });
    const early = await fetch(`${url}/slack/events`, { method: 'POST', headers: signed(challenge), body: challenge });
    expect(early.status).toBe(503);
    expect(early.headers.get('retry-after')).toBe('1');
    expect(await early.json()).toMatchObject({ error: { code: 'unavailable' } });

    release();
    expect(await started).toBe(port);
    const ready = await fetch(`${url}/healthz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ok', slack: { mode: 'http' } });
    const served = await fetch(`${url}/slack/events`, { method: 'POST', headers: signed(challenge), body: challenge });
    expect(served.status).toBe(200);
    expect(await served.json()).toEqual({ challenge: 'c-123' });
  });

  it('with Slack off, /slack/events is a 404 once started', async () => {
    const bridge = await createBridge({
      config: testConfig({ dbPath: await testDbLocation({ migrated: true }) }),
      logger: captureLogger().logger,
      schedule: false,
    });
    afterTest(() => bridge.stop().catch(() => {}));
    const port = await bridge.start();
    const res = await fetch(`http://127.0.0.1:${port}/slack/events`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  });
});
