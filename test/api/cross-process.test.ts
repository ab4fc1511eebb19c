import { describe, expect, it } from 'vitest';
import { ADMIN_SECRET, PYTHON_TOKEN, RUNNER_SECRET, startTestBridge } from '../helpers/bridge.js';
import { spawnCli } from '../helpers/cli.js';

describe('another process resolving through the CLI', () => {
  it('wakes an HTTP long-poll in the server within 1 s of its commit', async () => {
    const t = await startTestBridge();
    await t.call('POST', '/v1/tokens', { body: PYTHON_TOKEN });
    const poll = (async () => {
      const res = await fetch(`${t.url}/v1/tokens/sem-restored/reentry?wait=30`, {
        headers: { authorization: `Bearer ${RUNNER_SECRET}` },
      });
      return { status: res.status, body: await res.json(), at: Date.now() };
    })();
    await expect.poll(() => t.bridge.waiters.count()).toBe(1);

    const out = await spawnCli(['resolve', 'sem-restored', '--input', 'B', '--by', 'carol'], {
      RODIZIO_DB: t.bridge.store.location,
      LOG_LEVEL: 'silent',
    });
    const committed = Date.now();
    expect(out.stderr).toBe('');
    expect(out).toMatchObject({ code: 0, stdout: 'resolved sem-restored with B\n' });

    const res = await poll;
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ token_id: 'sem-restored', human_input: 'B', answered_by: 'carol', via: 'cli' });
    expect(res.at - committed).toBeLessThan(1000);
    // The server's own view agrees, and a second answer through the API is refused with the recorded one.
    const again = await t.call('POST', '/v1/tokens/sem-restored/resolve', {
      token: ADMIN_SECRET,
      body: { human_input: 'A', by: 'U1' },
    });
    expect(again.status).toBe(409);
    expect(again.json.reentry.human_input).toBe('B');
  });
});
