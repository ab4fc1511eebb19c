import { spawn } from 'node:child_process';
import { vi } from 'vitest';
import { afterTest } from './cleanup.js';
import { CLI_ENTRY, ROOT } from './cli.js';

/**
 * `rodizio serve` in a child process (the real executable, built: CLI_ENTRY); resolves once /healthz answers 200, or
 * with `until: 'port'` once it answers at all (a bridge still starting answers 503).
 */
export async function startChildBridge(env: Record<string, string>, options: { until?: 'ready' | 'port' } = {}) {
  const answered = options.until === 'port' ? () => true : (r: Response) => r.ok;
  const output: string[] = [];
  const child = spawn(process.execPath, [CLI_ENTRY, 'serve'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', RODIZIO_ENV_FILE: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  afterTest(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  child.stdout?.on('data', (d) => output.push(String(d)));
  child.stderr?.on('data', (d) => output.push(String(d)));
  const url = `http://127.0.0.1:${env.PORT}`;
  await vi.waitUntil(
    async () => {
      if (child.exitCode !== null) throw new Error(`rodizio serve exited ${child.exitCode}:\n${output.join('')}`);
      return fetch(`${url}/healthz`)
        .then(answered)
        .catch(() => false);
    },
    { timeout: 15_000, interval: 50 },
  );
  return {
    url,
    child,
    output,
    /** SIGKILL: no shutdown, no flush — a crash. */
    async crash(): Promise<void> {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
  };
}
