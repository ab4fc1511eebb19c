import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ManualClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { createFollowupRules } from '../../src/followups/rules.js';
import { createSweeps } from '../../src/followups/sweeps.js';
import { createLogger } from '../../src/logger.js';
import { buildPlanners } from '../../src/main.js';
import { createPurgatory } from '../../src/purgatory.js';
import { openStore } from '../../src/store/open.js';
import { type Figure, loadTokens, medianMs, mib, ms } from './lib.js';

const HOUR = 3_600_000;

/**
 * The four sweeps over 100,000 pending tokens (all posted to Slack, a third tied to GitHub issues): once when
 * nothing is due, then once with 1,000 due for each rule (their outbox jobs written in the same transactions).
 */
export async function benchSweeps(dir: string, n = 100_000, due = 1000): Promise<Figure[]> {
  const config = {
    ...loadConfig({
      SLACK_BOT_TOKEN: 'xoxb-bench',
      SLACK_SIGNING_SECRET: 'bench',
      SLACK_CHANNEL: 'C0BENCH',
      GITHUB_TOKEN: 'ghp_bench',
    }),
    dbPath: join(dir, 'sweeps.db'),
  };
  const t0 = Date.UTC(2026, 5, 1);
  const clock = new ManualClock(t0 - 30 * HOUR);
  const store = await openStore(config.dbPath);
  const purgatory = createPurgatory({ store, clock, planners: buildPlanners(config) });
  const logger = createLogger({ level: 'silent' });
  const rules = createFollowupRules({ purgatory, config, clock, logger });
  const sweeps = createSweeps({ rules, purgatory, config, clock, logger });
  const actor = { runner: 'bench', admin: false };

  const load = async (count: number, prefix: string, extra: (i: number) => Record<string, unknown>) => {
    await loadTokens(
      purgatory,
      count,
      (i) => ({
        id: `${prefix}-${i}`,
        reason: 'approval_needed',
        prompt: `Question ${i}`,
        options: ['yes', 'no'],
        ...extra(i),
      }),
      () => actor,
    );
    // Every card posted: the Slack message ids in one transaction.
    await store.transaction(async (tx) => {
      for (let i = 0; i < count; i++) {
        await tx.tokens.setSlackMessage(`${prefix}-${i}`, 'C0BENCH', `1780000000.${String(i).padStart(6, '0')}`);
      }
    });
  };
  // 1,000 received 30 h before t0 (GitHub issues: due for a reminder at t0-24h and for the label at t0-6h);
  // the bulk at t0 (a third with GitHub issues, a third with far deadlines); 1,000 more with deadlines at t0+30m.
  await load(due, 'early', (i) => ({ github_issue: `acme/web#${i + 1}` }));
  clock.set(t0);
  await load(n - 2 * due, 'bulk', (i) =>
    i % 3 === 0 ? { github_issue: `acme/api#${i + 1}` } : i % 3 === 1 ? { deadline: '2026-12-31T00:00:00' } : {},
  );
  await load(due, 'deadline', () => ({ deadline: new Date(t0 + 30 * 60_000).toISOString() }));
  // Planner statistics after the bulk load, as a long-running bridge would have them. The bench runs on a SQLite
  // file; no store method runs this, so over a connection of its own (0x10000: every table, not just this
  // connection's).
  const raw = new Database(config.dbPath);
  raw.pragma('optimize = 0x10002');
  raw.close();

  const figures: Figure[] = [];
  const once = async (name: 'deadlines' | 'renotify' | 'blocked') => {
    const started = performance.now();
    const result = await sweeps[name]();
    const took = performance.now() - started;
    const acted = Object.values(result).reduce((a, b) => a + b, 0);
    figures.push({ name: `sweep ${name} with ${due.toLocaleString('en')} due (acted on ${acted})`, value: ms(took) });
  };
  // Nothing due yet: 29 h before t0 (later tokens count as received in the future, so not due either).
  clock.set(t0 - 29 * HOUR);
  for (const name of ['deadlines', 'renotify', 'blocked', 'gc'] as const) {
    const t = await medianMs(5, () => sweeps[name]());
    figures.push({
      name: `sweep ${name}, ${n.toLocaleString('en')} pending, nothing due`,
      value: ms(t),
      target: '< 20 ms',
      ok: t < 20,
    });
  }
  const jobsBefore = await purgatory.store.outbox.count('pending');
  clock.set(t0 - 24 * HOUR + 60_000);
  await once('renotify');
  clock.set(t0 + HOUR);
  await once('deadlines');
  await once('blocked');
  figures.push({
    name: 'outbox jobs those three sweeps wrote (reminders, escalations, GitHub calls, card updates)',
    value: String((await purgatory.store.outbox.count('pending')) - jobsBefore),
  });
  figures.push({
    name: 'peak RSS of the process running this section',
    value: mib(process.resourceUsage().maxRSS * 1024),
  });
  await store.close();
  return figures;
}
