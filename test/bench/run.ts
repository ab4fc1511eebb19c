// `npm run bench` — prints figures and ratios against the targets in the issues. Not a test: nothing here fails
// the build; read the table. `npm run bench -- core` runs only the sections whose name contains "core".
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchBigStore, benchCreate, benchWake } from './core.js';
import { benchPhase, benchWebhooks } from './delivery.js';
import { benchEventFanout } from './events.js';
import { benchClickToFlip, benchHungReceivers } from './field.js';
import type { Figure } from './lib.js';
import { benchBurst, benchClick } from './slack.js';
import { benchStartup } from './startup.js';
import { benchSweeps } from './sweeps.js';

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
];

const filter = process.argv[2];
const dir = mkdtempSync(join(tmpdir(), 'rodizio-bench-'));
const rows: Figure[] = [];
try {
  console.log(`rodizio bench — node ${process.version}, ${new Date().toISOString()}\n`);
  for (const [name, fn] of sections) {
    if (filter && !name.includes(filter)) continue;
    process.stdout.write(`running ${name}…\n`);
    const figures = await fn(dir);
    rows.push(...figures);
    for (const f of figures) {
      const verdict = f.ok === undefined ? '' : f.ok ? '  ✓' : '  ✗ MISSED';
      console.log(`  ${f.name.padEnd(72)} ${f.value.padStart(28)}${f.target ? `   target ${f.target}` : ''}${verdict}`);
    }
  }
  const judged = rows.filter((r) => r.ok !== undefined);
  console.log(`\n${judged.filter((r) => r.ok).length}/${judged.length} targets met`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
