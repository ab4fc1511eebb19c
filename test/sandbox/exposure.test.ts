import { describe, expect, it } from 'vitest';
import { RUNNER_SECRET } from '../helpers/bridge.js';
import { startChildBridge } from '../helpers/child-bridge.js';
import { spawnCli } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';
import { tempDbPath } from '../helpers/temp.js';

describe('the sandbox and the network', () => {
  it('refuses a non-loopback HOST when the sandbox is on only because Slack credentials are missing', async () => {
    const res = await spawnCli(['serve'], {
      HOST: '0.0.0.0',
      PORT: String(await freePort()),
      RODIZIO_DB: tempDbPath(),
      RODIZIO_API_TOKENS: `ci:${RUNNER_SECRET}`,
    });
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    const lines = res.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^rodizio: HOST=0\.0\.0\.0 is not a loopback address.*set HOST=127\.0\.0\.1, or RODIZIO_SANDBOX=1/,
    );
  });

  it('with RODIZIO_SANDBOX=1 it listens there, warns in one line, and the page never shows an operator runner secret', async () => {
    const bridge = await startChildBridge({
      HOST: '0.0.0.0',
      PORT: String(await freePort()),
      RODIZIO_DB: tempDbPath(),
      RODIZIO_SANDBOX: '1',
      RODIZIO_API_TOKENS: `ci:${RUNNER_SECRET}`,
      RODIZIO_PHASE_WATCH: 'false',
    });
    const body = await (await fetch(`${bridge.url}/sandbox/api/state`)).text();
    expect(body).not.toContain(RUNNER_SECRET);
    const state = JSON.parse(body) as { connect: Record<string, unknown> };
    expect(state.connect).toMatchObject({ token: null, runner: null });
    expect(state.connect.note).toMatch(/RODIZIO_API_TOKENS is set, so the page shows no secret/);
    // Not a terminal: one JSON object a line, for log collectors.
    const logs = bridge.output
      .join('')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { level: string; msg: string });
    expect(logs.filter((l) => l.msg.includes('because RODIZIO_SANDBOX=1'))).toEqual([
      expect.objectContaining({ level: 'warn' }),
    ]);
  });
});
