import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../src/cli/index.js';
import { ManualClock } from '../../src/clock.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/**
 * The executable as installed and as `npm start` runs it: dist/src/cli.js (package.json's `bin`), built from these
 * sources. test/global-build.ts rebuilds it before a run when a source is newer (CI's `npm ci` has just built it).
 * Child processes run it rather than src/cli.ts through tsx, whose loader cost about 2 s of CPU per process start
 * (3.9 s against 2.0 s for `rodizio list --help`), about 50 starts a run.
 */
export const CLI_ENTRY = fileURLToPath(new URL('../../dist/src/cli.js', import.meta.url));

/** Runs the CLI in-process and captures its output. */
export async function cli(
  argv: string[],
  env: Record<string, string>,
  clock = new ManualClock('2026-01-01T00:00:00Z'),
) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    env,
    clock,
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
  });
  return { code, stdout, stderr };
}

/** Runs the real `rodizio` executable (the built one, CLI_ENTRY) in a child process. */
export function spawnCli(
  argv: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_ENTRY, ...argv], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', RODIZIO_ENV_FILE: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
