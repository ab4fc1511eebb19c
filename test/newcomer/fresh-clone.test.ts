import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { freePort } from '../helpers/child-bridge.js';
import { ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

// Runs on its own (vitest.newcomer.config.ts) after the main suite: `npm ci` compiles better-sqlite3 and would
// starve the timing-sensitive tests of CPU.
describe('a newcomer', () => {
  it('clones the repository, runs `npm ci && npm start`, and gets the page and a healthy bridge', async () => {
    const clone = join(tempDir('rodizio-clone-'), 'rodizio');
    execFileSync('git', ['clone', '--quiet', ROOT, clone]);
    // The newcomer's environment: nothing of rodizio's set, a free port, phase files kept out of /tmp.
    const env: NodeJS.ProcessEnv = Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !/^(RODIZIO_|SLACK_|GITHUB_)/.test(key)),
    );
    env.PORT = String(await freePort());
    env.RODIZIO_PHASE_DIR = tempDir();

    execFileSync('npm', ['ci'], { cwd: clone, env, stdio: 'pipe', timeout: 280_000 });
    const server = spawn('npm', ['start'], { cwd: clone, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const output: string[] = [];
    server.stdout.on('data', (d) => output.push(String(d)));
    server.stderr.on('data', (d) => output.push(String(d)));
    try {
      const base = `http://127.0.0.1:${env.PORT}`;
      await vi.waitUntil(
        async () => {
          if (server.exitCode !== null) throw new Error(`npm start exited ${server.exitCode}:\n${output.join('')}`);
          return fetch(`${base}/healthz`)
            .then((r) => r.ok)
            .catch(() => false);
        },
        { timeout: 90_000, interval: 250 },
      );
      const health = await (await fetch(`${base}/healthz`)).json();
      expect(health).toMatchObject({ status: 'ok', store: { ok: true }, slack: { mode: 'http' } });
      const page = await fetch(`${base}/sandbox`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('rodizio sandbox');
      expect(output.join('')).toContain(`open ${base}/sandbox`);
    } finally {
      if (server.pid) process.kill(-server.pid, 'SIGTERM');
    }
  }, 400_000);
});
