import { describe, expect, it } from 'vitest';
import { type FeedEvent, RodizioApiError, RodizioClient } from '../../src/index.js';
import { ADMIN_SECRET, RUNNER_SECRET } from '../helpers/bridge.js';
import { cli } from '../helpers/cli.js';
import { CI, startEventBridge } from './helpers.js';

describe('SDK events() and listEvents(), CLI `rodizio events`', () => {
  it('events() resumes from the last id after the server drops the connection', async () => {
    const t = await startEventBridge();
    const client = new RodizioClient({ baseUrl: t.url, token: RUNNER_SECRET });
    const p = t.bridge.purgatory;
    await p.create({ id: 'k-0', reason: 'approval_needed' }, CI);
    const stop = new AbortController();
    const seen: FeedEvent[] = [];
    const reading = (async () => {
      for await (const e of client.events({ since: '0', signal: stop.signal, retryInitialMs: 10 })) {
        seen.push(e);
        if (seen.length === 2) t.bridge.server.closeAllConnections(); // the bridge drops every stream
        if (seen.length === 6) break;
      }
    })();
    for (let i = 1; i < 6; i++) {
      await expect.poll(() => seen.length >= i, { timeout: 5000 }).toBe(true);
      await p.create({ id: `k-${i}`, reason: 'approval_needed' }, CI);
    }
    await reading;
    expect(seen.map((e) => e.token_id)).toEqual(['k-0', 'k-1', 'k-2', 'k-3', 'k-4', 'k-5']);
    const page = await client.listEvents({ since: seen[2]?.id, limit: 2 });
    expect(page.events.map((e) => e.token_id)).toEqual(['k-3', 'k-4']);
    expect(page.has_more).toBe(true);
    await expect(client.listEvents({ since: 'x' })).rejects.toBeInstanceOf(RodizioApiError);
    const bad = new RodizioClient({ baseUrl: t.url, token: 'wrong' });
    await expect(bad.events().next()).rejects.toMatchObject({ status: 401 });
  });

  it('`rodizio events --json` prints a page read from the database; bad options are usage errors', async () => {
    const t = await startEventBridge();
    await t.bridge.purgatory.create({ id: 'cli-e', reason: 'approval_needed' }, CI);
    await t.bridge.purgatory.cancel('cli-e', { actor: 'ci', via: 'api' });
    const env = { RODIZIO_DB: t.bridge.store.location, RODIZIO_SANDBOX: 'false' };
    const out = await cli(['events', '--json'], env);
    expect(out.code).toBe(0);
    const page = JSON.parse(out.stdout);
    expect(page.events.map((e: FeedEvent) => [e.type, e.token_id])).toEqual([
      ['ejected', 'cli-e'],
      ['cancelled', 'cli-e'],
    ]);
    const typed = await cli(['events', '--types', 'cancelled', '--since', '0'], env);
    expect(typed.stdout).toMatch(/cancelled\s+cli-e/);
    expect((await cli(['events', '--since', 'x'], env)).code).toBe(2);
    expect((await cli(['events', '--types', 'Bad'], env)).code).toBe(2);
    expect((await cli(['events', '--limit', '0'], env)).code).toBe(2);

    // --follow streams from the running bridge through the SDK until stopped.
    let stopNow: () => void = () => {};
    const stopSignal = new Promise<void>((r) => (stopNow = r));
    let printed = '';
    const { runCli } = await import('../../src/cli/index.js');
    const following = runCli(['events', '--follow', '--json', '--since', '0'], {
      env: { ...env, RODIZIO_URL: t.url, RODIZIO_ADMIN_TOKEN: ADMIN_SECRET },
      stdout: (s) => {
        printed += s;
      },
      stderr: () => {},
      stopSignal,
    });
    await expect.poll(() => printed.split('\n').filter(Boolean).length, { timeout: 5000 }).toBe(2);
    stopNow();
    expect(await following).toBe(0);
  });
});
