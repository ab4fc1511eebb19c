// `npm start` on an installed checkout: how long until /healthz answers 200 (issue 10: under 2 s). Runs in a copy
// of the checkout (sources, dist/ and their mtimes kept; node_modules linked), so the real `npm start` path —
// npm, src/launch.mjs's staleness check, the built CLI — is what is timed.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../helpers/ports.js';
import type { Figure } from './lib.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const COPIED = [
  'src',
  'blocks',
  'handlers',
  'migrations',
  'dist',
  'package.json',
  'tsconfig.json',
  'tsconfig.build.json',
];

/**
 * CPU seconds (user + system) used so far by the processes of group `pgid` (Linux /proc; NaN elsewhere). Wall
 * time on a shared two-core machine mostly measures the neighbours; CPU time is what the start itself costs.
 */
function groupCpuSeconds(pgid: number): number {
  let ticks = 0;
  try {
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      try {
        // Fields after the parenthesised command name: state ppid pgrp … utime(14) stime(15), 1-based overall.
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        if (Number(fields[2]) !== pgid) continue;
        ticks += Number(fields[11]) + Number(fields[12]);
      } catch {
        // the process ended between listing and reading
      }
    }
  } catch {
    return Number.NaN;
  }
  return ticks / 100; // USER_HZ is 100 on Linux
}

/** Spawns `command` in `cwd` and resolves with the milliseconds until /healthz answers 200; then stops it. */
async function timeToHealthy(
  cwd: string,
  command: string[],
  dbDir: string,
): Promise<{ ms: number; cpu: number; output: string }> {
  const port = await freePort();
  const started = performance.now();
  const [cmd = 'node', ...args] = command;
  const child = spawn(cmd, args, {
    cwd,
    // Its own process group: npm does not pass signals on to the node it started, so the group is stopped.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      RODIZIO_ENV_FILE: '',
      PORT: String(port),
      RODIZIO_DB: join(dbDir, `start-${port}.db`),
      RODIZIO_PHASE_WATCH: 'false',
    },
  });
  let output = '';
  child.stdout?.on('data', (d) => {
    output += d;
  });
  child.stderr?.on('data', (d) => {
    output += d;
  });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${command.join(' ')} exited ${child.exitCode}:\n${output}`);
      if (performance.now() - started > 120_000) throw new Error(`${command.join(' ')}: no /healthz in 120 s`);
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`)
        .then((r) => r.ok)
        .catch(() => false);
      if (ok)
        return { ms: performance.now() - started, cpu: child.pid ? groupCpuSeconds(child.pid) : Number.NaN, output };
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    if (child.pid && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
    if (child.pid && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
  }
}

export async function benchStartup(dir: string): Promise<Figure[]> {
  const copy = join(dir, 'checkout');
  mkdirSync(copy, { recursive: true });
  for (const name of COPIED) {
    if (existsSync(join(ROOT, name)))
      cpSync(join(ROOT, name), join(copy, name), { recursive: true, preserveTimestamps: true });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir');
  const figures: Figure[] = [];
  // A checkout whose dist/ is older than its sources rebuilds once on the first start; that is timed apart.
  const first = await timeToHealthy(copy, ['npm', 'start'], copy);
  if (first.output.includes('rebuilding it')) {
    figures.push({
      name: 'npm start with a stale dist/ (rebuilds once, says so)',
      value: `${(first.ms / 1000).toFixed(1)} s`,
    });
  }
  const runs = 3;
  for (const [name, command] of [
    ['installed checkout: `npm start` → /healthz 200 (median of 3)', ['npm', 'start']],
    [
      'installed checkout: `node dist/src/cli.js serve` → /healthz 200 (median of 3)',
      ['node', 'dist/src/cli.js', 'serve'],
    ],
  ] as const) {
    const samples: { ms: number; cpu: number }[] = [];
    for (let i = 0; i < runs; i++) samples.push(await timeToHealthy(copy, [...command], copy));
    const mid = <K extends 'ms' | 'cpu'>(k: K) =>
      samples.map((x) => x[k]).sort((a, b) => a - b)[Math.floor(runs / 2)] ?? Number.NaN;
    figures.push({
      name,
      value: `${(mid('ms') / 1000).toFixed(2)} s (${mid('cpu').toFixed(2)} s CPU)`,
      target: '< 2 s',
      ok: mid('ms') < 2000,
    });
  }
  return figures;
}
