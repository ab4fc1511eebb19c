import { describe, expect, it, vi } from 'vitest';
import { sandboxPost, startSandboxBridge } from '../helpers/sandbox.js';
import { storeSnapshot } from '../helpers/store.js';

describe('sandbox mode', () => {
  it('starts against the built-in fake Slack when no credentials are set, and says so on one line', async () => {
    const s = await startSandboxBridge();
    const line = s.logs.lines.find((l) => String(l.msg).startsWith('sandbox: no Slack credentials'));
    expect(line?.msg).toBe(
      `sandbox: no Slack credentials, so rodizio talks to a built-in fake Slack — open ${s.url}/sandbox and run \`npm run demo\`; to connect a real workspace set SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET and SLACK_CHANNEL (README: Slack app setup)`,
    );
    expect(s.fake.callsTo('auth.test')).toHaveLength(1);
    const health = await (await fetch(`${s.url}/healthz`)).json();
    expect(health).toMatchObject({ status: 'ok', slack: { mode: 'http', bot_user_id: 'UBOT' } });
  });

  it('serves the page, and the state of the workspace as a person sees it', async () => {
    const s = await startSandboxBridge();
    const page = await fetch(`${s.url}/sandbox`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect((await fetch(`${s.url}/sandbox/app.js`)).headers.get('content-type')).toContain('text/javascript');
    expect((await fetch(`${s.url}/sandbox/../package.json`)).status).toBe(404);
    expect((await fetch(`${s.url}/sandbox/nope.exe`)).status).toBe(404);

    const created = await fetch(`${s.url}/v1/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'approval_needed', prompt: 'Ship?', options: ['Ship', 'Wait'] }),
    }).then((r) => r.json());
    await vi.waitUntil(() => s.fake.messages('C0AGENTS').length === 1, { timeout: 5000 });
    const state = await (await fetch(`${s.url}/sandbox/api/state?user=U0BOB`)).json();
    expect(state.me).toMatchObject({ id: 'U0BOB', name: 'bob' });
    expect(state.channels).toEqual([
      { id: 'C0AGENTS', name: 'agents' },
      { id: 'C0ONCALL', name: 'oncall' },
    ]);
    expect(state.messages.C0AGENTS[0]).toMatchObject({ text: `🛡️ Approval needed: Ship? (${created.id})`, replies: [] });
    expect(state.connect).toEqual({ apiUrl: s.url, token: s.token, runner: 'demo', note: null });
  });

  it('turns page actions into signed Slack requests to the bridge: a click answers the token', async () => {
    const s = await startSandboxBridge();
    const created = await fetch(`${s.url}/v1/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'approval_needed', prompt: 'Ship?', options: ['Ship', 'Wait'] }),
    }).then((r) => r.json());
    const card = await vi.waitUntil(() => s.fake.messages('C0AGENTS')[0], { timeout: 5000 });
    const click = await sandboxPost(s.url, 'click', {
      source: 'message',
      user: 'U0CAROL',
      channel: 'C0AGENTS',
      ts: card.ts,
      actionId: 'rodizio.option.1',
    });
    expect(click).toEqual({ status: 200, json: { ok: true } });
    expect(await s.bridge.purgatory.get(created.id)).toMatchObject({
      status: 'resolved',
      human_input: 'Wait',
      answered_by: 'U0CAROL',
    });

    const events: string[] = [];
    const stream = await fetch(`${s.url}/sandbox/events`);
    const reader = stream.body?.getReader();
    const read = reader?.read().then(function more(chunk): Promise<void> | void {
      events.push(new TextDecoder().decode(chunk.value));
      if (!events.join('').includes('data: changed')) return reader.read().then(more);
    });
    await sandboxPost(s.url, 'message', { user: 'U0ALICE', channel: 'C0AGENTS', text: 'thanks!', thread_ts: card.ts });
    await read;
    expect(events.join('')).toContain('data: changed');
    await reader?.cancel();
  });

  it('refuses bad page requests with a clear error and changes nothing', async () => {
    const s = await startSandboxBridge();
    const before = await storeSnapshot(s.bridge.store);
    const cases: [string, unknown][] = [
      ['click', { source: 'message', user: 'U0ALICE' }],
      ['click', { source: 'elsewhere', user: 'U0ALICE', actionId: 'x' }],
      ['click', { source: 'message', user: 'alice', channel: 'C0AGENTS', ts: '1.2', actionId: 'x' }],
      ['message', { user: 'U0ALICE', channel: 'C0AGENTS', text: '' }],
      ['command', { user: 'U0ALICE', channel: 'C0AGENTS' }],
      ['submit', { user: 'U0ALICE' }],
      ['explode', {}],
    ];
    for (const [path, body] of cases) {
      const res = await sandboxPost(s.url, path, body);
      expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      expect(res.json.ok).toBe(false);
      expect(typeof res.json.error).toBe('string');
    }
    const missing = await sandboxPost(s.url, 'click', {
      source: 'message',
      user: 'U0ALICE',
      channel: 'C0AGENTS',
      ts: '1.000001',
      actionId: 'x',
    });
    expect(missing.status).toBe(500);
    expect((await fetch(`${s.url}/sandbox/api/state?user=<script>`)).status).toBe(400);
    expect(await storeSnapshot(s.bridge.store)).toEqual(before);
  });

  it('stays off when Slack credentials are set, unless RODIZIO_SANDBOX=1', async () => {
    const { loadConfig } = await import('../../src/config.js');
    expect(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-x', SLACK_SIGNING_SECRET: 's', SLACK_CHANNEL: 'C1' }).sandbox).toBe(
      false,
    );
    expect(
      loadConfig({ SLACK_BOT_TOKEN: 'xoxb-x', SLACK_SIGNING_SECRET: 's', SLACK_CHANNEL: 'C1', RODIZIO_SANDBOX: '1' })
        .sandbox,
    ).toBe(true);
    expect(() => loadConfig({ RODIZIO_SANDBOX: 'yes please' })).toThrow(/RODIZIO_SANDBOX/);
  });
});
