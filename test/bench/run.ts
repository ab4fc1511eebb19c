// `npm run bench` — prints figures and ratios against the targets in the issues. Not a test: nothing here fails
// the build; read the table. `npm run bench -- core` runs only the sections whose name contains "core" (several
// words: any of them); `npm run bench -- replicas` runs the Postgres sections (both engines, several replicas).
// A throwaway Postgres cluster is started once when a selected section needs one, and stopped at the end. Each section
// runs in a process of its own (see SECTION_ENV).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBuilt } from '../helpers/build.js';
import { startPostgresCluster } from '../helpers/postgres.js';
import { benchBigStore, benchCreate, benchWake } from './core.js';
import { benchPhase, benchWebhooks } from './delivery.js';
import { benchDigest } from './digest.js';
import { benchCreateEngines } from './engines.js';
import { benchEventFanout } from './events.js';
import { benchClickToFlip, benchHungReceivers } from './field.js';
import { cpuProbeMs, type Figure } from './lib.js';
import { benchLogger } from './logger.js';
import { benchMcpClick, benchMcpGrants } from './mcp.js';
import { benchMetrics } from './metrics.js';
import { benchCrossReplicaClick } from './replicas-click.js';
import { benchFailover } from './replicas-failover.js';
import { benchReplicaOutbox } from './replicas-outbox.js';
import { benchBurst, benchClick } from './slack.js';
import { benchStartup } from './startup.js';
import { benchSweeps } from './sweeps.js';

/** Sections named `replicas: …` need Postgres; run.ts starts a cluster for them. */
const sections: [string, (dir: string) => Promise<Figure[]> | Figure[]][] = [
  ['core: create over HTTP', (d) => benchCreate(d)],
  ['core: long-poll wake', (d) => benchWake(d)],
  ['core: 100k-token store', (d) => benchBigStore(d)],
  ['slack: click to reentry', (d) => benchClick(d)],
  ['slack: burst with 429s', (d) => benchBurst(d)],
  ['slack: click to flip under a backlog', (d) => benchClickToFlip(d)],
  ['outbox: hung webhook receivers', (d) => benchHungReceivers(d)],
  ['followups: sweeps over 100k tokens', (d) => benchSweeps(d)],
  ['delivery: webhooks', (d) => benchWebhooks(d)],
  ['delivery: phase files', (d) => benchPhase(d)],
  ['events: fan-out to 100 streams', (d) => benchEventFanout(d)],
  ['start: npm start to a healthy bridge', (d) => benchStartup(d)],
  ['digest: render 500 pending tokens within Block Kit limits', () => benchDigest()],
  ['logger: a request log line with secrets redacted', () => benchLogger()],
  ['metrics: /metrics scrape with 100k tokens in the store', (d) => benchMetrics(d)],
  ['mcp: request_permission over stdio, click → tool result', (d) => benchMcpClick(d)],
  ['mcp: request_permission answered by a grant, 1,000 grants', (d) => benchMcpGrants(d)],
  ['replicas: create over HTTP, SQLite and Postgres side by side', (d) => benchCreateEngines(d)],
  ['replicas: click on one replica → reentry at a long-poll on another', (d) => benchCrossReplicaClick(d)],
  ['replicas: leader SIGKILLed → takeover and next sweep', (d) => benchFailover(d)],
  ['replicas: outbox, 3,000 webhook deliveries drained by three replicas', (d) => benchReplicaOutbox(d)],
];

/**
 * Each section runs in a process of its own (this script again, told which section through SECTION_ENV), so none
 * inherits what an earlier one left in the heap: in one process, after the 100,000-token sections, the in-process
 * figures came out slower than the same sections run alone (long-poll wake p99 6.52 against 4.43 ms, webhook
 * delivery 377 against 497 /s) and so did the load generator and fake Slack of the replica sections (signing a
 * click p99 2.83 against 1.18–1.31 ms).
 */
const SECTION_ENV = 'RODIZIO_BENCH_SECTION';
/** Where a section's process writes its probe and figures (JSON) for the run to count. */
const REPORT_ENV = 'RODIZIO_BENCH_REPORT';
const DIR_ENV = 'RODIZIO_BENCH_DIR';

interface SectionReport {
  probe: number;
  figures: Figure[];
}

/** Runs one section in this process, prints its figures and writes them to `reportFile`. */
async function runSection(
  name: string,
  fn: (dir: string) => Promise<Figure[]> | Figure[],
  dir: string,
  reportFile: string,
) {
  // Start-up's garbage (loading the modules) is collected before the probe and the measurement.
  global.gc?.();
  const probe = cpuProbeMs();
  process.stdout.write(`running ${name}… (CPU probe ${probe.toFixed(0)} ms)\n`);
  // A section that throws is reported as a missed figure.
  const figures = await Promise.resolve()
    .then(() => fn(dir))
    .catch((err: unknown): Figure[] => [{ name: `${name}: did not finish`, value: String(err), ok: false }]);
  for (const f of figures) {
    const verdict = f.ok === undefined ? '' : f.ok ? '  ✓' : '  ✗ MISSED';
    console.log(`  ${f.name.padEnd(72)} ${f.value.padStart(28)}${f.target ? `   target ${f.target}` : ''}${verdict}`);
  }
  writeFileSync(reportFile, JSON.stringify({ probe, figures } satisfies SectionReport));
}

/** Runs a section in a child process (this script with SECTION_ENV) and reads back what it reported. */
function sectionInChild(name: string, dir: string): Promise<SectionReport> {
  const reportFile = join(dir, `section-${randomUUID()}.json`);
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
    env: { ...process.env, [SECTION_ENV]: name, [REPORT_ENV]: reportFile, [DIR_ENV]: dir },
    stdio: 'inherit',
  });
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      try {
        resolve(JSON.parse(readFileSync(reportFile, 'utf8')) as SectionReport);
      } catch {
        const why = signal ? `killed by ${signal}` : `exited with ${code}`;
        resolve({ probe: Number.NaN, figures: [{ name: `${name}: did not finish`, value: why, ok: false }] });
      }
    });
  });
}

const only = process.env[SECTION_ENV];
if (only !== undefined) {
  const section = sections.find(([name]) => name === only);
  if (!section) throw new Error(`no bench section named "${only}"`);
  await runSection(only, section[1], process.env[DIR_ENV] ?? tmpdir(), process.env[REPORT_ENV] ?? '/dev/null');
  process.exit(0);
}

const filters = process.argv.slice(2);
const selected = sections.filter(([name]) => filters.length === 0 || filters.some((f) => name.includes(f)));
const dir = mkdtempSync(join(tmpdir(), 'rodizio-bench-'));
const rows: Figure[] = [];
/** The CPU probe before each section: how fast this machine ran then (see cpuProbeMs). */
const probes: number[] = [];
let cluster: Awaited<ReturnType<typeof startPostgresCluster>> | undefined;
try {
  console.log(`rodizio bench — node ${process.version}, ${new Date().toISOString()}\n`);
  if (selected.some(([name]) => name.startsWith('replicas:'))) {
    // The replicas run the built executable (test/helpers/replicas.ts), as `npm start` does.
    ensureBuilt();
    cluster = await startPostgresCluster();
    // createTestDatabase() (test/helpers/postgres.ts) makes each section's fresh database in this cluster; the
    // sections' processes inherit the URL.
    process.env.RODIZIO_TEST_PG_URL = cluster.url;
  }
  for (const [name] of selected) {
    const report = await sectionInChild(name, dir);
    if (!Number.isNaN(report.probe)) probes.push(report.probe);
    rows.push(...report.figures);
  }
  const judged = rows.filter((r) => r.ok !== undefined);
  console.log(
    `\nCPU probe (a fixed workload; lower is faster) ${Math.min(...probes).toFixed(0)}–${Math.max(...probes).toFixed(0)} ms across sections`,
  );
  console.log(`\n${judged.filter((r) => r.ok).length}/${judged.length} targets met`);
} finally {
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
}
