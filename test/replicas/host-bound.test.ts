import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_SECRET, OTHER_SECRET, RUNNER_SECRET } from '../helpers/bridge.js';
import { cli, spawnCli } from '../helpers/cli.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { callReplica, type Replica, type ReplicaSet, startReplicas, waitFor } from '../helpers/replicas.js';

/**
 * Host-bound work across two hosts, from the outside: two `rodizio serve` replicas on one Postgres database, one
 * declaring RODIZIO_HOST_ID `host-a`, the other `host-b`, each with a folder and a config file of its own.
 *
 * Each replica's config lets the runners write only into its own host's folder, as each machine's own settings
 * would. So a file delivery bound to host-b that replica A ran anyway would be refused by A's check before writing
 * (the handler checks the target against the running replica's rules) and its job would die: a job that is `done`
 * after one attempt, with the file in B's folder, was run by B. Tokens are created through the replica whose folder
 * they name (the create-time check runs there) and answered through the other one. The answering replica wakes its
 * own worker first, so it is the likely one to run a job it should not; the host-c test catches that for certain
 * (a job no replica may run must stay untried).
 */

/** `edge`'s agents run on host-b (runners.edge.host): its file targets are bound there without naming a host. */
const EDGE_SECRET = OTHER_SECRET;

let database: { url: string; drop(): Promise<void> };
let set: ReplicaSet;
let replicaA: Replica;
let replicaB: Replica;
let dirA: string;
let dirB: string;

/** A config file in `dir` that lets `ci` and `edge` write only under `dir`. */
function writeConfig(dir: string): string {
  const file = join(dir, 'rodizio.json');
  const allow = { file_dirs: [dir] };
  writeFileSync(file, JSON.stringify({ runners: { ci: { allow }, edge: { host: 'host-b', allow } } }));
  return file;
}

// biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field
type Json = any;

/** A request to a replica's API; `token` defaults to the `ci` runner's secret. */
const call = (replica: Replica, method: string, path: string, options: { token?: string; body?: unknown } = {}) =>
  callReplica(replica, method, path, { token: RUNNER_SECRET, ...options });

/** Creates a pending approval through `via`, for `runner` (its secret), with `delivery`. */
async function create(via: Replica, id: string, delivery: unknown, token = RUNNER_SECRET): Promise<void> {
  const res = await call(via, 'POST', '/v1/tokens', {
    token,
    body: { id, reason: 'approval_needed', prompt: `${id}: go?`, options: ['approve', 'deny'], delivery },
  });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
}

/** Answers through `via`'s API as the admin would. */
async function answer(via: Replica, id: string, humanInput = 'approve'): Promise<void> {
  const res = await call(via, 'POST', `/v1/tokens/${id}/resolve`, {
    token: ADMIN_SECRET,
    body: { human_input: humanInput, by: 'U0ALICE' },
  });
  expect(res.status, JSON.stringify(res.json)).toBe(200);
}

interface DeliveryView {
  id: number;
  token_id: string;
  kind: string;
  status: string;
  host: string | null;
  attempts: number;
  last_error: string | null;
}

/** What `rodizio deliveries --token <id> --json` shows an operator, run against the shared database. */
async function deliveries(tokenId: string): Promise<DeliveryView[]> {
  const out = await cli(['deliveries', '--token', tokenId, '--json'], { RODIZIO_DB: database.url });
  expect(out.code, out.stderr).toBe(0);
  return JSON.parse(out.stdout) as DeliveryView[];
}

/** Waits until the token's one delivery is no longer pending, and returns it. */
const deliveryDone = (tokenId: string) =>
  waitFor(
    async () => {
      const jobs = await deliveries(tokenId);
      return jobs.length === 1 && jobs[0]?.status !== 'pending' ? (jobs[0] as DeliveryView) : undefined;
    },
    { timeoutMs: 15_000, intervalMs: 50, what: `the delivery of ${tokenId}` },
  );

/** The lines a replica logged that name an outbox job (it claimed and ran it, failed it, or deferred it). */
const linesAbout = (replica: Replica, jobId: number) =>
  replica.output
    .join('')
    .split('\n')
    .filter((l) => l.includes(`"job_id":${jobId},`) || l.includes(`"job_id":${jobId}}`));

const hostOf = async (jobId: number) =>
  (await set.db.query<{ host: string | null }>('SELECT host FROM outbox WHERE id = $1', [jobId])).rows[0]?.host;

beforeAll(async () => {
  database = await createTestDatabase({ migrated: true });
  dirA = mkdtempSync(join(tmpdir(), 'rodizio-host-a-'));
  dirB = mkdtempSync(join(tmpdir(), 'rodizio-host-b-'));
  const configs = [writeConfig(dirA), writeConfig(dirB)];
  set = await startReplicas({
    dbUrl: database.url,
    count: 2,
    hostIds: (i) => ['host-a', 'host-b'][i] as string,
    replicaEnv: (i) => ({ RODIZIO_CONFIG: configs[i] as string }),
    env: {
      RODIZIO_API_TOKENS: `ci:${RUNNER_SECRET},edge:${EDGE_SECRET}`,
      RODIZIO_ADMIN_TOKEN: ADMIN_SECRET,
      RODIZIO_PHASE_WATCH: 'false',
      RODIZIO_SANDBOX: 'false',
      LOG_LEVEL: 'debug',
    },
  });
  [replicaA, replicaB] = set.replicas as [Replica, Replica];
}, 60_000);

afterAll(async () => {
  await set?.close();
  await database?.drop();
  for (const dir of [dirA, dirB]) if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('host-bound deliveries on two hosts', () => {
  it('a file and a reply-file target on host-b, answered through host-a: written by host-b, never run by host-a', async () => {
    const inbox = join(dirB, 'inbox');
    const replies = join(dirB, 'replies', 'agent.txt');
    await create(replicaB, 'hb-file', { type: 'file', dir: inbox, host: 'host-b' });
    await create(replicaB, 'hb-reply', { type: 'reply_file', path: replies, host: 'host-b' });
    await answer(replicaA, 'hb-file', 'approve');
    await answer(replicaA, 'hb-reply', 'deny');

    const fileJob = await deliveryDone('hb-file');
    const replyJob = await deliveryDone('hb-reply');
    // Done at the first attempt: replica A, whose rules refuse B's folder, would have killed them.
    expect(fileJob).toMatchObject({ kind: 'deliver.file', status: 'done', attempts: 1, last_error: null });
    expect(replyJob).toMatchObject({ kind: 'deliver.reply_file', status: 'done', attempts: 1, last_error: null });
    expect(await hostOf(fileJob.id)).toBe('host-b');
    expect(await hostOf(replyJob.id)).toBe('host-b');

    expect(JSON.parse(readFileSync(join(inbox, 'hb-file.json'), 'utf8'))).toMatchObject({
      token_id: 'hb-file',
      human_input: 'approve',
      outcome: 'resolved',
      answered_by: 'U0ALICE',
    });
    expect(readFileSync(replies, 'utf8')).toMatch(/^\S+\tU0ALICE\tdeny\n$/);
    // Nothing landed on host-a's side, and host-a's log never mentions either job.
    expect(readdirSync(dirA)).toEqual(['rodizio.json']);
    for (const job of [fileJob, replyJob]) expect(linesAbout(replicaA, job.id), `job ${job.id}`).toEqual([]);
    expect(replicaA.output.join('')).not.toContain('outbox job is dead');
  });

  it("a runner's host (runners.edge.host) binds a file target that names none to that host", async () => {
    const inbox = join(dirB, 'edge-inbox');
    await create(replicaB, 'edge-file', { type: 'file', dir: inbox }, EDGE_SECRET);
    await answer(replicaA, 'edge-file');
    const job = await deliveryDone('edge-file');
    expect(job).toMatchObject({ status: 'done', attempts: 1, last_error: null });
    expect(await hostOf(job.id)).toBe('host-b');
    expect(JSON.parse(readFileSync(join(inbox, 'edge-file.json'), 'utf8'))).toMatchObject({ token_id: 'edge-file' });
    expect(linesAbout(replicaA, job.id)).toEqual([]);
  });

  it('a target on host-c, which no replica declares: the delivery waits untried, nothing is written, long-poll still answers', async () => {
    const inbox = join(dirB, 'inbox-c');
    await create(replicaB, 'hc-file', { type: 'file', dir: inbox, host: 'host-c' });
    await answer(replicaA, 'hc-file');
    // Two later deliveries, one per host, answered after it: once each has run, each replica has claimed jobs
    // since the host-c job was due (and claims take the oldest first), so leaving it was a decision, not a delay.
    await create(replicaA, 'hc-after-a', { type: 'file', dir: join(dirA, 'after'), host: 'host-a' });
    await create(replicaB, 'hc-after-b', { type: 'file', dir: join(dirB, 'after'), host: 'host-b' });
    await answer(replicaB, 'hc-after-a');
    await answer(replicaA, 'hc-after-b');
    const afterA = await deliveryDone('hc-after-a');
    const afterB = await deliveryDone('hc-after-b');
    expect([afterA.status, afterB.status]).toEqual(['done', 'done']);
    expect(existsSync(join(dirA, 'after', 'hc-after-a.json'))).toBe(true);
    expect(existsSync(join(dirB, 'after', 'hc-after-b.json'))).toBe(true);

    // What an operator sees: one pending delivery, never tried, no error; nothing in the folder.
    const [job, ...others] = await deliveries('hc-file');
    expect(others).toEqual([]);
    expect(job).toMatchObject({ kind: 'deliver.file', status: 'pending', attempts: 0, last_error: null });
    const row = (await set.db.query('SELECT host, lease_owner, leased_until_ms FROM outbox WHERE id = $1', [job?.id]))
      .rows[0];
    expect(row).toEqual({ host: 'host-c', lease_owner: null, leased_until_ms: null });
    expect(existsSync(inbox)).toBe(false);
    for (const r of set.replicas) expect(linesAbout(r, job?.id as number), r.name).toEqual([]);
    // Both replicas' health counts it as the one pending outbox job.
    for (const r of set.replicas) {
      const health = await call(r, 'GET', '/healthz');
      expect(health.json.outbox, r.name).toEqual({ dead: 0, pending: 1 });
    }
    // The answer itself is recorded and reachable by long-poll on either replica.
    expect((await call(replicaB, 'GET', '/v1/tokens/hc-file')).json).toMatchObject({
      status: 'resolved',
      human_input: 'approve',
    });
    const reentry = await call(replicaB, 'GET', '/v1/tokens/hc-file/reentry?wait=0');
    expect(reentry).toMatchObject({ status: 200, json: { token_id: 'hc-file', human_input: 'approve' } });
  });

  it('rodizio deliveries says which host a host-bound delivery belongs to', async () => {
    const table = await cli(['deliveries', '--token', 'hc-file'], { RODIZIO_DB: database.url });
    expect(table.code, table.stderr).toBe(0);
    const [header, line] = table.stdout.split('\n');
    expect(header).toMatch(/^ID\s+STATUS\s+KIND\s+TOKEN\s+HOST\s+ATTEMPTS/);
    expect(line).toMatch(/\bpending\s+deliver\.file\s+hc-file\s+host-c\s+0\b/);
    const [job] = await deliveries('hc-file');
    expect(job).toMatchObject({ host: 'host-c', status: 'pending' });
  });
});

describe('bad host-bound targets are refused at the API', () => {
  const bad: [string, unknown][] = [
    ['a host with a space and "!"', { type: 'file', dir: '/tmp/x', host: 'bad host!' }],
    ['a 300-character host', { type: 'reply_file', path: '/tmp/x/r.txt', host: 'h'.repeat(300) }],
    ['an empty host', { type: 'tmux', session: 'agent-1', host: '' }],
    ['a host that is not a string', { type: 'file', dir: '/tmp/x', host: 7 }],
  ];

  it('POST /v1/tokens: 400 naming delivery.host, nothing stored', async () => {
    for (const [i, [name, delivery]] of bad.entries()) {
      const id = `bad-host-${i}`;
      const res = await call(replicaA, 'POST', '/v1/tokens', {
        body: { id, reason: 'approval_needed', prompt: 'Go?', delivery },
      });
      expect(res.status, name).toBe(400);
      expect(res.json.error.code, name).toBe('invalid_request');
      expect(
        res.json.error.issues.map((x: { path: string }) => x.path),
        name,
      ).toEqual(['delivery.host']);
      expect((await call(replicaB, 'GET', `/v1/tokens/${id}`)).status, name).toBe(404);
    }
    // A webhook target has no host: naming one is an unknown key, not silently dropped.
    const webhook = await call(replicaA, 'POST', '/v1/tokens', {
      body: {
        id: 'bad-host-webhook',
        reason: 'approval_needed',
        delivery: { type: 'webhook', url: 'https://hooks.example.com/r', host: 'host-b' },
      },
    });
    expect(webhook.status).toBe(400);
    expect(JSON.stringify(webhook.json.error.issues)).toMatch(/delivery.*host/);
    expect((await call(replicaA, 'GET', '/v1/tokens/bad-host-webhook')).status).toBe(404);
    const listed = await call(replicaA, 'GET', '/v1/tokens?limit=100');
    expect(listed.json.tokens.filter((t: { id: string }) => t.id.startsWith('bad-host'))).toEqual([]);
  });

  it('POST /v1/import: the token is refused naming delivery.host, nothing stored', async () => {
    const res = await fetch(`${replicaA.url}/v1/import?runner=ci`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_SECRET}`, 'content-type': 'application/json' },
      body: JSON.stringify([
        {
          id: 'bad-host-import',
          reason: 'approval_needed',
          prompt: 'Go?',
          delivery: { type: 'file', dir: '/tmp/x', host: 'bad host!' },
        },
      ]),
    });
    const report = (await res.json()) as Json;
    expect(res.status).toBe(200);
    expect(report.counts).toMatchObject({ live: 0, history: 0, refused: 1 });
    expect(report.refused[0]).toMatchObject({
      id: 'bad-host-import',
      issues: [expect.objectContaining({ path: 'delivery.host' })],
    });
    expect((await call(replicaA, 'GET', '/v1/tokens/bad-host-import')).status).toBe(404);
  });
});

describe('runners.<name>.host in the config file', () => {
  // test/config.test.ts checks loadConfig with one bad value; this is what an operator sees from `rodizio serve`.
  it('a bad value refuses start-up, naming each bad runners.<name>.host', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rodizio-host-config-'));
    try {
      const config = join(dir, 'rodizio.json');
      writeFileSync(
        config,
        JSON.stringify({
          runners: { ci: { host: 'bad host!' }, edge: { host: 'h'.repeat(300) }, ok: { host: 'h-1' } },
        }),
      );
      const out = await spawnCli(['serve'], {
        RODIZIO_CONFIG: config,
        RODIZIO_DB: database.url,
        RODIZIO_API_TOKENS: `ci:${RUNNER_SECRET}`,
        RODIZIO_SANDBOX: 'false',
        RODIZIO_PHASE_WATCH: 'false',
        PORT: '0',
      });
      expect(out.code, out.stdout + out.stderr).not.toBe(0);
      expect(out.stderr).toMatch(/runners\.ci\.host: must be a host id/);
      expect(out.stderr).toMatch(/runners\.edge\.host: must be a host id/);
      expect(out.stderr).not.toMatch(/runners\.ok/);
      expect(out.stdout).not.toMatch(/listening/i);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
