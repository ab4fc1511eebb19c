import { type IncomingMessage, request } from 'node:http';
import { join } from 'node:path';
import { FileConfig, loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createBridge } from '../../src/main.js';
import { type Figure, ms, summarize } from './lib.js';

const SECRET = 'bench-secret';

/**
 * Event fan-out: `clients` SSE streams on loopback, `changes` state changes (creates, resolves) at a steady pace;
 * for each event, the time from its commit to the last client reading its frame, and memory per idle client.
 * Clients and bridge share one process and event loop, so the figures include the clients' own parsing.
 */
export async function benchEventFanout(dir: string, clients = 100, changes = 10_000): Promise<Figure[]> {
  const bridge = await createBridge({
    logger: createLogger({ level: 'silent' }),
    config: {
      ...loadConfig({ RODIZIO_SANDBOX: 'false', RODIZIO_PHASE_WATCH: 'false' }),
      port: 0,
      dbPath: join(dir, 'events.db'),
      apiTokens: new Map([['bench', SECRET]]),
      file: FileConfig.parse({}),
    },
    schedule: false,
  });
  const port = await bridge.start();
  const committed = new Map<number, number>();
  const lastArrival = new Map<number, number>();
  const arrivals = new Map<number, number>();
  let pending: number[] = [];
  bridge.purgatory.onEvent((seq) => pending.push(seq));

  // Measured as `after` is: collected, settled for 200 ms, collected again (the heap gives pages back lazily).
  global.gc?.();
  await new Promise((r) => setTimeout(r, 200));
  global.gc?.();
  const before = process.memoryUsage();
  const responses: IncomingMessage[] = [];
  await Promise.all(
    Array.from(
      { length: clients },
      () =>
        new Promise<void>((resolve, reject) => {
          const req = request(
            { host: '127.0.0.1', port, path: '/v1/events/stream', headers: { authorization: `Bearer ${SECRET}` } },
            (res) => {
              responses.push(res);
              let buffer = '';
              res.setEncoding('utf8');
              res.on('data', (chunk: string) => {
                buffer += chunk;
                const now = performance.now();
                let at = buffer.indexOf('\n\n');
                while (at >= 0) {
                  const frame = buffer.slice(0, at);
                  buffer = buffer.slice(at + 2);
                  const id = /^id: (\d+)$/m.exec(frame)?.[1];
                  if (id !== undefined && frame.includes('\ndata: ')) {
                    const seq = Number(id);
                    lastArrival.set(seq, now);
                    arrivals.set(seq, (arrivals.get(seq) ?? 0) + 1);
                  }
                  at = buffer.indexOf('\n\n');
                }
              });
              resolve();
            },
          );
          req.on('error', reject);
          req.end();
        }),
    ),
  );
  await new Promise((r) => setTimeout(r, 200));
  global.gc?.();
  const after = process.memoryUsage();

  const actor = { runner: 'bench', admin: false };
  const started = performance.now();
  for (let i = 0; i < changes; i += 2) {
    await bridge.purgatory.create({ id: `fan-${i}`, reason: 'approval_needed' }, actor);
    const at = performance.now();
    for (const seq of pending) committed.set(seq, at);
    pending = [];
    await bridge.purgatory.resolve(`fan-${i}`, { humanInput: 'yes', by: 'U1', via: 'api' });
    const at2 = performance.now();
    for (const seq of pending) committed.set(seq, at2);
    pending = [];
    // About 2,000 changes a second: 10 per 5 ms tick.
    if (i % 10 === 8) await new Promise((r) => setTimeout(r, 5));
  }
  const produced = performance.now() - started;
  const deadline = Date.now() + 30_000;
  while ([...committed.keys()].some((s) => (arrivals.get(s) ?? 0) < clients) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  const latencies = [...committed].map(([seq, at]) => (lastArrival.get(seq) ?? Number.NaN) - at);
  const complete = [...committed.keys()].filter((s) => arrivals.get(s) === clients).length;
  for (const res of responses) res.destroy();
  await bridge.stop();
  const s = summarize(latencies.filter((l) => !Number.isNaN(l)));
  const perClient = (after.rss - before.rss) / clients;
  const heapPerClient = (after.heapUsed - before.heapUsed) / clients;
  return [
    {
      name: `event fan-out: ${changes} changes to ${clients} streams, commit → last client p99`,
      value: ms(s.p99),
      target: '< 50 ms',
      ok: s.p99 < 50,
    },
    { name: '  p50 / max', value: `${ms(s.p50)} / ${ms(s.max)}` },
    {
      name: '  events seen exactly once by every client',
      value: `${complete}/${committed.size}`,
      ok: complete === committed.size,
    },
    { name: '  production rate (changes/s)', value: `${Math.round(changes / (produced / 1000))}` },
    {
      name: '  memory per connected client (rss / heap, both ends)',
      value: `${(perClient / 1024).toFixed(1)} KiB / ${(heapPerClient / 1024).toFixed(1)} KiB`,
    },
  ];
}
