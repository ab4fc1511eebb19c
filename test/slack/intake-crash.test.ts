import Database from 'better-sqlite3';
import { describe, expect, it, vi } from 'vitest';
import { createSlackDriver } from '../../src/sandbox/slack-driver.js';
import { ADMIN_SECRET, RUNNER_SECRET } from '../helpers/bridge.js';
import { startChildBridge } from '../helpers/child-bridge.js';
import { freePort } from '../helpers/ports.js';
import { BOT_TOKEN, buttonFor, CARDS, SIGNING_SECRET, startFakeSlack } from '../helpers/slack.js';
import { tempDbPath } from '../helpers/temp.js';

/** Audit events of one token, read straight from the database file the child writes. */
function eventTypes(dbPath: string, tokenId: string): string[] {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db
      .prepare<[string], { type: string }>('SELECT type FROM events WHERE token_id = ? ORDER BY seq')
      .all(tokenId)
      .map((e) => e.type);
  } finally {
    db.close();
  }
}

describe('no acknowledged answer is lost', () => {
  it('SIGKILL while the permission check waits on a 10 s usergroups.users.list: the click is answered after restart, once', async () => {
    const fake = await startFakeSlack();
    const env = {
      PORT: String(await freePort()),
      RODIZIO_DB: tempDbPath(),
      RODIZIO_API_TOKENS: `ci:${RUNNER_SECRET}`,
      RODIZIO_ADMIN_TOKEN: ADMIN_SECRET,
      RODIZIO_PHASE_WATCH: 'false',
      RODIZIO_SANDBOX: 'false',
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: fake.apiUrl,
      SLACK_CHANNEL: CARDS,
      SLACK_POST_INTERVAL: '0s',
      LOG_LEVEL: 'info',
    };
    const first = await startChildBridge(env);
    const created = await fetch(`${first.url}/v1/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${RUNNER_SECRET}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        reason: 'approval_needed',
        prompt: 'Rotate the keys?',
        options: ['rotate', 'wait'],
        // Only the on-call group may answer, so the permission check has to call usergroups.users.list.
        answerers: { groups: ['S0ONCALL'] },
      }),
    }).then(async (r) => ({ status: r.status, json: (await r.json()) as { id: string } }));
    expect(created.status).toBe(201);
    const id = created.json.id;
    const card = await fake.waitFor(
      () => fake.messages(CARDS).find((m) => m.text?.includes(id) && m.blocks?.length),
      10_000,
    );

    fake.inject('usergroups.users.list', { delayMs: 10_000 });
    const driver = createSlackDriver({ fake, botUrl: `${first.url}/slack/events`, signingSecret: SIGNING_SECRET });
    const started = performance.now();
    const click = await driver.clickButton({
      channel: CARDS,
      ts: card.ts,
      actionId: buttonFor(card, 'rotate'),
      user: 'U0CAROL',
    });
    const ackMs = performance.now() - started;
    expect(click.status).toBe(200);
    expect(ackMs).toBeLessThan(3000);
    // Right after the 200: the permission check is still waiting on the fake, nothing is committed yet.
    await first.crash();
    expect(eventTypes(env.RODIZIO_DB, id)).not.toContain('resolved');

    fake.clearFaults();
    const second = await startChildBridge(env);
    const flipped = await fake.waitFor(() => {
      const m = fake.message(CARDS, card.ts);
      return m?.text?.startsWith('✅') ? m : undefined;
    }, 10_000);
    expect(flipped.text).toContain('Answered "rotate"');
    expect(JSON.stringify(flipped.blocks)).toContain('by <@U0CAROL> via button');

    const token = await fetch(`${second.url}/v1/tokens/${id}`, {
      headers: { authorization: `Bearer ${RUNNER_SECRET}` },
    }).then((r) => r.json() as Promise<Record<string, unknown>>);
    expect(token).toMatchObject({ status: 'resolved', human_input: 'rotate', answered_by: 'U0CAROL' });
    await vi.waitUntil(() => second.output.join('').includes('processed Slack requests a previous process had'), {
      timeout: 5000,
    });
    expect(eventTypes(env.RODIZIO_DB, id).filter((t) => t === 'resolved')).toHaveLength(1);
    // Nobody was told anything went wrong: the answer simply counted.
    expect(fake.ephemerals.filter((e) => e.user === 'U0CAROL')).toEqual([]);
  }, 40_000);
});
