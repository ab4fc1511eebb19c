// Three replicas drain webhook deliveries to one receiver that verifies signatures and dedupes on token id.
// The tokens are created from here (group commit: creating them is not what is timed), then answered in bulk
// through the admin API of all three replicas:
//  live:    the replicas deliver while the answers come in; timed from the first delivery to the last, so it is
//           bounded by how fast answers are recorded (shown beside it).
//  backlog: the receiver's gate is paused in the shared `gates` table (as a Slack 429 pauses a channel) until all
//           answers are recorded, then opened with a NOTIFY: from opening to the last delivery is the outbox
//           alone draining a backlog of n.
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { verifyRodizioSignature } from '../../src/index.js';
import { openPurgatory } from '../../src/main.js';
import { Gate } from '../../src/outbox/gates.js';
import { type Replica, type ReplicaSet, waitFor } from '../helpers/replicas.js';
import { type Figure, loadTokens } from './lib.js';
import { ADMIN, call, logLines, pool, RUNNER, replicaEnv, SECRET, sleep, withReplicas } from './pg.js';

/** Answers in flight at once through the admin API (a third on each replica). */
const CONCURRENCY = 48;

/** A receiver that answers 204 at once and counts, per token id, how often it was delivered. */
function startReceiver() {
  const seen = new Map<string, number>();
  const times: number[] = [];
  const state = { bad: 0 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      const timestamp = req.headers['x-rodizio-timestamp'] as string;
      const signature = req.headers['x-rodizio-signature'] as string;
      if (!verifyRodizioSignature({ secret: SECRET, body, timestamp, signature })) state.bad++;
      const id = (JSON.parse(body) as { token_id: string }).token_id;
      seen.set(id, (seen.get(id) ?? 0) + 1);
      res.writeHead(204).end();
      times.push(performance.now());
    });
  });
  return {
    server,
    state,
    seen,
    times,
    listen: () =>
      new Promise<string>((resolve) =>
        server.listen(0, '127.0.0.1', () => {
          const a = server.address();
          resolve(`http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}/hook`);
        }),
      ),
    reset() {
      seen.clear();
      times.length = 0;
      state.bad = 0;
    },
  };
}

type Receiver = ReturnType<typeof startReceiver>;

interface Phase {
  resolveRate: number;
  rate: number;
  duplicates: number;
  bad: number;
  perReplica: string;
}

async function phase(set: ReplicaSet, receiver: Receiver, url: string, name: string, n: number): Promise<Phase> {
  const replicas = set.replicas;
  const on = (i: number) => replicas[i % replicas.length] as Replica;
  const id = (i: number) => `${name}-${i}`;
  const before = replicas.map((r) => delivered(r));
  const gate = Gate.webhook(url);
  const backlog = name === 'backlog';
  receiver.reset();
  if (backlog) {
    await set.db.query(
      `INSERT INTO gates (name, open_at_ms) VALUES ($1, $2)
       ON CONFLICT (name) DO UPDATE SET open_at_ms = excluded.open_at_ms`,
      [gate, Date.now() + 3_600_000],
    );
  }
  const resolveStart = performance.now();
  await pool(n, CONCURRENCY, async (i) => {
    await call(on(i), 'POST', `/v1/tokens/${id(i)}/resolve`, { human_input: 'yes', by: 'bench' }, ADMIN);
  });
  const resolveEnd = performance.now();
  let opened = 0;
  if (backlog) {
    if (receiver.seen.size > 0) throw new Error(`${receiver.seen.size} deliveries went through a paused gate`);
    opened = performance.now();
    await set.db.query('DELETE FROM gates WHERE name = $1', [gate]);
    // As an enqueue elsewhere would: every replica's worker looks now rather than at its next poll (≤ 5 s).
    await set.db.query(`SELECT pg_notify('rodizio', '{"kind":"outbox","origin":"bench"}')`);
  }
  await waitFor(() => receiver.seen.size >= n, { timeoutMs: 300_000, intervalMs: 10, what: `${n} ${name} deliveries` });
  const first = opened || Math.min(...receiver.times);
  const last = Math.max(...receiver.times);
  // A job run twice would arrive after the others: give it a moment before counting.
  await sleep(1000);
  return {
    resolveRate: n / ((resolveEnd - resolveStart) / 1000),
    rate: n / ((last - first) / 1000),
    duplicates: [...receiver.seen.values()].reduce((sum, c) => sum + c - 1, 0),
    bad: receiver.state.bad,
    perReplica: replicas.map((r, i) => delivered(r) - (before[i] ?? 0)).join(' / '),
  };
}

/** How many webhook deliveries a replica has logged so far. */
function delivered(r: Replica): number {
  return logLines(r).filter((l) => l.msg === 'reentry delivered by webhook').length;
}

/** Rows the outbox table has had updated so far (leases taken and given back, completions), from Postgres' stats. */
async function outboxUpdates(set: ReplicaSet): Promise<number> {
  const { rows } = await set.db.query<{ n: string }>(
    `SELECT n_tup_upd AS n FROM pg_stat_user_tables WHERE relname = 'outbox'`,
  );
  return Number(rows[0]?.n ?? 0);
}

/** Creates `names × n` tokens with a webhook delivery to `url`, from this process in a few group commits. */
async function createTokens(dbUrl: string, configFile: string, url: string, names: string[], n: number) {
  const config = loadConfig({
    RODIZIO_DB: dbUrl,
    RODIZIO_CONFIG: configFile,
    RODIZIO_API_TOKENS: `${RUNNER}:${SECRET}`,
    RODIZIO_SANDBOX: 'false',
  });
  const opened = await openPurgatory(config);
  try {
    await loadTokens(
      opened.purgatory,
      names.length * n,
      (i) => ({
        id: `${names[Math.floor(i / n)]}-${i % n}`,
        reason: 'approval_needed',
        prompt: `Deliver ${i}?`,
        delivery: { type: 'webhook', url },
      }),
      () => ({ runner: RUNNER, admin: false }),
    );
  } finally {
    await opened.close();
  }
}

export async function benchReplicaOutbox(dir: string, n = 3000): Promise<Figure[]> {
  const receiver = startReceiver();
  const url = await receiver.listen();
  const configFile = join(dir, 'replicas-outbox.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      runners: { [RUNNER]: { allow: { webhook_hosts: ['127.0.0.1'], private_networks: true } } },
    }),
  );
  try {
    const env = replicaEnv({ RODIZIO_CONFIG: configFile });
    const { live, backlog, updates } = await withReplicas({ count: 3, env }, async (set, dbUrl) => {
      await createTokens(dbUrl, configFile, url, ['live', 'backlog'], n);
      const before = await outboxUpdates(set);
      const live = await phase(set, receiver, url, 'live', n);
      const backlog = await phase(set, receiver, url, 'backlog', n);
      // Idle backends report their table statistics within 10 s (PGSTAT_IDLE_INTERVAL).
      await sleep(11_000);
      return { live, backlog, updates: ((await outboxUpdates(set)) - before) / (2 * n) };
    });
    return [
      {
        name: `outbox, 3 replicas, ${n} answers through the admin API of all three`,
        value: `${live.resolveRate.toFixed(0)} resolves/s`,
      },
      {
        name: 'outbox, live: deliveries/s, first to last delivery (delivered by r0 / r1 / r2)',
        value: `${live.rate.toFixed(0)} /s (${live.perReplica})`,
      },
      {
        name: `outbox, backlog of ${n}: deliveries/s from opening the gate to the last (r0 / r1 / r2)`,
        value: `${backlog.rate.toFixed(0)} /s (${backlog.perReplica})`,
        target: '≥ 1,000/s',
        ok: backlog.rate >= 1000,
      },
      {
        name: 'outbox: duplicate deliveries (live + backlog); bad signatures',
        value: `${live.duplicates + backlog.duplicates}; ${live.bad + backlog.bad}`,
        target: '0; 0',
        ok: live.duplicates + backlog.duplicates === 0 && live.bad + backlog.bad === 0,
      },
      // A lease and a completion make 2; more is claims given back (leased, then released unrun).
      { name: 'outbox: row updates per delivery (both phases; 2 = lease + done)', value: updates.toFixed(1) },
    ];
  } finally {
    receiver.server.closeAllConnections();
    await new Promise((resolve) => receiver.server.close(resolve));
  }
}
