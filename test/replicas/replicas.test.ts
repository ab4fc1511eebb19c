import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SlackMessage } from '../../src/sandbox/fake-slack.js';
import { createSlackDriver, type SlackDriver } from '../../src/sandbox/slack-driver.js';
import { ADMIN_SECRET, RUNNER_SECRET } from '../helpers/bridge.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { startReceiver } from '../helpers/receiver.js';
import { type Replica, type ReplicaSet, startReplicas, type Takeover, waitFor } from '../helpers/replicas.js';
import { BOT_TOKEN, CARDS, SIGNING_SECRET, startFakeSlack } from '../helpers/slack.js';
import { tempDir } from '../helpers/temp.js';

/**
 * The multi-replica acceptance test: three `rodizio serve` processes on one Postgres database, 1,000 tokens
 * created and answered through random replicas, the leader and then another replica SIGKILLed mid-clicks.
 *
 * Phases, so that what is checked does not depend on where a kill happens to land:
 *  1. 1,002 tokens through random replicas (1,000 to answer, 2 left pending for reminders), each with a webhook
 *     delivery to a deduping receiver here; all cards posted and their outbox jobs done before anything is killed.
 *  2. The "before" reminder token is made due (its received time moved back by RENOTIFY_INTERVAL, as if it had
 *     been waiting that long): the leader reminds once, and is killed later.
 *  3. A long-poll on one replica, woken by a click through another.
 *  4. The 999 other clicks, signed as Slack signs them, to random live replicas (one that cannot be reached is
 *     not an acknowledged answer: the click goes to another). A quarter of the way the leader is SIGKILLed and
 *     the "after" reminder made due while nobody leads; half-way another replica (not the last) is SIGKILLed,
 *     and the first one restarts.
 *  5. Wait until every token is resolved and every reentry delivered; then the invariants.
 *
 * A Slack call cannot be made idempotent (chat.postMessage has no key): a SIGKILL between Slack taking a post and
 * the outbox marking its job done posts it again after the lease. The kills are therefore placed after the cards
 * and each reminder are posted and their jobs done; card updates (idempotent), decision replies and webhook
 * deliveries (at least once, deduped by the receiver) do run through the kills, and their repeats are counted.
 */

const TOKENS = 1000;
/** Requests in flight at once: creates (more of them share a group commit), and clicks. */
const CREATE_CONCURRENCY = 96;
const CLICK_CONCURRENCY = 24;
const OPTIONS = ['approve', 'deny'] as const;
const USER = 'U0ALICE';
const REMIND_BEFORE = 'rem-before';
const REMIND_AFTER = 'rem-after';
/**
 * RENOTIFY_INTERVAL: long, so that no token is reminded on its own however slow the run, and a reminded token is
 * not reminded again before the run ends. The two reminder tokens are made due by moving their received time
 * back by this much (the API cannot backdate a token).
 */
const RENOTIFY_MS = 3_600_000;

const tokenId = (i: number) => `rep-${String(i).padStart(4, '0')}`;
const ID_PATTERN = /\b(rep-\d{4}|rem-before|rem-after)\b/;

/** mulberry32: the replica each request goes to and the option each click picks, reproducible from the seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs `work` on every item with at most `limit` at once. */
async function pool<T>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        await work(items[i] as T, i);
      }
    }),
  );
}

/** A thing that can be waited on once and opened once. */
function barrier() {
  let open: () => void = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** The set of the running test, stopped after it even when it timed out (its own `finally` may not have run). */
let current: ReplicaSet | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

describe('replicas', () => {
  it('three replicas on one database, 1,000 tokens, the leader and another SIGKILLed: nothing lost, nothing doubled', async () => {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    /** Progress on the test's output, so a run that hangs says where. */
    const step = (what: string) => console.log(`[replicas +${elapsed()} ms] ${what}`);
    const seed = Number(process.env.RODIZIO_REPLICAS_SEED ?? Math.floor(Math.random() * 2 ** 31));
    const random = rng(seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

    const database = await createTestDatabase();
    const fake = await startFakeSlack();
    const receiver = await startReceiver(RUNNER_SECRET);
    const configFile = join(tempDir(), 'rodizio.json');
    writeFileSync(
      configFile,
      JSON.stringify({ runners: { ci: { allow: { webhook_hosts: ['127.0.0.1'], private_networks: true } } } }),
    );
    let set: ReplicaSet | undefined;
    // Each replica's log, kept when the test fails.
    const logs = join(tmpdir(), `rodizio-replicas-${seed}`);
    let keepLogs = true;
    try {
      set = await startReplicas({
        dbUrl: database.url,
        count: 3,
        env: {
          RODIZIO_API_TOKENS: `ci:${RUNNER_SECRET}`,
          RODIZIO_ADMIN_TOKEN: ADMIN_SECRET,
          RODIZIO_CONFIG: configFile,
          RODIZIO_PHASE_WATCH: 'false',
          RODIZIO_SANDBOX: 'false',
          SLACK_BOT_TOKEN: BOT_TOKEN,
          SLACK_SIGNING_SECRET: SIGNING_SECRET,
          SLACK_API_URL: fake.apiUrl,
          SLACK_CHANNEL: CARDS,
          SLACK_POST_INTERVAL: '0s',
          RENOTIFY_INTERVAL: '1h',
          // The renotify sweep every second (node-cron's optional seconds field), on whichever replica leads.
          RENOTIFY_SCHEDULE: '* * * * * *',
          LOG_LEVEL: 'info',
        },
      });
      const replicas = set;
      current = set;
      const { db } = replicas;
      const startedMs = elapsed();
      step(`3 replicas up, ${(await replicas.waitForLeader()).replica.name} leads`);
      const drivers = new Map<Replica, SlackDriver>(
        replicas.replicas.map((r) => [
          r,
          createSlackDriver({ fake, botUrl: `${r.url}/slack/events`, signingSecret: SIGNING_SECRET }),
        ]),
      );
      /** Replicas about to be killed get no new requests (those in flight fail and are sent elsewhere). */
      const doomed = new Set<Replica>();
      const live = () => replicas.alive().filter((r) => !doomed.has(r));
      const stats = { connectionFailures: 0, refused: 0, processedUnacked: 0 };

      /** Sends to a random live replica; a request that cannot reach one (it died) goes to another. */
      async function onSomeReplica<T>(send: (r: Replica) => Promise<T>): Promise<{ value: T; replica: Replica }> {
        let lastError: unknown;
        for (let attempt = 0; attempt < 20; attempt++) {
          const replica = pick(live());
          try {
            return { value: await send(replica), replica };
          } catch (err) {
            if (!(err instanceof TypeError)) throw err; // fetch's network errors are TypeErrors ("fetch failed")
            lastError = err;
            stats.connectionFailures++;
          }
        }
        throw new Error(`no replica could be reached: ${String(lastError)}`);
      }

      const count = async (sql: string, params: unknown[] = []) =>
        Number((await db.query<{ n: string }>(sql, params)).rows[0]?.n ?? 0);
      const outboxPending = () => count(`SELECT count(*) AS n FROM outbox WHERE status = 'pending'`);
      const reminders = (ts: string) => fake.thread(CARDS, ts).filter((m) => m.text?.startsWith('⏰'));
      const cardTs = new Map<string, string>();
      /** Makes a reminder due now: the token has waited the full interval (reminderDue: received_ms <= now − interval). */
      const makeDue = (id: string) =>
        db.query('UPDATE tokens SET received_ms = $1 WHERE id = $2', [Date.now() - RENOTIFY_MS, id]);
      const reminderSent = (id: string) =>
        waitFor(
          async () =>
            reminders(cardTs.get(id) as string).length > 0 &&
            (await count(`SELECT count(*) AS n FROM outbox WHERE token_id = $1 AND status = 'pending'`, [id])) === 0,
          // Reminders are priority-1 jobs: the answered cards' jobs go first, so under load this can take a while.
          { timeoutMs: 30_000, what: `the reminder of ${id} to be posted` },
        );

      // 1. Tokens through random replicas; a create that could not reach its replica is sent again elsewhere
      // (same id and content: a replay, not a second token).
      const ids = [...Array.from({ length: TOKENS }, (_, i) => tokenId(i)), REMIND_BEFORE, REMIND_AFTER];
      const createdVia = new Map<string, number>();
      await pool(ids, CREATE_CONCURRENCY, async (id) => {
        const { value, replica } = await onSomeReplica((r) =>
          fetch(`${r.url}/v1/tokens`, {
            method: 'POST',
            headers: { authorization: `Bearer ${RUNNER_SECRET}`, 'content-type': 'application/json' },
            body: JSON.stringify({
              id,
              reason: 'approval_needed',
              prompt: `Replica test ${id}: go ahead?`,
              options: OPTIONS,
              frozen_state: Buffer.from(id).toString('base64'),
              delivery: { type: 'webhook', url: receiver.url },
            }),
          }).then(async (res) => ({ status: res.status, body: await res.text() })),
        );
        if (value.status !== 201) throw new Error(`create ${id} via ${replica.name}: ${value.status} ${value.body}`);
        createdVia.set(replica.name, (createdVia.get(replica.name) ?? 0) + 1);
      });
      const createdMs = elapsed();
      step(`${ids.length} tokens created`);
      // Every card posted and its job done before anything is killed.
      await waitFor(
        async () =>
          (await count('SELECT count(*) AS n FROM tokens WHERE slack_ts IS NOT NULL')) === ids.length &&
          (await outboxPending()) === 0,
        { timeoutMs: 60_000, intervalMs: 100, what: 'every card to be posted' },
      );
      const cardsMs = elapsed();
      step('every card posted');
      for (const row of (await db.query<{ id: string; slack_ts: string }>('SELECT id, slack_ts FROM tokens')).rows) {
        cardTs.set(row.id, row.slack_ts);
      }

      // 2. A reminder due now, while the first leader leads.
      await makeDue(REMIND_BEFORE);
      await reminderSent(REMIND_BEFORE);
      step(`${REMIND_BEFORE} reminded`);

      // 3. A long-poll on one replica, answered by a click through another.
      const choice = new Map(ids.slice(0, TOKENS).map((id) => [id, pick(OPTIONS)]));
      const [pollA, pollB] = [replicas.replicas[0] as Replica, replicas.replicas[1] as Replica];
      const polled = tokenId(0);
      const poll = fetch(`${pollA.url}/v1/tokens/${polled}/reentry?wait=30`, {
        headers: { authorization: `Bearer ${RUNNER_SECRET}` },
      }).then(async (res) => ({
        status: res.status,
        json: (await res.json()) as Record<string, unknown>,
        at: performance.now(),
      }));
      poll.catch(() => {});
      await waitFor(
        () =>
          fetch(`${pollA.url}/healthz`)
            .then((r) => r.json() as Promise<{ waiters: number }>)
            .then((h) => h.waiters >= 1),
        { what: `the long-poll to wait on ${pollA.name}` },
      );
      const pollClick = await (drivers.get(pollB) as SlackDriver).clickButton({
        channel: CARDS,
        ts: cardTs.get(polled) as string,
        actionId: `rodizio.option.${OPTIONS.indexOf(choice.get(polled) as (typeof OPTIONS)[number])}`,
        user: USER,
      });
      const clickedAt = performance.now();
      expect(pollClick.status).toBe(200);
      const woken = await Promise.race([
        poll,
        new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 5000)),
      ]);
      const wokeMs = woken ? Math.round(woken.at - clickedAt) : undefined;
      step(`long-poll on ${pollA.name} woken ${wokeMs} ms after a click via ${pollB.name}`);

      // 4. The other clicks, to random live replicas, with two SIGKILLs along the way.
      const acked = new Map<string, string>([[polled, pollB.name]]);
      const toClick = ids.slice(1, TOKENS);
      for (let i = toClick.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [toClick[i], toClick[j]] = [toClick[j] as string, toClick[i] as string];
      }
      // A quarter and a half of the way: along the way, and early enough that the dead replicas' leases (15 s)
      // run out while the last clicks are still coming.
      const kill1At = Math.floor(toClick.length / 4);
      const kill2At = Math.floor(toClick.length / 2);
      // Clicks go on past a kill's mark while it happens, but no further than this: both kills land mid-clicks.
      const slack = 150;
      const kill1Done = barrier();
      const kill2Done = barrier();
      /** Clicks finished (acknowledged, or answered without an ack): the kills are placed by it. */
      let clicked = 0;
      const clickedReached = (n: number) =>
        waitFor(() => clicked >= n, { timeoutMs: 60_000, intervalMs: 5, what: `${n} clicks` });
      let takeover: Takeover | undefined;
      let killed1: Replica | undefined;
      let killed2: Replica | undefined;
      let kill1Ms = 0;
      let kill2Ms = 0;
      let restarted: Replica | undefined;
      let chaosError: unknown;
      /** Clicks wait on this before each send (the chaos holds them while a reminder goes out). */
      let hold: Promise<void> = Promise.resolve();
      const chaos = (async () => {
        try {
          await clickedReached(kill1At);
          const leader = await replicas.leader();
          if (!leader) throw new Error('no live leader to kill');
          doomed.add(leader.replica);
          const kill = await replicas.killLeader();
          killed1 = kill.killed;
          kill1Ms = elapsed();
          step(`leader ${kill.killed.name} SIGKILLed after ${clicked} clicks`);
          // Due while nobody leads: whoever takes over must send it.
          await makeDue(REMIND_AFTER);
          takeover = await kill.takeover;
          step(`${takeover.replica.name} took over in ${takeover.ms} ms`);
          // Clicks hold while that reminder goes out: it is a priority-1 job, which the answers' priority-0 jobs
          // keep waiting as long as they flow, and the second kill must not land in the middle of its post (see
          // the note at the top).
          const held = barrier();
          hold = held.promise;
          kill1Done.open();
          await reminderSent(REMIND_AFTER).finally(() => held.open());
          step(`${REMIND_AFTER} reminded`);
          await clickedReached(kill2At);
          const current = await replicas.leader();
          const victim = live().find((r) => r !== current?.replica);
          if (!victim || live().length < 2) throw new Error('no second replica to kill');
          doomed.add(victim);
          await victim.crash();
          killed2 = victim;
          kill2Ms = elapsed();
          step(`${victim.name} SIGKILLed after ${clicked} clicks`);
          kill2Done.open();
          // The first one comes back (a restart: its start-up drain runs while the survivor works), and takes
          // clicks again once it answers.
          restarted = await replicas.add(`${kill.killed.name}-restarted`);
          drivers.set(
            restarted,
            createSlackDriver({ fake, botUrl: `${restarted.url}/slack/events`, signingSecret: SIGNING_SECRET }),
          );
          step(`${restarted.name} up after ${clicked} clicks`);
        } catch (err) {
          chaosError = err;
        } finally {
          kill1Done.open();
          kill2Done.open();
        }
      })();
      let dispatched = 0;
      await pool(toClick, CLICK_CONCURRENCY, async (id) => {
        const n = dispatched++;
        if (n >= kill1At + slack) await kill1Done.promise;
        if (n >= kill2At + slack) await kill2Done.promise;
        await hold;
        const option = choice.get(id) as (typeof OPTIONS)[number];
        for (let attempt = 0; ; attempt++) {
          if (attempt >= 20) throw new Error(`the click on ${id} was never acknowledged`);
          let res: Awaited<ReturnType<SlackDriver['clickButton']>>;
          let via: Replica;
          try {
            const sent = await onSomeReplica((r) =>
              (drivers.get(r) as SlackDriver).clickButton({
                channel: CARDS,
                ts: cardTs.get(id) as string,
                actionId: `rodizio.option.${OPTIONS.indexOf(option)}`,
                user: USER,
              }),
            );
            res = sent.value;
            via = sent.replica;
          } catch (err) {
            // The card has no buttons any more: the click reached a replica that answered it and died before
            // the 200 came back. Not an acknowledged answer, but an answer all the same (checked below).
            if (/has no element with action_id/.test(String(err))) {
              stats.processedUnacked++;
              clicked++;
              return;
            }
            throw err;
          }
          if (res.status === 200) {
            acked.set(id, via.name);
            clicked++;
            return;
          }
          stats.refused++;
        }
      });
      await chaos;
      const clicksMs = elapsed();
      step(`clicks done: ${acked.size} acknowledged`);

      // 5. Until every token is answered and every reentry delivered, with no delivery left in the outbox (a
      // dead replica's leases run out after 15 s, and the leader takes up its acknowledged clicks after 15 s).
      // Card updates are not waited for: chat.update is paced at 50 a minute per replica, so the 1,000 "answered"
      // flips (and the decision replies queued behind them in each token's lane) take minutes to drain.
      const settled = await waitFor(
        async () =>
          (await count(`SELECT count(*) AS n FROM tokens WHERE status = 'pending' AND id LIKE 'rep-%'`)) === 0 &&
          receiver.accepted.size >= TOKENS &&
          (await count(`SELECT count(*) AS n FROM outbox WHERE status = 'pending' AND kind LIKE 'deliver.%'`)) === 0,
        { timeoutMs: 60_000, intervalMs: 100, what: 'every token to be answered and delivered' },
      ).catch((err: Error) => err);
      const settledMs = elapsed();
      step(settled === true ? 'settled' : String(settled));

      // The evidence, gathered before asserting so the summary prints whatever fails.
      const tokens = (
        await db.query<{
          id: string;
          status: string;
          human_input: string | null;
          slack_ts: string | null;
          reminders: number;
        }>('SELECT id, status, human_input, slack_ts, reminders FROM tokens')
      ).rows;
      const resolvedEvents = new Map(
        (
          await db.query<{ token_id: string; n: string }>(
            `SELECT token_id, count(*) AS n FROM events WHERE type = 'resolved' GROUP BY token_id`,
          )
        ).rows.map((r) => [r.token_id, Number(r.n)]),
      );
      const remindedEvents = new Map(
        (
          await db.query<{ token_id: string; n: string }>(
            `SELECT token_id, count(*) AS n FROM events WHERE type = 'reminded' GROUP BY token_id`,
          )
        ).rows.map((r) => [r.token_id, Number(r.n)]),
      );
      const deadEvents = await count(`SELECT count(*) AS n FROM events WHERE type LIKE '%dead'`);
      const deadJobs = await count(`SELECT count(*) AS n FROM outbox WHERE status = 'dead'`);
      const outboxLeft = Object.fromEntries(
        (
          await db.query<{ kind: string; n: string }>(
            `SELECT kind, count(*) AS n FROM outbox WHERE status = 'pending' GROUP BY kind ORDER BY kind`,
          )
        ).rows.map((r) => [r.kind, Number(r.n)]),
      );
      const intake = (
        await db.query<{ status: string; n: string }>('SELECT status, count(*) AS n FROM intake GROUP BY status')
      ).rows.map((r) => `${r.status} ${r.n}`);
      // Clicks whose intake row is gone (a row answered twice can be dropped by the second run: see the report).
      const intakeTokens = new Set(
        (await db.query<{ payload: string }>(`SELECT payload FROM intake WHERE kind = 'option'`)).rows.map(
          (r) => (JSON.parse(r.payload) as { token_id: string }).token_id,
        ),
      );
      const withoutIntakeRow = [...acked.keys()].filter((id) => !intakeTokens.has(id));
      const topLevel = fake.messages(CARDS).filter((m) => !(m.thread_ts && m.thread_ts !== m.ts));
      const cardsOf = new Map<string, SlackMessage[]>();
      for (const m of topLevel) {
        const id = JSON.stringify([m.text, m.blocks]).match(ID_PATTERN)?.[1] ?? `(unknown ${m.ts})`;
        cardsOf.set(id, [...(cardsOf.get(id) ?? []), m]);
      }
      const duplicateCards = [...cardsOf].filter(([, ms]) => ms.length > 1).map(([id, ms]) => `${id}×${ms.length}`);
      const decisionRepeats = ids.slice(0, TOKENS).filter((id) => {
        const texts = fake.thread(CARDS, cardTs.get(id) as string).map((m) => m.text);
        return new Set(texts).size < texts.length;
      });
      const deliveredTwice = receiver.received.length - receiver.accepted.size;
      const complaints = (r: Replica) =>
        r.output
          .join('')
          .split('\n')
          .filter((l) => /"level":"(warn|error|fatal)"/.test(l)).length;
      /** Acknowledged clicks a dead replica left unprocessed, taken up by a leader's intake sweep or a start-up drain. */
      const recovered = replicas.replicas.map((r) =>
        r.output
          .join('')
          .split('\n')
          .filter((l) => l.includes('processed Slack requests a previous process had acknowledged'))
          .reduce((n, l) => n + Number((JSON.parse(l) as { processed?: number }).processed ?? 0), 0),
      );
      const reminderCounts = [REMIND_BEFORE, REMIND_AFTER].map((id) => reminders(cardTs.get(id) as string).length);
      const ackedVia = replicas.replicas.map(
        (r) => `${r.name} ${[...acked.values()].filter((v) => v === r.name).length}`,
      );
      const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
      const lines = [
        `seed ${seed}; replicas up ${s(startedMs)}, ${ids.length} tokens created ${s(createdMs)}, cards posted ${s(cardsMs)}, clicks done ${s(clicksMs)}, settled ${s(settledMs)}`,
        `kills: leader ${killed1?.name} at ${s(kill1Ms)}, ${takeover?.replica.name} took over in ${takeover?.ms} ms; ${killed2?.name} at ${s(kill2Ms)}; ${restarted?.name ?? 'no restart'}${chaosError ? `; FAILED: ${String(chaosError)}` : ''}`,
        `clicks: ${acked.size} acknowledged (${ackedVia.join(', ')}), ${stats.processedUnacked} answered without an ack, ${stats.connectionFailures} connection failures and ${stats.refused} non-200 retried elsewhere; intake rows a dead replica left, processed by a sweep or start-up drain: ${recovered.reduce((a, b) => a + b, 0)}; intake ${intake.join(', ')}; acknowledged clicks without an intake row: ${withoutIntakeRow.length} ${withoutIntakeRow.slice(0, 5).join(' ')}`,
        `tokens: ${tokens.length} (${tokens.filter((t) => t.status === 'resolved').length} resolved; pending ${tokens
          .filter((t) => t.status === 'pending')
          .map((t) => t.id)
          .join(', ')}); tokens with ≠1 resolved event: ${[...resolvedEvents].filter(([, n]) => n !== 1).length}`,
        `cards: ${topLevel.length} top-level messages, duplicated: ${duplicateCards.join(', ') || 'none'}; decision replies repeated so far: ${decisionRepeats.length} ${decisionRepeats.slice(0, 5).join(' ')}`,
        `deliveries: ${receiver.received.length} received, ${receiver.accepted.size} distinct, ${deliveredTwice} duplicates; long-poll woken ${wokeMs} ms after the click`,
        `reminders: ${REMIND_BEFORE} ${reminderCounts[0]}, ${REMIND_AFTER} ${reminderCounts[1]}; outbox still pending ${JSON.stringify(outboxLeft)}, dead jobs ${deadJobs}, dead events ${deadEvents}`,
        `warnings/errors logged: ${replicas.replicas.map((r) => `${r.name} ${complaints(r)}`).join(', ')}; their logs are kept in ${logs} on a failure or a repeat`,
      ];
      if (reminderCounts.some((n) => n !== 1)) {
        const jobs = await db.query(
          `SELECT id, token_id, kind, status, attempts, last_error, lease_owner, created_ms, run_at_ms, updated_ms
             FROM outbox WHERE token_id LIKE 'rem-%' ORDER BY id`,
        );
        lines.push(`reminder jobs: ${JSON.stringify(jobs.rows)}`);
      }
      console.log(`replicas:\n  ${lines.join('\n  ')}`);

      expect(chaosError, 'the kills').toBeUndefined();

      expect(settled, 'every token answered, every reentry delivered, no delivery pending').toBe(true);
      // 0 tokens lost, 0 acknowledged answers lost, 0 double resolutions.
      expect(tokens.length).toBe(ids.length);
      for (const id of ids.slice(0, TOKENS)) {
        const token = tokens.find((t) => t.id === id);
        expect({ id, status: token?.status, answer: token?.human_input && JSON.parse(token.human_input) }).toEqual({
          id,
          status: 'resolved',
          answer: choice.get(id),
        });
      }
      expect(acked.size + stats.processedUnacked).toBe(TOKENS);
      expect(
        [...resolvedEvents].filter(([, n]) => n !== 1),
        'tokens with other than one `resolved` event',
      ).toEqual([]);
      expect(resolvedEvents.size).toBe(TOKENS);
      // One card per token, where the token says it is.
      expect(duplicateCards, 'tokens with more than one card').toEqual([]);
      expect(topLevel.length).toBe(ids.length);
      for (const id of ids)
        expect(
          cardsOf.get(id)?.map((m) => m.ts),
          id,
        ).toEqual([cardTs.get(id)]);
      // Every reentry delivered, with the answer given (receivers dedupe: repeats are allowed, and counted above).
      expect(receiver.received.every((d) => d.verified)).toBe(true);
      expect(receiver.accepted.size).toBe(TOKENS);
      for (const [id, reentry] of receiver.accepted) {
        expect(reentry, id).toMatchObject({ token_id: id, human_input: choice.get(id), outcome: 'resolved' });
      }
      // A reminder due during the run, sent once even though the leader was killed: one before, one after.
      for (const id of [REMIND_BEFORE, REMIND_AFTER]) {
        expect(tokens.find((t) => t.id === id)).toMatchObject({ status: 'pending', reminders: 1 });
        expect(remindedEvents.get(id), `reminded events of ${id}`).toBe(1);
        expect(reminders(cardTs.get(id) as string), `reminders in the thread of ${id}`).toHaveLength(1);
      }
      // The long-poll on one replica woke within 2 s of the click acknowledged by another.
      expect(woken).toMatchObject({ status: 200, json: { token_id: polled, human_input: choice.get(polled) } });
      expect(wokeMs).toBeLessThan(2000);
      // The leader and another replica were killed mid-clicks; one of the others took over.
      expect(killed1).toBeDefined();
      expect(killed2).toBeDefined();
      expect(takeover?.replica).not.toBe(killed1);
      expect(deadJobs).toBe(0);
      // Kept anyway when something at-least-once happened twice, as evidence.
      keepLogs = decisionRepeats.length > 0 || withoutIntakeRow.length > 0 || deliveredTwice > 0;
    } finally {
      if (set && keepLogs) {
        mkdirSync(logs, { recursive: true });
        for (const r of set.replicas) writeFileSync(join(logs, `${r.name}.log`), r.output.join(''));
        step(`replica logs in ${logs}`);
      }
      await set?.close();
      await database.drop();
    }
  }, 180_000);
});
