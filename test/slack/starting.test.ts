import { describe, expect, it } from 'vitest';
import { createBridge } from '../../src/main.js';
import { signSlackRequest } from '../../src/sandbox/signing.js';
import { testConfig } from '../helpers/bridge.js';
import { afterTest } from '../helpers/cleanup.js';
import { testDbLocation } from '../helpers/engine.js';
import { captureLogger } from '../helpers/logs.js';
import { SIGNING_SECRET } from '../helpers/slack.js';
import { startHeldBridge } from '../helpers/starting.js';

const signed = (body: string) => ({
  'content-type': 'application/json',
  ...signSlackRequest(SIGNING_SECRET, body),
});

describe('a bridge between opening its port and serving Slack', () => {
  it('answers /healthz 503 "starting" and Slack 503 with Retry-After until start() is done, then serves both', async () => {
    const { url, started, release } = await startHeldBridge();
    const challenge = JSON.stringify({ type: 'url_verification', token: 'x', challenge: 'c-123' });

    // auth.test is held: the bridge is in its window.
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: 'starting', store: { ok: true } });
    const early = await fetch(`${url}/slack/events`, { method: 'POST', headers: signed(challenge), body: challenge });
    expect(early.status).toBe(503);
    expect(early.headers.get('retry-after')).toBe('1');
    expect(await early.json()).toMatchObject({ error: { code: 'unavailable' } });

    release();
    expect(await started).toBe(Number(new URL(url).port));
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
