import { createServer, type Server, type ServerResponse } from 'node:http';
import { ManualClock } from '../../src/clock.js';
import { type Config, FileConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createBridge } from '../../src/main.js';
import { createFakeSlack } from '../../src/sandbox/fake-slack.js';
import { createSlackDriver } from '../../src/sandbox/slack-driver.js';
import { type Figure, ms, summarize } from './lib.js';
import { CHANNEL, config, SIGNING_SECRET, seeded } from './slack.js';

const RUNNER_SECRET = 'bench-secret';

/** 127.0.0.1 to 127.0.0.40: loopback addresses the bench's receivers listen on. */
const LOOPBACK_HOSTS = Array.from({ length: 40 }, (_, i) => `127.0.0.${i + 1}`);

/** The Slack benches' config, with runner `bench` allowed to reach loopback receivers. */
function fieldConfig(dir: string, name: string, apiUrl: string, postIntervalMs: number): Config {
  return {
    ...config(dir, name, apiUrl, postIntervalMs),
    file: FileConfig.parse({
      runners: { bench: { allow: { webhook_hosts: LOOPBACK_HOSTS, private_networks: true } } },
    }),
  };
}

/**
 * The field test's first finding: 1,000 cards queued for one channel (1 post/s, 20% of posts and updates
 * answered 429), and each of the first 20 cards clicked as soon as it is posted. Click-to-flip is measured on
 * the virtual clock that paces posts and honours Retry-After, so a flip waiting behind the queue would show its
 * full wait; every card must still be posted exactly once with the channel's gap held.
 */
export async function benchClickToFlip(dir: string, n = 1000, clicks = 20): Promise<Figure[]> {
  const clock = new ManualClock('2026-01-01T00:00:00Z');
  const fake = createFakeSlack({ botToken: 'xoxb-bench', clock });
  await fake.start();
  fake.rateLimit('chat.postMessage', 0.2, 1, seeded(7));
  fake.rateLimit('chat.update', 0.2, 1, seeded(11));
  const bridge = await createBridge({
    config: fieldConfig(dir, 'flip', fake.apiUrl, 1000),
    logger: createLogger({ level: 'silent' }),
    clock,
    schedule: false,
  });
  const port = await bridge.start();
  const driver = createSlackDriver({
    fake,
    botUrl: `http://127.0.0.1:${port}/slack/events`,
    signingSecret: SIGNING_SECRET,
  });
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const { token } = await bridge.purgatory.create(
      { id: `flip-${i}`, reason: 'approval_needed', prompt: `Card ${i}?`, options: ['yes', 'no'] },
      { runner: 'bench', admin: false },
    );
    ids.push(token.id);
  }
  const clickedAt = new Map<string, number>();
  const flips: number[] = [];
  const wall: number[] = [];
  const wallClicked = new Map<string, number>();
  const flipped = new Set<string>();
  for (let rounds = 0; rounds < 100_000; rounds++) {
    await bridge.worker.drain();
    for (const id of ids.slice(0, clicks)) {
      const token = await bridge.purgatory.get(id);
      if (token.slack && !clickedAt.has(id)) {
        clickedAt.set(id, clock.now());
        wallClicked.set(id, performance.now());
        await driver.clickButton({
          channel: token.slack.channel,
          ts: token.slack.ts,
          actionId: 'rodizio.option.0',
          user: 'U0ALICE',
        });
        // The answer is processed after the ack (from the intake table): the virtual clock waits for it, as
        // real time would only pass a few milliseconds.
        while ((await bridge.purgatory.get(id)).status === 'pending') await new Promise((r) => setImmediate(r));
      }
      if (token.slack && !flipped.has(id)) {
        const update = fake
          .callsTo('chat.update')
          .find((c) => c.status === 200 && c.response.ok && c.args.ts === token.slack?.ts);
        if (update) {
          flipped.add(id);
          flips.push(update.at - (clickedAt.get(id) ?? update.at));
          wall.push(performance.now() - (wallClicked.get(id) ?? 0));
        }
      }
    }
    // Time moves only once nothing is in flight: a job started by the running worker must not see the clock jump.
    await bridge.worker.drain();
    await bridge.worker.idle();
    const next = await bridge.worker.nextRunAt();
    if (next === undefined && bridge.worker.inFlight() === 0) break;
    if (next !== undefined) clock.set(Math.max(next, clock.now()));
  }
  const cardPosts = fake
    .callsTo('chat.postMessage')
    .filter((c) => c.status === 200 && c.response.ok)
    .sort((a, b) => a.at - b.at);
  let minGap = Number.POSITIVE_INFINITY;
  for (let i = 1; i < cardPosts.length; i++)
    minGap = Math.min(minGap, (cardPosts[i]?.at ?? 0) - (cardPosts[i - 1]?.at ?? 0));
  const cards = fake.messages(CHANNEL);
  const distinct = new Set(cards.map((m) => m.text?.replace(/^✅ Answered "yes": /, ''))).size;
  await bridge.stop();
  await fake.stop();
  const f = summarize(flips);
  const w = summarize(wall);
  return [
    { name: `click → flip, ${clicks} clicks under a ${n}-card backlog (virtual clock): p50`, value: ms(f.p50) },
    { name: 'click → flip: p99', value: ms(f.p99), target: '< 1500 ms', ok: f.p99 < 1500 && flips.length === clicks },
    { name: 'click → flip: wall-clock processing p99 (signed click to chat.update)', value: ms(w.p99) },
    {
      name: 'backlog: cards posted',
      value: `${cards.length} posted, ${distinct} distinct`,
      target: `${n} exactly once`,
      ok: cards.length === n && distinct === n,
    },
    {
      name: 'backlog: smallest gap between two posts to the channel',
      value: `${minGap} ms`,
      target: '≥ 1000 ms',
      ok: minGap >= 1000,
    },
  ];
}

/**
 * The field test's third finding: 32 webhook receivers that accept and never answer, each holding a delivery
 * open until its 10 s timeout, while unrelated tokens are created one after another: time from the create call
 * to the card in Slack.
 */
export async function benchHungReceivers(dir: string, hung = 32, unrelated = 200): Promise<Figure[]> {
  const open: ServerResponse[] = [];
  // One receiver per loopback address, so each hung receiver is an origin of its own, as 32 agents' hosts are.
  const receivers: Server[] = [];
  for (let i = 0; i < hung; i++) {
    const receiver = createServer((req, res) => {
      req.resume();
      open.push(res); // accepts, never answers
    });
    await new Promise<void>((resolve) => receiver.listen(0, `127.0.0.${2 + i}`, resolve));
    receivers.push(receiver);
  }
  const urlOf = (s: Server) => {
    const address = s.address();
    return typeof address === 'object' && address ? `http://${address.address}:${address.port}/hook` : '';
  };
  const fake = createFakeSlack({ botToken: 'xoxb-bench' });
  await fake.start();
  const bridge = await createBridge({
    config: fieldConfig(dir, 'hung', fake.apiUrl, 0),
    logger: createLogger({ level: 'silent' }),
    schedule: false,
  });
  await bridge.start();
  const actor = { runner: 'bench', admin: false };
  for (const [i, receiver] of receivers.entries()) {
    await bridge.purgatory.create(
      { id: `hung-${i}`, reason: 'approval_needed', delivery: { type: 'webhook', url: urlOf(receiver) } },
      actor,
    );
    await bridge.purgatory.resolve(`hung-${i}`, { humanInput: 'yes', by: 'U0ALICE', via: 'api' });
  }
  while (open.length < Math.min(hung, 32)) await new Promise((r) => setTimeout(r, 5));
  const latency: number[] = [];
  let whileHung = 0;
  for (let i = 0; i < unrelated; i++) {
    const started = performance.now();
    const res = await fetch(`http://127.0.0.1:${bridge.port}/v1/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${RUNNER_SECRET}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'approval_needed', prompt: `Unrelated ${i}?`, options: ['yes'] }),
    });
    const { id } = (await res.json()) as { id: string };
    while (!(await bridge.purgatory.get(id)).slack) await new Promise((r) => setImmediate(r));
    latency.push(performance.now() - started);
    if (open.every((r) => !r.destroyed)) whileHung++;
  }
  for (const r of open) r.destroy();
  await bridge.stop();
  await fake.stop();
  for (const receiver of receivers) {
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
  }
  const l = summarize(latency);
  return [
    { name: `unrelated card (create → posted) with ${hung} hung receivers: p50`, value: ms(l.p50) },
    {
      name: `unrelated card with ${hung} hung receivers: p99 (${unrelated} cards)`,
      value: ms(l.p99),
      target: '< 200 ms',
      ok: l.p99 < 200,
    },
    { name: `cards posted while all ${hung} deliveries were hanging`, value: `${whileHung} of ${unrelated}` },
  ];
}
