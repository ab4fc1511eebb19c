import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { STARTING_WAIT_MS } from '../../src/cli/demo-command.js';
import { runCli } from '../../src/cli/index.js';
import { ManualClock } from '../../src/clock.js';
import { RUNNER_SECRET } from '../helpers/bridge.js';
import { afterTest } from '../helpers/cleanup.js';
import { startHeldBridge } from '../helpers/starting.js';
import { tempDbPath } from '../helpers/temp.js';

/**
 * `rodizio demo` against `url`, on a manual clock that each wait between polls advances; `onWait` runs at each
 * wait. `stopWhen`: Ctrl-C once stdout shows it (the demo has got past its check and is asking).
 */
async function demo(url: string, options: { onWait?: (n: number) => void; stopWhen?: string } = {}) {
  const clock = new ManualClock('2026-01-01T00:00:00Z');
  let stdout = '';
  let stderr = '';
  let waits = 0;
  let stop = () => {};
  const stopSignal = new Promise<void>((resolve) => (stop = resolve));
  const code = await runCli(['demo', '--url', url, '--token', RUNNER_SECRET, '--no-phase'], {
    env: { RODIZIO_DB: tempDbPath(), RODIZIO_ENV_FILE: '' },
    clock,
    stopSignal,
    stdout: (t) => {
      stdout += t;
      if (options.stopWhen && stdout.includes(options.stopWhen)) stop();
    },
    stderr: (t) => {
      stderr += t;
    },
    sleep: async (ms) => {
      clock.advance(ms);
      waits++;
      options.onWait?.(waits);
    },
  });
  return { code, stdout, stderr, waits };
}

/** A server answering every request with `status` and `body`; stopped after the test. */
async function answering(status: number, body: string): Promise<{ url: string; hits: () => number }> {
  let hits = 0;
  const server = createServer((_req, res) => {
    hits++;
    res.writeHead(status, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  afterTest(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits: () => hits };
}

describe('rodizio demo and a bridge that is starting', () => {
  it('waits while /healthz says "starting", then asks the bridge once it serves', async () => {
    const { url, release } = await startHeldBridge();
    // Slack connects (auth.test answers) after the demo has waited twice.
    const out = await demo(url, { onWait: (n) => n === 2 && release(), stopWhen: 'asking' });
    expect(out.stdout).toContain(`rodizio demo: the bridge at ${url} is starting; waiting for it\n`);
    expect(out.stdout.match(/is starting/g)).toHaveLength(1);
    expect(out.stdout).toContain(`rodizio demo: asking ${url} as an agent`);
    expect(out.waits).toBeGreaterThanOrEqual(2);
    expect(out.code).toBe(130);
    expect(out.stdout).toContain('rodizio demo: stopped');
    expect(out.stderr).toBe('');
  });

  it(`gives up on a bridge still starting after ${STARTING_WAIT_MS / 1000} s, and says so`, async () => {
    const { url } = await startHeldBridge();
    const out = await demo(url);
    expect(out.code).toBe(1);
    expect(out.stderr).toBe(`rodizio demo: the bridge at ${url} is still starting after 30 s; see its log\n`);
    expect(out.waits).toBe(STARTING_WAIT_MS / 250);
    expect(out.stdout).not.toContain('asking');
  });

  it('does not wait for a bridge that answers /healthz with anything but "starting"', async () => {
    for (const [status, body, said] of [
      [503, '{"status":"unhealthy"}', '503 "unhealthy"'],
      [503, 'null', '503'],
      [503, '<html>busy</html>', '503'],
      [404, '{"error":"no"}', '404'],
    ] as const) {
      const server = await answering(status, body);
      const out = await demo(server.url);
      expect(out.code).toBe(1);
      expect(out.stderr).toBe(`rodizio demo: the bridge at ${server.url} answered /healthz ${said}; see its log\n`);
      expect(out.waits).toBe(0);
      expect(server.hits()).toBe(1);
    }
  });
});
