// A click on one replica wakes a long-poll held by another: two `rodizio serve` processes on one Postgres
// database and one fake Slack; the answer crosses through the database (LISTEN/NOTIFY).
import { createFakeSlack } from '../../src/sandbox/fake-slack.js';
import { createSlackDriver } from '../../src/sandbox/slack-driver.js';
import { type Replica, waitFor } from '../helpers/replicas.js';
import { type Figure, ms, summarize } from './lib.js';
import { call, pool, replicaEnv, SECRET, withReplicas } from './pg.js';
import { CHANNEL, SIGNING_SECRET } from './slack.js';

/** How many long-polls replica `r` holds now (its /healthz counts them). */
async function waiting(r: Replica): Promise<number> {
  const res = await fetch(`${r.url}/healthz`);
  return ((await res.json()) as { waiters: number }).waiters;
}

/**
 * `warmup` + `n` tokens, one at a time: a long-poll on replica A (once A holds it), then a signed block_actions click
 * sent to replica B; timed from the signed request leaving the fake Slack to the long-poll's response arriving
 * here. The first `warmup` clicks are reported on their own, as the other benches' warm-ups are: they pay for the
 * JIT compiling the click path and for each pooled connection preparing its statements, which a running bridge
 * pays once.
 */
export async function benchCrossReplicaClick(_dir: string, n = 1000, warmup = 100): Promise<Figure[]> {
  const fake = createFakeSlack({ botToken: 'xoxb-bench' });
  await fake.start();
  try {
    const env = replicaEnv({
      SLACK_BOT_TOKEN: 'xoxb-bench',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: fake.apiUrl,
      SLACK_CHANNEL: CHANNEL,
      SLACK_POST_INTERVAL: '0s',
    });
    return await withReplicas({ count: 2, env }, async (set) => {
      const [a, b] = set.replicas as [Replica, Replica];
      const id = (i: number) => `xclick-${i}`;
      const total = warmup + n;
      await pool(total, 8, async (i) => {
        await call(a, 'POST', '/v1/tokens', {
          id: id(i),
          reason: 'approval_needed',
          prompt: `Deploy ${i}?`,
          options: ['yes', 'no'],
        });
      });
      // Every card posted (its ts stored) and the outbox quiet before the first click.
      const count = async (sql: string) => Number((await set.db.query<{ n: string }>(sql)).rows[0]?.n ?? 0);
      await waitFor(
        async () =>
          (await count('SELECT count(*) AS n FROM tokens WHERE slack_ts IS NOT NULL')) === total &&
          (await count(`SELECT count(*) AS n FROM outbox WHERE status = 'pending'`)) === 0,
        { timeoutMs: 120_000, intervalMs: 100, what: `${total} cards to be posted` },
      );
      const cards = new Map(
        (
          await set.db.query<{ id: string; slack_channel_id: string; slack_ts: string }>(
            'SELECT id, slack_channel_id, slack_ts FROM tokens',
          )
        ).rows.map((r) => [r.id, r]),
      );
      const driver = createSlackDriver({ fake, botUrl: `${b.url}/slack/events`, signingSecret: SIGNING_SECRET });
      const toReentry: number[] = [];
      const ack: number[] = [];
      /** The fake Slack building and signing each click's payload, before the request leaves (not in the figure). */
      const building: number[] = [];
      /** Wall-clock ms of each click sent and long-poll answered, to place B's resolve (resolved_at) between them. */
      const wall: { sent: number; answered: number }[] = [];
      let wrong = 0;
      for (let i = 0; i < total; i++) {
        const card = cards.get(id(i));
        if (!card) throw new Error(`no card for ${id(i)}`);
        const poll = fetch(`${a.url}/v1/tokens/${id(i)}/reentry?wait=30`, {
          headers: { authorization: `Bearer ${SECRET}` },
        }).then(async (r) => {
          const body = r.status === 200 ? ((await r.json()) as { human_input?: unknown }) : undefined;
          return { at: process.hrtime.bigint(), body };
        });
        await waitFor(async () => (await waiting(a)) > 0, { intervalMs: 1, what: 'the long-poll to be held on A' });
        // Timed from the signed request leaving the fake Slack: building and signing the payload is Slack's work.
        const clicked = process.hrtime.bigint();
        let t0 = clicked;
        let sent = Date.now();
        const res = await driver.clickButton(
          { channel: card.slack_channel_id, ts: card.slack_ts, actionId: 'rodizio.option.0', user: 'U0ALICE' },
          {
            onSend: () => {
              t0 = process.hrtime.bigint();
              sent = Date.now();
            },
          },
        );
        ack.push(Number(process.hrtime.bigint() - t0) / 1e6);
        building.push(Number(t0 - clicked) / 1e6);
        if (res.status !== 200) throw new Error(`click on B answered ${res.status}: ${res.body}`);
        const { at, body } = await poll;
        if (body?.human_input !== 'yes') wrong++;
        toReentry.push(Number(at - t0) / 1e6);
        wall.push({ sent, answered: sent + Number(at - t0) / 1e6 });
      }
      // Where the time goes: B (click → its resolve begins), then the commit, NOTIFY, A's read and the response.
      const resolvedAt = new Map(
        (await set.db.query<{ id: string; resolved_at: string }>('SELECT id, resolved_at FROM tokens')).rows.map(
          (r) => [r.id, Date.parse(r.resolved_at)],
        ),
      );
      const measured = <T>(all: T[]) => all.slice(warmup);
      const onB = summarize(measured(wall.map((w, i) => (resolvedAt.get(id(i)) ?? Number.NaN) - w.sent)));
      const toA = summarize(measured(wall.map((w, i) => w.answered - (resolvedAt.get(id(i)) ?? Number.NaN))));
      const r = summarize(measured(toReentry));
      const k = summarize(measured(ack));
      const prep = summarize(measured(building));
      const cold = summarize(toReentry.slice(0, warmup));
      const everyClick = summarize(toReentry);
      return [
        {
          name: `click on replica B → long-poll on replica A answers (${n} clicks after ${warmup} warm-up clicks): p50`,
          value: ms(r.p50),
        },
        {
          name: 'click on B → reentry on A: p99',
          value: `${ms(r.p99)} (max ${ms(r.max)})`,
          target: '< 25 ms',
          ok: r.p99 < 25 && wrong === 0,
        },
        {
          name: `click on B → reentry on A: the ${warmup} warm-up clicks p50 / p99 (max); all ${total} clicks p99`,
          value: `${ms(cold.p50)} / ${ms(cold.p99)} (${ms(cold.max)}); ${ms(everyClick.p99)}`,
        },
        {
          name: 'click on B: long-polls answered without the clicked option',
          value: String(wrong),
          target: '0',
          ok: wrong === 0,
        },
        { name: 'click on B: ack time p50 / p99', value: `${ms(k.p50)} / ${ms(k.p99)}` },
        {
          name: 'the fake Slack building and signing a click before sending it (not timed above) p50 / p99',
          value: `${ms(prep.p50)} / ${ms(prep.p99)}`,
        },
        {
          name: 'click on B: sent → B begins the resolve (resolved_at, 1 ms clock) p50 / p99',
          value: `${ms(onB.p50)} / ${ms(onB.p99)}`,
        },
        {
          name: 'click on B: resolve begins → long-poll on A answered p50 / p99',
          value: `${ms(toA.p50)} / ${ms(toA.p99)}`,
        },
      ];
    });
  } finally {
    await fake.stop();
  }
}
