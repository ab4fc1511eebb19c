import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createSlackDriver } from '../../src/sandbox/slack-driver.js';
import { ADMIN_SECRET, RUNNER_SECRET } from '../helpers/bridge.js';
import { startPostgresCluster } from '../helpers/postgres.js';
import { callReplica, type Replica, type ReplicaSet, readLeader, startReplicas, waitFor } from '../helpers/replicas.js';
import { BOT_TOKEN, buttonFor, CARDS, SIGNING_SECRET, startFakeSlack } from '../helpers/slack.js';

/**
 * README, "Running several replicas": "Postgres is unreachable — requests that need the database fail, … Everything
 * resumes when the database is back." Checked from the outside: two `rodizio serve` replicas on a Postgres cluster
 * of this test's own (the run's shared cluster cannot be stopped under the other files), the server shut down
 * with every connection cut, then started again on the same port and data.
 */

let cluster: Awaited<ReturnType<typeof startPostgresCluster>> | undefined;
let set: ReplicaSet | undefined;
afterEach(async () => {
  await set?.close();
  await cluster?.stop();
  set = undefined;
  cluster = undefined;
});

/** A request to a replica's API as the `ci` runner (or, with `secret`, as the admin). */
const call = (r: Replica, method: string, path: string, body?: unknown, secret = RUNNER_SECRET) =>
  callReplica(r, method, path, { token: secret, body });

const health = (r: Replica) =>
  fetch(`${r.url}/healthz`).then(async (res) => ({ status: res.status, body: await res.json() }));

/** A replica's log lines (pino JSON), as `level msg`. */
function logLines(r: Replica): string[] {
  return r.output
    .join('')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { level: number; msg: string })
    .map((l) => `${l.level} ${l.msg}`);
}

describe('Postgres goes away under running replicas, and comes back', () => {
  it('both replicas say 503 and refuse writes cleanly while it is down, then serve, wake long-polls and lead again', async () => {
    cluster = await startPostgresCluster();
    const fake = await startFakeSlack();
    set = await startReplicas({
      dbUrl: cluster.url,
      count: 2,
      env: {
        RODIZIO_API_TOKENS: `ci:${RUNNER_SECRET}`,
        RODIZIO_ADMIN_TOKEN: ADMIN_SECRET,
        RODIZIO_SANDBOX: '0',
        RODIZIO_PHASE_WATCH: 'false',
        SLACK_BOT_TOKEN: BOT_TOKEN,
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: fake.apiUrl,
        SLACK_CHANNEL: CARDS,
        SLACK_POST_INTERVAL: '0s',
        LOG_LEVEL: 'warn',
      },
    });
    // The set's own client loses its connection with the server; its error is expected, not a crash of the test.
    set.db.on('error', () => {});
    const [r0, r1] = set.replicas as [Replica, Replica];
    const token = { reason: 'approval_needed', prompt: 'Ship it?', options: ['yes', 'no'] };
    const before = await call(r0, 'POST', '/v1/tokens', token);
    expect(before.status).toBe(201);
    // A second token whose card someone clicks while the database is down.
    const clicked = await call(r0, 'POST', '/v1/tokens', { ...token, id: 'sem-clicked', prompt: 'Click me?' });
    expect(clicked.status).toBe(201);
    const cardTs = await waitFor(() =>
      fake.calls.find((c) => c.method === 'chat.postMessage' && JSON.stringify(c.args).includes('Click me?')),
    ).then((c) => (c.response as { ts: string }).ts);
    const card = fake.message(CARDS, cardTs);
    if (!card) throw new Error('no card for sem-clicked');
    const click = { channel: CARDS, ts: cardTs, actionId: buttonFor(card, 'yes'), user: 'U0ALICE' };
    const driver = createSlackDriver({ fake, botUrl: `${r1.url}/slack/events`, signingSecret: SIGNING_SECRET });

    cluster.halt();
    for (const r of [r0, r1]) {
      const down = await waitFor(async () => {
        const h = await health(r);
        return h.status === 503 ? h : undefined;
      });
      expect(down.body).toMatchObject({ status: 'unhealthy' });
    }
    const refused = await call(r1, 'POST', '/v1/tokens', { ...token, id: 'sem-while-down' });
    expect(refused).toEqual({
      status: 503,
      retryAfter: '1',
      json: { error: { code: 'unavailable', message: 'the database cannot be reached right now; try again' } },
    });
    // Slack's request is not acknowledged: it cannot be recorded, so the person sees the click fail at once (a 503,
    // not a lost answer, and not a 404 after Bolt's 3 s).
    const lostClick = await driver.clickButton(click);
    expect(lostClick).toMatchObject({ status: 503, json: { error: { code: 'unavailable' } } });
    expect([r0.alive, r1.alive]).toEqual([true, true]);

    cluster.resume();
    for (const r of [r0, r1]) {
      await waitFor(async () => (await health(r)).status === 200, { timeoutMs: 30_000, what: `${r.name} healthy` });
    }
    // Nothing half-written while it was down, and the token made before is still there, pending.
    expect((await call(r0, 'GET', '/v1/tokens/sem-while-down')).status).toBe(404);
    expect((await call(r1, 'GET', `/v1/tokens/${before.json.id}`)).json).toMatchObject({ status: 'pending' });

    // A long-poll on r0 is woken by an answer through r1: r0 listens again (LISTEN on a new connection).
    const poll = call(r0, 'GET', `/v1/tokens/${before.json.id}/reentry?wait=20`);
    // Awaited below; a failure before that (the test failing elsewhere) must not be an unhandled rejection.
    poll.catch(() => {});
    await waitFor(async () => (await health(r0)).body.waiters >= 1, { what: 'the long-poll to wait on r0' });
    const started = performance.now();
    // As a person answering through the operator's API (a runner may not answer its own token).
    const resolved = await call(
      r1,
      'POST',
      `/v1/tokens/${before.json.id}/resolve`,
      { human_input: 'yes', by: 'ci' },
      ADMIN_SECRET,
    );
    expect(resolved.status).toBe(200);
    const reentry = await poll;
    expect(reentry.json).toMatchObject({ token_id: before.json.id, human_input: 'yes', outcome: 'resolved' });
    // Woken by the NOTIFY, not by the end of its 20 s wait.
    expect(performance.now() - started).toBeLessThan(5000);

    // The person clicks again once it is back: recorded and answered, once.
    expect((await driver.clickButton(click)).status).toBe(200);
    await waitFor(async () => (await call(r0, 'GET', '/v1/tokens/sem-clicked')).json.status === 'resolved', {
      what: 'the click to resolve sem-clicked',
    });
    expect((await call(r0, 'GET', '/v1/tokens/sem-clicked')).json).toMatchObject({
      human_input: 'yes',
      answered_by: 'U0ALICE',
    });

    // Writes work again on both, and one of them leads with a live heartbeat.
    expect((await call(r1, 'POST', '/v1/tokens', { ...token, id: 'sem-after' })).status).toBe(201);
    expect((await call(r0, 'GET', '/v1/tokens/sem-after')).json).toMatchObject({ status: 'pending' });
    const db = new pg.Client({ connectionString: cluster.url });
    await db.connect();
    try {
      const leader = await waitFor(async () => {
        const row = await readLeader(db);
        return row && Date.now() - row.heartbeat_ms < 3000 ? row : undefined;
      });
      expect([r0.pid, r1.pid]).toContain(leader.pid);
    } finally {
      await db.end();
    }
    expect([r0.alive, r1.alive]).toEqual([true, true]);
    if (process.env.SCRATCH) console.log([...logLines(r0), '--', ...logLines(r1)].join('\n'));
    // Errors while it was down are logged and lived through: nothing escaped as an unhandled rejection.
    expect([...logLines(r0), ...logLines(r1)].filter((l) => /unhandled rejection|uncaught|^fatal /.test(l))).toEqual(
      [],
    );
  });
});
