import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { Actor, Purgatory } from '../../src/purgatory.js';

export interface Figure {
  name: string;
  value: string;
  target?: string;
  ok?: boolean;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

export function summarize(samples: number[]): { p50: number; p99: number; max: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? Number.NaN };
}

export const ms = (n: number) => `${n.toFixed(2)} ms`;
export const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

/** Times `fn` (awaited) over `runs` runs and returns the median in milliseconds. */
export async function medianMs(runs: number, fn: () => unknown): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return percentile(
    samples.sort((a, b) => a - b),
    50,
  );
}

/** Sends `total` POSTs with `concurrency` keep-alive connections; returns requests per second and failures. */
export async function hammer(
  url: string,
  total: number,
  concurrency: number,
  body: (i: number) => string,
  headers: Record<string, string>,
): Promise<{ rps: number; failures: number; statuses: Record<number, number> }> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const target = new URL(url);
  let next = 0;
  let failures = 0;
  const statuses: Record<number, number> = {};
  const one = (i: number) =>
    new Promise<void>((resolve) => {
      const payload = body(i);
      const req = request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        },
        (res) => {
          statuses[res.statusCode ?? 0] = (statuses[res.statusCode ?? 0] ?? 0) + 1;
          if ((res.statusCode ?? 0) >= 300) failures++;
          res.resume();
          res.on('end', resolve);
        },
      );
      req.on('error', () => {
        failures++;
        resolve();
      });
      req.end(payload);
    });
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) await one(next++);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  return { rps: total / seconds, failures, statuses };
}

/** Starts `test/bench/<script>` in a child process (through tsx) and waits for it to print `port=N`. */
export function startChild(script: string, args: string[], env: Record<string, string> = {}, nodeArgs: string[] = []) {
  const entry = fileURLToPath(new URL(script, import.meta.url));
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', entry, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d) => {
      out += d;
      const m = /port=(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`${script} exited with ${code} before listening`)));
  });
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/**
 * Creates `count` tokens through the purgatory's group commit (`createQueued`): each chunk is queued in one
 * event-loop turn, so it is written in one transaction, the way a bulk load was before the store went async.
 */
export async function loadTokens(
  purgatory: Purgatory,
  count: number,
  input: (i: number) => Record<string, unknown>,
  actor: (i: number) => Actor,
  chunk = 2000,
): Promise<void> {
  for (let from = 0; from < count; from += chunk) {
    const to = Math.min(count, from + chunk);
    await Promise.all(
      Array.from({ length: to - from }, (_, k) => purgatory.createQueued(input(from + k), actor(from + k))),
    );
  }
}

/**
 * A fixed CPU workload (SHA-256 over 50 MiB, then an integer loop), timed in milliseconds: printed beside each section
 * so a reader can tell a figure taken while this machine ran slow (shared CPUs vary by half over minutes) from a
 * slower build.
 */
export function cpuProbeMs(): number {
  const buf = Buffer.alloc(1 << 20, 7);
  const started = performance.now();
  for (let i = 0; i < 50; i++) createHash('sha256').update(buf).digest();
  let x = 0;
  for (let i = 0; i < 5e7; i++) x = (x + i * 7) % 1000003;
  return performance.now() - started + (x < 0 ? 1 : 0);
}
