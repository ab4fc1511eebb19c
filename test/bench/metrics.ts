import { join } from 'node:path';
import { ManualClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createBridge } from '../../src/main.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import type { NewTokenRow } from '../../src/store/tokens.js';
import { type Figure, medianMs, ms, summarize } from './lib.js';

const REASONS = ['approval_needed', 'context_required', 'sensitive_action', 'ambiguous_choice', 'error_recovery'];
const SEVERITIES = ['info', 'warning', 'critical'];
const CHUNK = 5000;

/** A stored token as the lifecycle writes one (the columns the scrape and `rodizio stats` read vary with `i`). */
function tokenRow(i: number, receivedMs: number): NewTokenRow {
  return {
    id: `m-${i}`,
    kind: 'semaphore',
    reason: REASONS[i % REASONS.length] as string,
    prompt: `Question ${i}`,
    options: '["yes","no"]',
    severity: SEVERITIES[i % SEVERITIES.length] as string,
    frozen_state: '',
    original_event: 'null',
    required_type: null,
    deadline: null,
    deadline_ms: null,
    escalation: null,
    created_at: new Date(receivedMs).toISOString(),
    received_ms: receivedMs,
    runner: `r${i % 10}`,
    project: `p${i % 20}`,
    github_issue: null,
    ext: '{}',
    content_hash: `h${i}`,
  };
}

/**
 * A store as a bridge has it after a while, written through the store's own statements in large transactions
 * (the lifecycle would take minutes for this): `n` tokens of which 90 % answered, expired or cancelled, two
 * outbox jobs per closed token done, 1,000 waiting (due tomorrow, so the bridge's worker leaves them alone) and
 * 20 dead.
 */
export async function seed(store: Store, clock: ManualClock, n: number): Promise<void> {
  const closed = Math.floor(n * 0.9);
  const statuses = ['resolved', 'resolved', 'resolved', 'expired', 'cancelled'] as const;
  const t0 = clock.now() - 7 * 86_400_000;
  for (let from = 0; from < n; from += CHUNK) {
    await store.transaction(async (tx) => {
      for (let i = from; i < Math.min(n, from + CHUNK); i++) {
        const receivedMs = t0 + i * 5000;
        await tx.tokens.insert(tokenRow(i, receivedMs));
        if (i >= closed) continue;
        const atMs = receivedMs + 1000 * (i % 7200);
        await tx.tokens.settle({
          id: `m-${i}`,
          status: statuses[i % statuses.length] as (typeof statuses)[number],
          at: new Date(atMs).toISOString(),
          atMs,
          humanInput: 'yes',
          by: 'U0BENCH',
          byName: null,
          via: 'button',
        });
        for (const kind of ['slack.card', 'slack.update']) {
          const id = await tx.outbox.enqueue({ kind, tokenId: `m-${i}`, payload: {} }, atMs);
          if (i < 20 && kind === 'slack.update') await tx.outbox.kill(id, 'channel_not_found', atMs);
          else await tx.outbox.complete(id, atMs);
        }
      }
    });
  }
  await store.transaction(async (tx) => {
    for (let i = closed; i < closed + 1000 && i < n; i++) {
      await tx.outbox.enqueue(
        { kind: 'slack.card', tokenId: `m-${i}`, runAtMs: clock.now() + 86_400_000 },
        clock.now(),
      );
    }
  });
}

/** `/metrics` over HTTP on a bridge whose store holds `n` tokens: 50 scrapes after 5 warm-ups. */
async function scrapeBench(engine: string, db: string, n: number): Promise<Figure[]> {
  const clock = new ManualClock('2026-01-01T00:00:00Z');
  const store = await openStore(db);
  const started = process.hrtime.bigint();
  await seed(store, clock, n);
  const loadSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const storeOnly = await medianMs(50, () => Promise.all([store.stats.pendingTokens(), store.stats.outboxJobs()]));
  await store.close();

  const config = {
    ...loadConfig({ PORT: '0', RODIZIO_SANDBOX: 'false', RODIZIO_PHASE_WATCH: 'false' }),
    dbPath: db,
  };
  const bridge = await createBridge({ config, logger: createLogger({ level: 'silent' }), clock, schedule: false });
  const port = await bridge.start();
  const samples: number[] = [];
  let bytes = 0;
  try {
    for (let i = 0; i < 55; i++) {
      const t = process.hrtime.bigint();
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      const text = await res.text();
      if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
      if (i >= 5) samples.push(Number(process.hrtime.bigint() - t) / 1e6);
      bytes = text.length;
    }
  } finally {
    await bridge.stop();
  }
  const s = summarize(samples);
  return [
    {
      name: `metrics (${engine}): store of ${n} tokens, 10% pending, ${2 * n * 0.9} outbox rows`,
      value: `${loadSeconds.toFixed(1)} s to load`,
    },
    {
      name: `metrics (${engine}): scrape-time store reads (pending, outbox by kind)`,
      value: ms(storeOnly),
      target: '< 25 ms',
      ok: storeOnly < 25,
    },
    {
      name: `metrics (${engine}): GET /metrics p50 / p99 over 50 scrapes (${(bytes / 1024).toFixed(0)} KiB)`,
      value: `${ms(s.p50)} / ${ms(s.p99)}`,
      target: '< 50 ms',
      ok: s.p99 < 50,
    },
    { name: `metrics (${engine}): p99 against the target`, value: `${(s.p99 / 50).toFixed(2)}× of 50 ms` },
  ];
}

/**
 * `/metrics` scrape time with 100,000 tokens in the store (issue 13), on SQLite; on Postgres too when the run has a
 * cluster (RODIZIO_TEST_PG_URL, e.g. when a `replicas:` section is selected as well).
 */
export async function benchMetrics(dir: string, n = 100_000): Promise<Figure[]> {
  const figures = await scrapeBench('sqlite', join(dir, 'metrics.db'), n);
  if (process.env.RODIZIO_TEST_PG_URL) {
    const { createTestDatabase } = await import('../helpers/postgres.js');
    const pg = await createTestDatabase();
    try {
      figures.push(...(await scrapeBench('postgres', pg.url, n)));
    } finally {
      await pg.drop();
    }
  }
  return figures;
}
