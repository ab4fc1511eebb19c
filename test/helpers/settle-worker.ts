/**
 * A competitor for test/store/concurrency.test.ts, run as its own OS process (as plain JavaScript: the test
 * transpiles this file once, and CLI workers load the built CLI, dist/, which the test names in `cliModule`):
 * settles its share of tokens either through `rodizio` CLI invocations (each one a full `runCli` run, opening
 * and closing the database as the executable does) or through the HTTP API of a running `rodizio serve`.
 * It prints `ready`, waits for `go` on stdin so every competitor starts together, and ends with one JSON line.
 */
import { createInterface } from 'node:readline';
import { z } from 'zod';

const WorkerOptions = z.discriminatedUnion('mode', [
  z.object({
    mode: z.literal('cli'),
    name: z.string(),
    seed: z.number().int(),
    ids: z.array(z.string()),
    db: z.string(),
    /** The built `src/cli/index.js` to load `runCli` from. */
    cliModule: z.string(),
    /** Runs `rodizio void` before the first token and after every `voidEvery` tokens. */
    voidEvery: z.number().int().positive(),
  }),
  z.object({
    mode: z.literal('api'),
    name: z.string(),
    seed: z.number().int(),
    ids: z.array(z.string()),
    url: z.string(),
    secret: z.string(),
  }),
]);
type WorkerOptions = z.infer<typeof WorkerOptions>;

export interface WorkerReport {
  name: string;
  /** Token ids this worker moved out of pending (its CLI or API call reported the change). */
  won: string[];
  /** Calls that found the token already settled and said so cleanly. */
  lost: number;
  errors: string[];
  /** How long each call took, in ms (a lock wait shows up here). */
  ms: number[];
}

const LOST = /^\S+ is already (resolved|cancelled|expired)\b.*; nothing changed\n$/;

type RunCli = typeof import('../../src/cli/index.js').runCli;

async function runCliWorker(
  o: Extract<WorkerOptions, { mode: 'cli' }>,
  runCli: RunCli,
  report: WorkerReport,
  time: Timer,
) {
  const env = { RODIZIO_DB: o.db, LOG_LEVEL: 'silent', RODIZIO_ENV_FILE: '' };
  const invoke = (argv: string[]) =>
    time(async () => {
      let stdout = '';
      let stderr = '';
      const code = await runCli(argv, {
        env,
        stdout: (t) => {
          stdout += t;
        },
        stderr: (t) => {
          stderr += t;
        },
      });
      return { code, stdout, stderr };
    });
  const voidOverdue = async () => {
    const out = await invoke(['void', '--json']);
    if (out.code === 0 && !out.stderr) {
      report.won.push(...z.object({ expired: z.array(z.string()) }).parse(JSON.parse(out.stdout)).expired);
    } else report.errors.push(`void: exit ${out.code}: ${out.stderr}`);
  };
  await voidOverdue();
  for (const [n, id] of o.ids.entries()) {
    const argv =
      (n + o.seed) % 2 === 0
        ? ['resolve', id, '--input', o.name, '--by', o.name, '--json']
        : ['cancel', id, '--by', o.name, '--reason', 'race', '--json'];
    const out = await invoke(argv);
    if (out.code === 0 && !out.stderr) report.won.push(id);
    else if (out.code === 1 && LOST.test(out.stderr)) report.lost++;
    else report.errors.push(`${argv.join(' ')}: exit ${out.code}: ${out.stderr}`);
    if ((n + 1) % o.voidEvery === 0) await voidOverdue();
  }
}

async function runApiWorker(o: Extract<WorkerOptions, { mode: 'api' }>, report: WorkerReport, time: Timer) {
  for (const [n, id] of o.ids.entries()) {
    const verb = (n + o.seed) % 2 === 0 ? 'resolve' : 'cancel';
    const body = verb === 'resolve' ? { human_input: o.name, by: o.name } : { reason: 'race' };
    const res = await time(() =>
      fetch(`${o.url}/v1/tokens/${id}/${verb}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${o.secret}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then(async (r) => ({ status: r.status, text: await r.text() })),
    );
    if (res.status === 200) report.won.push(id);
    else if (res.status === 409 && res.text.includes('"not_pending"')) report.lost++;
    else report.errors.push(`${verb} ${id}: HTTP ${res.status}: ${res.text}`);
  }
}

type Timer = <T>(fn: () => Promise<T>) => Promise<T>;

async function main(): Promise<void> {
  const options = WorkerOptions.parse(JSON.parse(process.argv[2] ?? ''));
  const report: WorkerReport = { name: options.name, won: [], lost: 0, errors: [], ms: [] };
  const time: Timer = async (fn) => {
    const started = performance.now();
    try {
      return await fn();
    } finally {
      report.ms.push(Math.round(performance.now() - started));
    }
  };
  // Loaded before `ready`, and only by CLI workers: the API workers stay small and start fast.
  const runCli =
    options.mode === 'cli'
      ? ((await import(options.cliModule)) as typeof import('../../src/cli/index.js')).runCli
      : undefined;
  const lines = createInterface({ input: process.stdin });
  const go = new Promise<void>((resolve) => lines.once('line', () => resolve()));
  process.stdout.write('ready\n');
  await go;
  lines.close();
  try {
    if (options.mode === 'cli' && runCli) await runCliWorker(options, runCli, report, time);
    else if (options.mode === 'api') await runApiWorker(options, report, time);
  } catch (err) {
    report.errors.push(`worker crashed: ${(err as Error).stack ?? String(err)}`);
  }
  process.stdout.write(`${JSON.stringify(report)}\n`);
  process.exitCode = report.errors.length === 0 ? 0 : 1;
}

await main();
