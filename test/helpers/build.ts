/**
 * Makes sure dist/ (the built executable that child processes run, CLI_ENTRY in ./cli.ts) is current: through
 * src/launch.mjs, which is what `npm start` runs. It rebuilds only when a source is newer than dist/ (about 20 s
 * of tsc), and then runs `rodizio --version`. Called once, before any child process starts: by vitest's
 * globalSetup (test/global-build.ts) and by the bench runner. Nothing here imports vitest.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function ensureBuilt(): void {
  const res = spawnSync(process.execPath, [join(ROOT, 'src', 'launch.mjs'), '--version'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, RODIZIO_ENV_FILE: '' },
  });
  if (res.status !== 0) {
    throw new Error(`cannot build dist/ for the tests' child processes (exit ${res.status}):\n${res.stderr}`);
  }
  if (res.stderr) process.stderr.write(res.stderr);
}
