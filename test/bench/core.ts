import { join } from 'node:path';
import { ManualClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createBridge } from '../../src/main.js';
import { createPurgatory } from '../../src/purgatory.js';
import { openStore } from '../../src/store/open.js';
import { type Figure, hammer, loadTokens, medianMs, mib, ms, startChild, summarize } from './lib.js';

const tokenBody = (prefix: string) => (i: number) =>
  JSON.stringify({
    id: `${prefix}-${i}`,
    reason: 'approval_needed',
    prompt: `Deploy build ${i} to production?`,
    options: ['yes', 'no'],
    frozen_state: 'dGVzdCBzdGF0ZQ==',
  });

/**
 * Creates over HTTP against one server of servers.ts (`baseline`, `pg-baseline` or `rodizio`) on database `db`
 * (a SQLite file or a postgres:// URL): 500 warm-up requests, then `total` with `concurrency` connections.
 */
export async function createOverHttp(kind: string, db: string, total: number, concurrency: number) {
  const child = startChild('servers.ts', [kind, db]);
  const port = await child.port;
  try {
    const url = `http://127.0.0.1:${port}/v1/tokens`;
    const auth = { authorization: 'Bearer bench-secret' };
    await hammer(url, 500, concurrency, tokenBody(`warm-${kind}`), auth);
    return await hammer(url, total, concurrency, tokenBody(kind), auth);
  } finally {
    await child.stop();
  }
}

/** Token creation over HTTP: the bridge against a bare node:http + one INSERT baseline, same run. */
export async function benchCreate(dir: string, total = 10_000, concurrency = 32): Promise<Figure[]> {
  const run = (kind: string) => createOverHttp(kind, join(dir, `${kind}.db`), total, concurrency);
  const baseline = await run('baseline');
  const rodizio = await run('rodizio');
  const ratio = rodizio.rps / baseline.rps;
  return [
    {
      name: `create over HTTP: baseline (node:http + INSERT), ${total} req × ${concurrency}`,
      value: `${baseline.rps.toFixed(0)} req/s`,
    },
    {
      name: 'create over HTTP: rodizio (auth, zod, transaction with audit event)',
      value: `${rodizio.rps.toFixed(0)} req/s (failures: ${rodizio.failures})`,
    },
    {
      name: 'create over HTTP: rodizio / baseline',
      value: ratio.toFixed(2),
      target: '≥ 0.50',
      ok: ratio >= 0.5 && rodizio.failures === 0,
    },
  ];
}

/** Time from resolve() to the long-poll response arriving at the client, one token at a time. */
export async function benchWake(dir: string, n = 1000): Promise<Figure[]> {
  const bridge = await createBridge({
    logger: createLogger({ level: 'silent' }),
    config: {
      ...loadConfig({ RODIZIO_SANDBOX: 'false', RODIZIO_PHASE_WATCH: 'false' }),
      port: 0,
      host: '127.0.0.1',
      dbPath: join(dir, 'wake.db'),
      apiTokens: new Map([['bench', 'bench-secret']]),
      adminToken: undefined,
      configFile: undefined,
      logLevel: 'silent',
    },
  });
  const port = await bridge.start();
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const id = `wake-${i}`;
    await bridge.purgatory.create({ id, reason: 'approval_needed', prompt: 'ok?' }, { runner: 'bench', admin: false });
    const poll = fetch(`http://127.0.0.1:${port}/v1/tokens/${id}/reentry?wait=30`, {
      headers: { authorization: 'Bearer bench-secret' },
    }).then(async (r) => {
      await r.arrayBuffer();
      return process.hrtime.bigint();
    });
    while (bridge.waiters.count() === 0) await new Promise((r) => setImmediate(r));
    const t0 = process.hrtime.bigint();
    await bridge.purgatory.resolve(id, { humanInput: 'yes', by: 'bench', via: 'api' });
    samples.push(Number((await poll) - t0) / 1e6);
  }
  await bridge.stop();
  const s = summarize(samples);
  return [
    { name: `resolve → long-poll wakes (${n} tokens): p50`, value: ms(s.p50) },
    { name: 'resolve → long-poll wakes: p99', value: ms(s.p99), target: '< 5 ms', ok: s.p99 < 5 },
  ];
}

/** Queries against a store of 100,000 pending tokens. */
export async function benchBigStore(dir: string, n = 100_000): Promise<Figure[]> {
  const clock = new ManualClock('2026-01-01T00:00:00Z');
  const store = await openStore(join(dir, 'big.db'));
  const purgatory = createPurgatory({ store, clock });
  const started = process.hrtime.bigint();
  await loadTokens(
    purgatory,
    n,
    (i) => ({
      id: `big-${i}`,
      reason: 'approval_needed',
      prompt: `Question ${i}`,
      options: ['a', 'b'],
      // 1,000 tokens are overdue; the rest have deadlines in the future or none.
      deadline: i < 1000 ? '2025-12-31T00:00:00' : i % 3 === 0 ? null : `2026-0${1 + (i % 9)}-15T00:00:00`,
      project: `p${i % 20}`,
    }),
    (i) => ({ runner: `r${i % 10}`, admin: false }),
  );
  const loadSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const dueMs = await medianMs(50, () => purgatory.due(500));
  clock.set('2025-01-01T00:00:00Z');
  const dueNone = await medianMs(50, () => purgatory.due(500));
  clock.set('2026-01-01T00:00:00Z');
  const pageMs = await medianMs(50, () => purgatory.list({ status: 'pending', limit: 50 }));
  const runnerPageMs = await medianMs(50, () => purgatory.list({ status: 'pending', runner: 'r3', limit: 50 }));
  await store.close();
  return [
    { name: `store: ${n} pending tokens created through the purgatory`, value: `${loadSeconds.toFixed(1)} s` },
    { name: 'store: due-deadline query (1,000 due, page of 500)', value: ms(dueMs), target: '< 10 ms', ok: dueMs < 10 },
    { name: 'store: due-deadline query (none due)', value: ms(dueNone), target: '< 10 ms', ok: dueNone < 10 },
    { name: 'store: first page of pending list (50)', value: ms(pageMs), target: '< 10 ms', ok: pageMs < 10 },
    {
      name: "store: first page of one runner's pending list",
      value: ms(runnerPageMs),
      target: '< 10 ms',
      ok: runnerPageMs < 10,
    },
    { name: 'store: peak RSS of the process running this section', value: mib(process.resourceUsage().maxRSS * 1024) },
  ];
}
