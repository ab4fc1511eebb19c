import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import ts from 'typescript';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { systemClock } from '../../src/clock.js';
import { createPurgatory } from '../../src/purgatory.js';
import { loadMigrations } from '../../src/store/migrations.js';
import { openStore } from '../../src/store/open.js';
import { migrate, openDatabase } from '../../src/store/sqlite/database.js';
import { ADMIN_SECRET, RUNNER_SECRET } from '../helpers/bridge.js';
import { startChildBridge } from '../helpers/child-bridge.js';
import { cli, ROOT } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';
import type { WorkerReport } from '../helpers/settle-worker.js';
import { tempDbPath } from '../helpers/temp.js';

const WORKER_SOURCE = fileURLToPath(new URL('../helpers/settle-worker.ts', import.meta.url));
/** The built CLI the CLI workers load (test/global-build.ts has made dist/ current). */
const CLI_MODULE = pathToFileURL(join(ROOT, 'dist', 'src', 'cli', 'index.js')).href;

/**
 * The worker as plain JavaScript, transpiled once, so its 7 processes start without tsx's loader (about 2 s of
 * CPU each on top of Node's own start): under node_modules/, where it finds zod as the TypeScript file does.
 */
function compiledWorker(): string {
  const out = join(ROOT, 'node_modules', '.cache', 'rodizio-test', 'settle-worker.mjs');
  mkdirSync(join(out, '..'), { recursive: true });
  const { outputText } = ts.transpileModule(readFileSync(WORKER_SOURCE, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    fileName: WORKER_SOURCE,
  });
  writeFileSync(out, outputText);
  return out;
}
const TOKENS = 500;
const WORKERS = 7;
/** Each token is raced by this many consecutive workers (mod 7), so CLI and API competitors meet. */
const COMPETITORS = 3;

const workers: ChildProcess[] = [];
afterEach(() => {
  for (const w of workers.splice(0)) if (w.exitCode === null) w.kill('SIGKILL');
});

const Report = z.object({
  name: z.string(),
  won: z.array(z.string()),
  lost: z.number(),
  errors: z.array(z.string()),
  ms: z.array(z.number()),
}) satisfies z.ZodType<WorkerReport>;

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A settle-worker process; `ready` resolves once it waits for `go`, `done` when it exits. */
function startWorker(worker: string, options: Record<string, unknown>) {
  const child = spawn(process.execPath, [worker, JSON.stringify(options)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', RODIZIO_ENV_FILE: '' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  workers.push(child);
  let stdout = '';
  let stderr = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      stdout += d;
      if (stdout.startsWith('ready\n')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker exited ${code} before it was ready:\n${stdout}${stderr}`)));
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const done = new Promise<Finished>((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
  return { child, ready, done };
}

describe('concurrent writers on one SQLite file', () => {
  it('8 processes (serve, CLI, API clients) settling and voiding 500 tokens: no lock errors, one outcome each', async () => {
    const started = Date.now();
    const dbPath = tempDbPath();
    const ids = Array.from({ length: TOKENS }, (_, i) => `race-${String(i).padStart(3, '0')}`);
    const store = await openStore(dbPath);
    const purgatory = createPurgatory({ store, clock: systemClock });
    // Queued in one event-loop turn: one group commit for all 500.
    await Promise.all(
      ids.map((id, i) =>
        purgatory.createQueued(
          {
            id,
            reason: 'approval_needed',
            prompt: `race ${i}`,
            options: ['yes', 'no'],
            // A quarter are overdue, for `rodizio void` (and the server's deadline sweep) to race on.
            deadline: i % 4 === 0 ? '2020-01-01T00:00:00Z' : null,
          },
          { runner: 'ci', admin: false },
        ),
      ),
    );
    await store.close();

    const serve = await startChildBridge({
      PORT: String(await freePort()),
      RODIZIO_DB: dbPath,
      RODIZIO_API_TOKENS: `ci:${RUNNER_SECRET}`,
      RODIZIO_ADMIN_TOKEN: ADMIN_SECRET,
      RODIZIO_PHASE_WATCH: 'false',
      // The deadline sweep every second: the server escalates the overdue tokens while the others settle them.
      DEADLINE_SCHEDULE: '* * * * * *',
      LOG_LEVEL: 'warn',
    });
    // Workers 0–3 invoke the CLI, 4–6 call the API; token i goes to workers i, i-1, i-2 (mod 7), in id order.
    const worker = compiledWorker();
    const competitors = Array.from({ length: WORKERS }, (_, k) => {
      const share = ids.filter((_, i) => (i - k + WORKERS) % WORKERS < COMPETITORS);
      return k < 4
        ? startWorker(worker, {
            mode: 'cli',
            name: `cli-${k}`,
            seed: k,
            ids: share,
            db: dbPath,
            cliModule: CLI_MODULE,
            voidEvery: 60,
          })
        : startWorker(worker, {
            mode: 'api',
            name: `api-${k}`,
            seed: k,
            ids: share,
            url: serve.url,
            secret: ADMIN_SECRET,
          });
    });
    await Promise.all(competitors.map((w) => w.ready));
    const raceStarted = Date.now();
    for (const w of competitors) w.child.stdin?.end('go\n');
    const finished = await Promise.all(competitors.map((w) => w.done));
    const raceMs = Date.now() - raceStarted;

    const reports = finished.map((f, k) => {
      expect(f.stderr, `worker ${k} stderr`).not.toMatch(/database is locked|SqliteError|SQLITE_BUSY/);
      const last = f.stdout.trim().split('\n').at(-1) ?? '';
      const report = Report.parse(JSON.parse(last));
      expect(report.errors, `worker ${k} errors`).toEqual([]);
      expect(f.code, `worker ${k} exit code`).toBe(0);
      return report;
    });
    const serverOutput = serve.output.join('');
    expect(serverOutput).not.toMatch(/database is locked|SqliteError|SQLITE_BUSY/);
    expect(serve.child.exitCode).toBeNull();

    // Exactly one winner per token across all processes, and the store agrees with it.
    const won = reports.flatMap((r) => r.won).sort();
    expect(won).toEqual(ids);
    const check = openDatabase(dbPath);
    const rows = check
      .prepare<[], { id: string; status: string; terminal: number; outcome: string | null }>(`
        SELECT t.id, t.status,
          (SELECT count(*) FROM events e WHERE e.token_id = t.id AND e.type IN ('resolved', 'cancelled', 'expired')) AS terminal,
          (SELECT e.type FROM events e WHERE e.token_id = t.id AND e.type IN ('resolved', 'cancelled', 'expired')) AS outcome
        FROM tokens t ORDER BY t.id`)
      .all();
    check.close();
    expect(rows).toHaveLength(TOKENS);
    const wrong = rows.filter((r) => r.status === 'pending' || r.terminal !== 1 || r.outcome !== r.status);
    expect(wrong).toEqual([]);
    const statuses = new Set(rows.map((r) => r.status));
    expect([...statuses].sort()).toEqual(['cancelled', 'expired', 'resolved']);

    const lost = reports.reduce((n, r) => n + r.lost, 0);
    // Races really happened: most calls found their token settled by a competitor.
    expect(lost).toBeGreaterThan(TOKENS / 2);
    const ms = reports.flatMap((r) => r.ms).sort((x, y) => x - y);
    const at = (q: number) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))];
    console.info(
      `concurrency: setup ${raceStarted - started} ms, race ${raceMs} ms: ${ms.length} calls (${TOKENS} won, ${lost} lost), ` +
        `p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${ms.at(-1)} ms; slowest per worker ` +
        reports.map((r) => `${r.name}=${Math.max(...r.ms)}`).join(' '),
    );
  }, 120_000);

  it('two processes migrating a fresh file at once: the second skips what the first applied', () => {
    const path = tempDbPath();
    const first = openDatabase(path, { migrate: false });
    const second = openDatabase(path, { migrate: false });
    // `first` has read user_version 0 when `second` migrates the whole file, as when two processes start together.
    const pragma = first.pragma.bind(first);
    let raced = false;
    // The cast: `pragma` is overloaded, and an arrow function cannot restate overloads.
    first.pragma = ((source, options) => {
      const result = pragma(source, options);
      if (source === 'user_version' && !raced) {
        raced = true;
        migrate(second);
      }
      return result;
    }) as typeof first.pragma;
    const latest = loadMigrations('sqlite').length;
    expect(migrate(first)).toEqual({ from: 0, to: latest });
    expect(raced).toBe(true);
    expect(pragma('user_version', { simple: true })).toBe(latest);
    first.close();
    second.close();
  });

  it('a CLI verb that cannot get the write lock within the busy timeout says so in one line and changes nothing', async () => {
    const path = tempDbPath();
    const store = await openStore(path);
    await createPurgatory({ store, clock: systemClock }).create(
      { id: 'sem-held', reason: 'approval_needed', prompt: 'Held?' },
      { runner: 'ci', admin: false },
    );
    await store.close();
    // A raw connection of its own: the test is about SQLite's write lock, which no store method holds open.
    const holder = new Database(path);
    holder.prepare('BEGIN IMMEDIATE').run();
    const out = await cli(['cancel', 'sem-held'], { RODIZIO_DB: path, LOG_LEVEL: 'silent' });
    holder.prepare('ROLLBACK').run();
    expect(out.code).toBe(1);
    expect(out.stderr).toBe(
      'rodizio cancel: the database is busy: another process held its write lock for over 5 s (SQLITE_BUSY); ' +
        'run the command again\n',
    );
    expect(holder.prepare('SELECT status FROM tokens WHERE id = ?').pluck().get('sem-held')).toBe('pending');
    holder.close();
  });
});
