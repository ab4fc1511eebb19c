import { describe, expect, it } from 'vitest';
import { RodizioApiError, RodizioClient, RodizioTimeoutError } from '../../src/client/index.js';
import { createBridge } from '../../src/main.js';
import { ADMIN_SECRET, PYTHON_TOKEN, RUNNER_SECRET, startTestBridge, testConfig } from '../helpers/bridge.js';
import { testDbLocation } from '../helpers/engine.js';
import { captureLogger } from '../helpers/logs.js';

describe('RodizioClient', () => {
  it('ask() creates the token and returns the reentry once an admin answers', async () => {
    const t = await startTestBridge();
    const agent = new RodizioClient({ baseUrl: t.url, token: RUNNER_SECRET });
    const admin = new RodizioClient({ baseUrl: `${t.url}/`, token: ADMIN_SECRET });
    const answer = agent.ask({ ...PYTHON_TOKEN }, { pollSeconds: 5 });
    await expect.poll(() => t.bridge.waiters.count()).toBe(1);
    await admin.resolve('sem-restored', 'A', 'U42');
    const reentry = await answer;
    expect(reentry).toMatchObject({ token_id: 'sem-restored', human_input: 'A', frozen_state: 'dGVzdCBzdGF0ZQ==' });
    expect((await agent.getToken('sem-restored')).status).toBe('resolved');
    expect((await agent.listTokens({ status: 'resolved' })).tokens.map((x) => x.id)).toEqual(['sem-restored']);
  });

  it('surfaces API errors with status, code and field issues', async () => {
    const t = await startTestBridge();
    const agent = new RodizioClient({ baseUrl: t.url, token: RUNNER_SECRET });
    const err = await agent.createToken({ reason: 'nope' as 'approval_needed' }).catch((e) => e);
    expect(err).toBeInstanceOf(RodizioApiError);
    expect(err).toMatchObject({ status: 400, code: 'invalid_request', issues: [{ path: 'reason' }] });
    const wrong = new RodizioClient({ baseUrl: t.url, token: 'bad' });
    await expect(wrong.getToken('x')).rejects.toMatchObject({ status: 401 });
    await expect(agent.waitForReentry('sem-none')).rejects.toMatchObject({ status: 404 });
  });

  it('cancel() returns the cancelled reentry; a 409 carries the recorded answer', async () => {
    const t = await startTestBridge();
    const agent = new RodizioClient({ baseUrl: t.url, token: RUNNER_SECRET });
    await agent.createToken({ ...PYTHON_TOKEN });
    expect((await agent.cancel('sem-restored', 'done already')).reentry.outcome).toBe('cancelled');
    const err = await agent.cancel('sem-restored').catch((e: RodizioApiError) => e);
    expect(err).toMatchObject({ status: 409, code: 'not_pending', body: { reentry: { outcome: 'cancelled' } } });
  });

  it('waitForReentry gives up after its own timeout', async () => {
    const t = await startTestBridge();
    const agent = new RodizioClient({ baseUrl: t.url, token: RUNNER_SECRET });
    await agent.createToken({ ...PYTHON_TOKEN });
    await expect(agent.waitForReentry('sem-restored', { timeoutMs: 300 })).rejects.toBeInstanceOf(RodizioTimeoutError);
  });

  it('waitForReentry rides out a server restart', async () => {
    const config = testConfig({ dbPath: await testDbLocation() });
    const first = await createBridge({ config, logger: captureLogger().logger });
    const port = await first.start();
    const agent = new RodizioClient({ baseUrl: `http://127.0.0.1:${port}`, token: RUNNER_SECRET });
    await agent.createToken({ ...PYTHON_TOKEN });
    const waiting = agent.waitForReentry('sem-restored', { pollSeconds: 2, retryInitialMs: 50, retryMaxMs: 200 });
    await expect.poll(() => first.waiters.count()).toBe(1);
    await first.stop();

    // Down for a moment, then back on the same port and database; an operator answers there.
    await new Promise((r) => setTimeout(r, 300));
    const second = await createBridge({ config: { ...config, port }, logger: captureLogger().logger });
    await second.start();
    try {
      await second.purgatory.resolve('sem-restored', { humanInput: 'B', by: 'U7', via: 'cli' });
      const reentry = await waiting;
      expect(reentry).toMatchObject({ human_input: 'B', answered_by: 'U7' });
    } finally {
      await second.stop();
    }
  });
});
