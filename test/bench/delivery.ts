import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { FileConfig, loadConfig } from '../../src/config.js';
import { verifyRodizioSignature } from '../../src/index.js';
import { createLogger } from '../../src/logger.js';
import { createBridge } from '../../src/main.js';
import { createFakeSlack } from '../../src/sandbox/fake-slack.js';
import { type Figure, ms, summarize } from './lib.js';

const SECRET = 'bench-secret';

/** 1,000 answered tokens delivered to a loopback webhook receiver that verifies each signature and answers at once. */
export async function benchWebhooks(dir: string, n = 1000): Promise<Figure[]> {
  const accepted = new Set<string>();
  let bad = 0;
  let done: () => void = () => {};
  const all = new Promise<void>((resolve) => {
    done = resolve;
  });
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      const ok = verifyRodizioSignature({
        secret: SECRET,
        body,
        timestamp: req.headers['x-rodizio-timestamp'] as string,
        signature: req.headers['x-rodizio-signature'] as string,
      });
      if (!ok) bad++;
      accepted.add(String(req.headers['x-rodizio-token-id']));
      res.writeHead(204).end();
      if (accepted.size === n) done();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const address = receiver.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hook`;
  const bridge = await createBridge({
    logger: createLogger({ level: 'silent' }),
    config: {
      ...loadConfig({ RODIZIO_SANDBOX: 'false', RODIZIO_PHASE_WATCH: 'false' }),
      port: 0,
      dbPath: join(dir, 'deliver.db'),
      apiTokens: new Map([['bench', SECRET]]),
      file: FileConfig.parse({
        runners: { bench: { allow: { webhook_hosts: ['127.0.0.1'], private_networks: true } } },
      }),
    },
    schedule: false,
  });
  await bridge.start();
  const actor = { runner: 'bench', admin: false };
  for (let i = 0; i < n; i++) {
    await bridge.purgatory.create(
      { id: `hook-${i}`, reason: 'approval_needed', delivery: { type: 'webhook', url } },
      actor,
    );
  }
  // All answered at once, as a burst of clicks would.
  const started = performance.now();
  await Promise.all(
    Array.from({ length: n }, (_, i) =>
      bridge.purgatory.resolve(`hook-${i}`, { humanInput: 'yes', by: 'bench', via: 'api' }),
    ),
  );
  await all;
  const seconds = (performance.now() - started) / 1000;
  await bridge.stop();
  await new Promise((resolve) => receiver.close(resolve));
  const rate = n / seconds;
  return [
    {
      name: `webhook delivery: ${n} reentries drained`,
      value: `${(seconds * 1000).toFixed(0)} ms (${bad} bad signatures)`,
    },
    { name: 'webhook delivery rate', value: `${rate.toFixed(0)} /s`, target: '≥ 500/s', ok: rate >= 500 && bad === 0 },
  ];
}

/** Time from writing a phase file to its escalation card arriving at Slack: with watch events, and rescans only. */
export async function benchPhase(dir: string, n = 200, rescanOnly = 30): Promise<Figure[]> {
  const run = async (events: boolean, count: number, rescanMs: number) => {
    const phaseDir = join(dir, `phase-${events}`);
    mkdirSync(phaseDir, { recursive: true });
    const fake = createFakeSlack({ botToken: 'xoxb-bench' });
    await fake.start();
    let posted = 0;
    let waiter: (() => void) | undefined;
    fake.subscribe((change) => {
      if (change.kind === 'message') {
        posted++;
        waiter?.();
      }
    });
    const base = loadConfig({
      SLACK_BOT_TOKEN: 'xoxb-bench',
      SLACK_SIGNING_SECRET: 'bench',
      SLACK_CHANNEL: 'C0BENCH',
      SLACK_API_URL: fake.apiUrl,
      SLACK_POST_INTERVAL: '1ms',
    });
    const bridge = await createBridge({
      logger: createLogger({ level: 'silent' }),
      config: {
        ...base,
        port: 0,
        dbPath: join(dir, `phase-${events}.db`),
        phase: { enabled: true, dir: phaseDir, dirSet: true, rescanMs, events },
      },
      schedule: false,
    });
    await bridge.start();
    const samples: number[] = [];
    for (let i = 0; i < count; i++) {
      const before = posted;
      const arrived = new Promise<void>((resolve) => {
        waiter = () => {
          if (posted > before) resolve();
        };
      });
      const t0 = performance.now();
      writeFileSync(join(phaseDir, `dev-session-bench-app-${i + 1}.phase`), `PHASE:escalate\nReason: benchmark ${i}\n`);
      await arrived;
      samples.push(performance.now() - t0);
    }
    await bridge.stop();
    await fake.stop();
    return summarize(samples);
  };
  const watched = await run(true, n, 5000);
  const scanned = await run(false, rescanOnly, 1000);
  return [
    { name: `phase file → escalation card, fs.watch (${n} files): p50`, value: ms(watched.p50) },
    {
      name: 'phase file → escalation card, fs.watch: p99',
      value: ms(watched.p99),
      target: '< 500 ms',
      ok: watched.p99 < 500,
    },
    { name: `phase file → card, watch events lost, 1 s rescans (${rescanOnly} files): p50`, value: ms(scanned.p50) },
    {
      name: 'phase file → card, watch events lost: max',
      value: ms(scanned.max),
      target: '≤ rescan (1 s) + handling',
      ok: scanned.max < 1000 + 250,
    },
  ];
}
