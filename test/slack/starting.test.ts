import { describe, expect, it, vi } from 'vitest';
import { createBridge, StoppedWhileStartingError } from '../../src/main.js';
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

  it('stop() while start() waits on Slack: both end without Slack answering, the port closes, the database is let go', async () => {
    const { url, db, bridge, fake, started, release } = await startHeldBridge();
    await bridge.stop();
    await expect(started).rejects.toThrow(StoppedWhileStartingError);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    // The same database and port serve a new bridge at once (on SQLite, the runner lock was let go).
    const next = await createBridge({
      config: testConfig({ port: Number(new URL(url).port), dbPath: db }),
      logger: captureLogger().logger,
      schedule: false,
    });
    afterTest(() => next.stop().catch(() => {}));
    await next.start();
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    // Slack's late answer starts nothing: auth.test is the only call the stopped bridge made.
    release();
    await vi.waitUntil(() => fake.calls.length > 0);
    expect(fake.calls.map((c) => c.method)).toEqual(['auth.test']);
    // A second stop, and a start after the stop, change nothing.
    await bridge.stop();
    await expect(bridge.start()).rejects.toThrow(StoppedWhileStartingError);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
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
