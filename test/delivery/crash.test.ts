import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { ADMIN_SECRET, CI_ALLOW, RUNNER_SECRET } from '../helpers/bridge.js';
import { startChildBridge } from '../helpers/child-bridge.js';
import { freePort } from '../helpers/ports.js';
import { startReceiver } from '../helpers/receiver.js';
import { tempDbPath, tempDir } from '../helpers/temp.js';

describe('crash safety', () => {
  it('SIGKILL after the answer is committed but before delivery succeeds: after a restart the reentry arrives, once', async () => {
    const receiver = await startReceiver(RUNNER_SECRET, ['hang']);
    const configFile = join(tempDir(), 'rodizio.json');
    writeFileSync(configFile, JSON.stringify({ runners: { ci: { allow: CI_ALLOW } } }));
    const env = {
      RODIZIO_CONFIG: configFile,
      PORT: String(await freePort()),
      RODIZIO_DB: tempDbPath(),
      RODIZIO_API_TOKENS: `ci:${RUNNER_SECRET}`,
      RODIZIO_ADMIN_TOKEN: ADMIN_SECRET,
      RODIZIO_PHASE_WATCH: 'false',
      LOG_LEVEL: 'warn',
    };
    const first = await startChildBridge(env);
    const call = (base: string, path: string, token: string, body: unknown) =>
      fetch(`${base}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then(async (r) => ({ status: r.status, json: await r.json() }));

    const created = await call(first.url, '/v1/tokens', RUNNER_SECRET, {
      reason: 'approval_needed',
      prompt: 'Survive a crash?',
      frozen_state: 'c3RhdGU=',
      delivery: { type: 'webhook', url: receiver.url },
    });
    expect(created.status).toBe(201);
    const resolved = await call(first.url, `/v1/tokens/${created.json.id}/resolve`, ADMIN_SECRET, {
      human_input: 'yes',
      by: 'U0ALICE',
    });
    expect(resolved.status).toBe(200);
    // The delivery is in flight (the receiver holds the request open) when the process dies.
    await vi.waitUntil(() => receiver.received.length === 1, { timeout: 10_000 });
    expect(receiver.accepted.size).toBe(0);
    await first.crash();

    const second = await startChildBridge(env);
    await vi.waitUntil(() => receiver.accepted.size === 1, { timeout: 10_000, interval: 20 });
    expect(receiver.accepted.get(created.json.id)).toMatchObject({
      token_id: created.json.id,
      human_input: 'yes',
      frozen_state: 'c3RhdGU=',
    });
    expect(receiver.received.map((d) => d.tokenId)).toEqual([created.json.id, created.json.id]);
    expect(second.output.join('')).toContain('took back outbox jobs a previous process had in flight');
  });
});
