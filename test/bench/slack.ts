import { join } from 'node:path';
import { ManualClock, systemClock } from '../../src/clock.js';
import { type Config, loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createBridge } from '../../src/main.js';
import { createPurgatory } from '../../src/purgatory.js';
import { createFakeSlack } from '../../src/sandbox/fake-slack.js';
import { createSlackDriver } from '../../src/sandbox/slack-driver.js';
import { openStore } from '../../src/store/open.js';
import { type Figure, loadTokens, mib, ms, summarize } from './lib.js';

export const SIGNING_SECRET = 'bench-signing-secret';
export const CHANNEL = 'C0BENCH';

/** A bridge config for benches: its own database, port 0, runner `bench`, Slack at the fake's URL. */
export function config(dir: string, name: string, apiUrl: string, postIntervalMs: number): Config {
  return {
    ...loadConfig({ RODIZIO_SANDBOX: 'false', RODIZIO_PHASE_WATCH: 'false' }),
    port: 0,
    host: '127.0.0.1',
    dbPath: join(dir, `${name}.db`),
    apiTokens: new Map([['bench', 'bench-secret']]),
    adminToken: undefined,
    configFile: undefined,
    logLevel: 'silent',
    slack: {
      botToken: 'xoxb-bench',
      signingSecret: SIGNING_SECRET,
      appToken: undefined,
      apiUrl,
      channel: CHANNEL,
      escalationChannel: undefined,
      postIntervalMs,
    },
  };
}

/** Seeded PRNG so the 429 pattern is the same on every run. */
export function seeded(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * A signed block_actions click through Bolt to a waiting long-poll, with 10,000 other pending tokens in the
 * store: time to the reentry at the agent, and the time Slack would wait for the ack.
 */
export async function benchClick(dir: string, n = 1000, background = 10_000): Promise<Figure[]> {
  const fake = createFakeSlack({ botToken: 'xoxb-bench' });
  await fake.start();
  const cfg = config(dir, 'click', fake.apiUrl, 0);
  {
    const store = await openStore(cfg.dbPath);
    const quiet = createPurgatory({ store, clock: systemClock });
    await loadTokens(
      quiet,
      background,
      (i) => ({ id: `bg-${i}`, reason: 'approval_needed', prompt: `background ${i}`, options: ['a', 'b'] }),
      () => ({ runner: 'bench', admin: false }),
    );
    await store.close();
  }
  const bridge = await createBridge({ config: cfg, logger: createLogger({ level: 'silent' }) });
  const port = await bridge.start();
  const driver = createSlackDriver({
    fake,
    botUrl: `http://127.0.0.1:${port}/slack/events`,
    signingSecret: SIGNING_SECRET,
  });
  for (let i = 0; i < n; i++) {
    await bridge.purgatory.create(
      { id: `click-${i}`, reason: 'approval_needed', prompt: `Deploy ${i}?`, options: ['yes', 'no'] },
      { runner: 'bench', admin: false },
    );
  }
  while (
    (await bridge.purgatory.list({ status: 'pending', limit: 1 })).tokens[0]?.slack === null ||
    fake.messages(CHANNEL).length < n
  ) {
    await new Promise((r) => setTimeout(r, 20));
  }
  const toReentry: number[] = [];
  const ack: number[] = [];
  for (let i = 0; i < n; i++) {
    const id = `click-${i}`;
    const token = await bridge.purgatory.get(id);
    const poll = fetch(`http://127.0.0.1:${port}/v1/tokens/${id}/reentry?wait=30`, {
      headers: { authorization: 'Bearer bench-secret' },
    }).then(async (r) => {
      await r.arrayBuffer();
      return process.hrtime.bigint();
    });
    while (bridge.waiters.count() === 0) await new Promise((r) => setImmediate(r));
    // Timed from the signed request leaving the fake Slack: building and signing the payload is Slack's work.
    let t0 = process.hrtime.bigint();
    await driver.clickButton(
      {
        channel: token.slack?.channel ?? CHANNEL,
        ts: token.slack?.ts ?? '',
        actionId: 'rodizio.option.0',
        user: 'U0ALICE',
      },
      {
        onSend: () => {
          t0 = process.hrtime.bigint();
        },
      },
    );
    ack.push(Number(process.hrtime.bigint() - t0) / 1e6);
    toReentry.push(Number((await poll) - t0) / 1e6);
  }
  await bridge.stop();
  await fake.stop();
  const r = summarize(toReentry);
  const a = summarize(ack);
  return [
    { name: `click → reentry at the long-poll (${n} clicks): p50`, value: ms(r.p50) },
    { name: 'click → reentry: p99', value: ms(r.p99), target: '< 20 ms', ok: r.p99 < 20 },
    { name: `ack time with ${background.toLocaleString('en')} pending tokens: p50`, value: ms(a.p50) },
    { name: 'ack time: p99', value: ms(a.p99), target: '< 50 ms', ok: a.p99 < 50 },
  ];
}

/**
 * 1,000 tokens for one channel at once while the fake Slack answers 429 to a fifth of the posts. Runs on a
 * virtual clock (the outbox's waits — pacing and Retry-After — pass instantly) and reports that clock's time.
 */
export async function benchBurst(dir: string, n = 1000, intervalMs = 1000): Promise<Figure[]> {
  const clock = new ManualClock('2026-01-01T00:00:00Z');
  const fake = createFakeSlack({ botToken: 'xoxb-bench', clock });
  await fake.start();
  fake.rateLimit('chat.postMessage', 0.2, 1, seeded(42));
  const bridge = await createBridge({
    config: config(dir, 'burst', fake.apiUrl, intervalMs),
    logger: createLogger({ level: 'silent' }),
    clock,
  });
  await bridge.start();
  const wall = process.hrtime.bigint();
  const start = clock.now();
  for (let i = 0; i < n; i++) {
    await bridge.purgatory.create(
      { id: `burst-${i}`, reason: 'approval_needed', prompt: `Burst ${i}`, options: ['ok'] },
      { runner: 'bench', admin: false },
    );
  }
  for (;;) {
    await bridge.worker.drain();
    const next = await bridge.worker.nextRunAt();
    if (next === undefined) break;
    clock.set(Math.max(next, clock.now()));
  }
  const wallSeconds = Number(process.hrtime.bigint() - wall) / 1e9;
  const posts = fake.callsTo('chat.postMessage');
  const okPosts = posts.filter((c) => c.status === 200);
  const limited = posts.filter((c) => c.status === 429).length;
  const cards = fake.messages(CHANNEL);
  const distinct = new Set(cards.map((m) => m.text)).size;
  let minGap = Number.POSITIVE_INFINITY;
  for (let i = 1; i < okPosts.length; i++) minGap = Math.min(minGap, (okPosts[i]?.at ?? 0) - (okPosts[i - 1]?.at ?? 0));
  const exact = cards.length === n && distinct === n;
  await bridge.stop();
  await fake.stop();
  return [
    {
      name: `burst of ${n} cards to one channel, 20% answered 429 (Retry-After 1 s)`,
      value: `${cards.length} posted, ${distinct} distinct`,
      target: `${n} exactly once`,
      ok: exact,
    },
    { name: 'burst: 429s seen and honoured', value: `${limited}` },
    {
      name: 'burst: smallest gap between two posts (virtual clock)',
      value: `${minGap} ms`,
      target: `≥ ${intervalMs} ms`,
      ok: minGap >= intervalMs,
    },
    {
      name: 'burst: time to post them all (virtual clock: pacing + Retry-After)',
      value: `${((clock.now() - start) / 1000).toFixed(0)} s`,
    },
    { name: 'burst: wall-clock time of the run', value: `${wallSeconds.toFixed(1)} s` },
    { name: 'peak RSS of the process running this section', value: mib(process.resourceUsage().maxRSS * 1024) },
  ];
}
