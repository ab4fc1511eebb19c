import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { BlockId } from '../../blocks/ids.js';
import { ManualClock } from '../../src/clock.js';
import { TEST_ENGINE, testDbLocation } from '../helpers/engine.js';
import { recordSlackRequests } from '../helpers/replay.js';
import { buttonFor, CARDS, type SlackTestBridge, startSlackBridge } from '../helpers/slack.js';
import { storeSnapshot } from '../helpers/store.js';
import { tempDbPath } from '../helpers/temp.js';

const FORM = 'application/x-www-form-urlencoded';
const SIX_MINUTES = 6 * 60_000;

type IntakeRowView = { key: string; kind: string; status: string; attempts: number; last_error: string | null };

/** Every intake row, oldest first: the store reads them one id at a time (ids have gaps where rows were removed). */
async function intakeRows(t: SlackTestBridge): Promise<IntakeRowView[]> {
  const rows: IntakeRowView[] = [];
  const last = await t.bridge.store.intake.lastId();
  for (let id = 1; id <= last; id++) {
    const row = await t.bridge.store.intake.get(id);
    if (row) {
      const { key, kind, status, attempts, last_error } = row;
      rows.push({ key, kind, status, attempts, last_error });
    }
  }
  return rows;
}

async function eventCount(t: SlackTestBridge, tokenId: string, type: string): Promise<number> {
  return (await t.bridge.purgatory.history(tokenId)).filter((e) => e.type === type).length;
}

/** Stops a bridge and starts another on the same database and fake Slack, as a restart would. */
async function restart(t: SlackTestBridge, dbPath: string): Promise<SlackTestBridge> {
  await t.bridge.stop();
  const next = await startSlackBridge({ fake: t.fake, config: { dbPath } });
  await next.settle();
  return next;
}

describe('Slack intake: acked requests are recorded first', () => {
  it('a modal submission acks within 3 s while usergroups.users.list takes 4 s; the answer lands after', async () => {
    const clock = new ManualClock(Date.now());
    const t = await startSlackBridge({ clock });
    const { id, card } = await t.createAndPost({
      reason: 'context_required',
      prompt: 'Which account?',
      answerers: { groups: ['S0ONCALL'] },
    });
    await t.driver.clickButton({ channel: CARDS, ts: card.ts, actionId: 'rodizio.answer', user: 'U0CAROL' });
    const modal = await t.fake.waitFor(() => t.fake.modalStack('U0CAROL').at(-1));
    // The group's members were cached when the modal opened; let that run out so the submission looks them up.
    clock.advance(SIX_MINUTES);
    t.fake.inject('usergroups.users.list', { delayMs: 4000 });

    const started = performance.now();
    const res = await t.driver.submitView({
      viewId: modal.id,
      user: 'U0CAROL',
      values: { [BlockId.freeText]: 'the shared one' },
    });
    expect(performance.now() - started).toBeLessThan(3000);
    expect(res.status).toBe(200);
    expect(res.body).toBe('');
    expect(t.fake.modalStack('U0CAROL')).toHaveLength(0);
    expect(await intakeRows(t)).toMatchObject([{ kind: 'answer_form', status: 'pending' }]);
    expect((await t.bridge.purgatory.get(id)).status).toBe('pending');

    await t.settle();
    expect(await t.bridge.purgatory.get(id)).toMatchObject({
      status: 'resolved',
      human_input: 'the shared one',
      answered_by: 'U0CAROL',
      answered_via: 'form',
    });
    expect(await intakeRows(t)).toMatchObject([{ kind: 'answer_form', status: 'done', attempts: 1 }]);
  }, 15_000);

  it("a refusal found after the modal closed is told in the card's channel, and changes nothing", async () => {
    const clock = new ManualClock(Date.now());
    const t = await startSlackBridge({ clock });
    const { id, card } = await t.createAndPost({
      reason: 'context_required',
      prompt: 'Which account?',
      answerers: { groups: ['S0ONCALL'] },
    });
    await t.driver.clickButton({ channel: CARDS, ts: card.ts, actionId: 'rodizio.answer', user: 'U0CAROL' });
    const modal = await t.fake.waitFor(() => t.fake.modalStack('U0CAROL').at(-1));
    // Carol leaves on-call while the modal is open.
    t.fake.addUsergroup('S0ONCALL', ['U0DAVE']);
    clock.advance(SIX_MINUTES);
    const res = await t.driver.submitView({
      viewId: modal.id,
      user: 'U0CAROL',
      values: { [BlockId.freeText]: 'the shared one' },
    });
    expect(res.body).toBe('');
    await t.settle();
    const told = await t.fake.waitFor(() => t.fake.ephemerals.find((e) => e.user === 'U0CAROL'));
    expect(told).toMatchObject({
      channel: CARDS,
      text: 'Only <!subteam^S0ONCALL> may answer this one. Nothing changed.',
    });
    expect((await t.bridge.purgatory.get(id)).status).toBe('pending');
    expect(await intakeRows(t)).toEqual([]);
  });

  it('/rodizio resolve with a slow user group lookup: acked at once, the answer follows through the response_url', async () => {
    const t = await startSlackBridge();
    const { id } = await t.createAndPost({
      reason: 'approval_needed',
      prompt: 'Deploy?',
      options: ['Deploy', 'Hold'],
      answerers: { groups: ['S0ONCALL'] },
    });
    t.fake.inject('usergroups.users.list', { delayMs: 4000 });
    const started = performance.now();
    const res = await t.driver.slashCommand({ user: 'U0CAROL', channel: CARDS, text: `resolve ${id} deploy` });
    expect(performance.now() - started).toBeLessThan(3000);
    expect(res.json).toEqual({ response_type: 'ephemeral', text: `Working on \`${id}\`…` });
    await t.settle();
    const answer = await t.fake.waitFor(() =>
      t.fake.responses.find((r) => r.id === res.responseUrl.split('/').at(-1) && r.via === 'response_url'),
    );
    expect(answer.body).toMatchObject({ text: `Answered \`${id}\` with *Deploy*. The agent has been told.` });
    expect(await t.bridge.purgatory.get(id)).toMatchObject({ status: 'resolved', answered_via: 'slash_command' });
  }, 15_000);
});

describe('Slack intake: retries and replays', () => {
  it('the same signed click twice: one answer, one audit event, nobody told twice', async () => {
    const t = await startSlackBridge();
    const requests = recordSlackRequests();
    const { id, card } = await t.createAndPost({ reason: 'approval_needed', prompt: 'Go?', options: ['yes', 'no'] });
    await t.driver.clickButton({ channel: CARDS, ts: card.ts, actionId: buttonFor(card, 'yes'), user: 'U0ALICE' });
    const click = requests.last();
    await t.settle();
    expect((await t.driver.send(click.body, FORM)).status).toBe(200);
    await t.settle();
    expect(await eventCount(t, id, 'resolved')).toBe(1);
    expect(t.fake.ephemerals).toEqual([]);
    expect(await intakeRows(t)).toMatchObject([{ kind: 'option', status: 'done', attempts: 1 }]);
    expect(t.logs.text()).toContain('a Slack request seen before: ignored');
  });

  it('a quorum vote replayed counts once; a later click by the same person (a changed mind) still counts', async () => {
    const t = await startSlackBridge();
    const requests = recordSlackRequests();
    const { id, card } = await t.createAndPost({
      reason: 'approval_needed',
      prompt: 'Ship the release?',
      options: ['Ship', 'Block'],
      required_approvals: 2,
    });
    const click = (label: string, user: string) =>
      t.driver.clickButton({ channel: CARDS, ts: card.ts, actionId: buttonFor(card, label), user });
    await click('Ship', 'U0ALICE');
    const ship = requests.last();
    await t.settle();
    await t.driver.send(ship.body, FORM);
    await t.driver.send(ship.body, FORM);
    await t.settle();
    expect(await eventCount(t, id, 'approval')).toBe(1);
    expect(t.fake.ephemerals.filter((e) => e.user === 'U0ALICE')).toHaveLength(1);

    await click('Block', 'U0ALICE');
    await t.settle();
    expect(await eventCount(t, id, 'approval')).toBe(2);
    expect(await t.bridge.purgatory.approvals(id)).toMatchObject([{ user: 'U0ALICE', option: 'Block' }]);
    await click('Block', 'U0BOB');
    await t.settle();
    expect(await t.bridge.purgatory.get(id)).toMatchObject({ status: 'resolved', human_input: 'Block' });
    expect(await eventCount(t, id, 'resolved')).toBe(1);
  });

  it('the same message event and the same view submission sent twice change nothing the second time', async () => {
    const t = await startSlackBridge();
    const requests = recordSlackRequests();
    const thread = await t.createAndPost({ reason: 'context_required', prompt: 'Which database?' });
    await t.driver.postMessage({ channel: CARDS, user: 'U0ALICE', text: 'orders-db', thread_ts: thread.card.ts });
    const event = requests.last();
    await t.settle();
    // A replay without retry headers, and one with them.
    await t.driver.send(event.body, 'application/json');
    await t.driver.send(event.body, 'application/json', {
      'x-slack-retry-num': '1',
      'x-slack-retry-reason': 'http_timeout',
    });
    await t.settle();
    expect(await eventCount(t, thread.id, 'resolved')).toBe(1);
    expect(await eventCount(t, thread.id, 'note')).toBe(1);

    const form = await t.createAndPost({ reason: 'context_required', prompt: 'Which branch?' });
    await t.driver.clickButton({ channel: CARDS, ts: form.card.ts, actionId: 'rodizio.answer', user: 'U0BOB' });
    const modal = await t.fake.waitFor(() => t.fake.modalStack('U0BOB').at(-1));
    await t.driver.submitView({ viewId: modal.id, user: 'U0BOB', values: { [BlockId.freeText]: 'main' } });
    const submission = requests.last();
    await t.settle();
    const again = await t.driver.send(submission.body, FORM);
    expect(again).toMatchObject({ status: 200, body: '' });
    await t.settle();
    expect(await t.bridge.purgatory.get(form.id)).toMatchObject({ status: 'resolved', human_input: 'main' });
    expect(await eventCount(t, form.id, 'resolved')).toBe(1);
    expect(t.fake.ephemerals).toEqual([]);
    expect((await intakeRows(t)).map((r) => [r.kind, r.status])).toEqual([
      ['thread_reply', 'done'],
      ['answer_form', 'done'],
    ]);
  });
});

describe('Slack intake: restarts', () => {
  // Putting done rows back to pending takes SQL no repo offers (the store only moves a row forward), so this
  // test runs on SQLite only and rewinds the rows through a connection of its own.
  it.skipIf(TEST_ENGINE !== 'sqlite')(
    'a crash after the answer committed but before its row was marked done: the restart finishes it, tells nobody',
    async () => {
      const dbPath = tempDbPath();
      const first = await startSlackBridge({ config: { dbPath } });
      const plain = await first.createAndPost({ reason: 'approval_needed', prompt: 'Go?', options: ['yes', 'no'] });
      const quorum = await first.createAndPost({
        reason: 'approval_needed',
        prompt: 'Ship?',
        options: ['Ship', 'Block'],
        required_approvals: 2,
      });
      const reply = await first.createAndPost({ reason: 'context_required', prompt: 'Which database?' });
      await first.driver.clickButton({
        channel: CARDS,
        ts: plain.card.ts,
        actionId: buttonFor(plain.card, 'yes'),
        user: 'U0ALICE',
      });
      await first.driver.clickButton({
        channel: CARDS,
        ts: quorum.card.ts,
        actionId: buttonFor(quorum.card, 'Ship'),
        user: 'U0ALICE',
      });
      await first.driver.postMessage({ channel: CARDS, user: 'U0BOB', text: 'orders-db', thread_ts: reply.card.ts });
      await first.settle();
      const told = first.fake.ephemerals.length;
      // What a SIGKILL between the answer's commit and `finish` leaves: the rows pending after one attempt.
      const db = new Database(dbPath);
      try {
        db.prepare(`UPDATE intake SET status = 'pending', processed_ms = NULL`).run();
      } finally {
        db.close();
      }

      const second = await restart(first, dbPath);
      expect((await intakeRows(second)).map((r) => [r.kind, r.status, r.attempts])).toEqual([
        ['option', 'done', 2],
        ['option', 'done', 2],
        ['thread_reply', 'done', 2],
      ]);
      expect(second.fake.ephemerals.length).toBe(told);
      expect(second.fake.ephemerals.map((e) => e.text).join('\n')).not.toContain('Already answered');
      expect(await eventCount(second, plain.id, 'resolved')).toBe(1);
      expect(await eventCount(second, quorum.id, 'approval')).toBe(1);
      expect((await second.bridge.purgatory.get(quorum.id)).status).toBe('pending');
      expect(await eventCount(second, reply.id, 'resolved')).toBe(1);
      expect(await eventCount(second, reply.id, 'note')).toBe(1);
      expect(second.logs.text()).toContain('processed Slack requests a previous process had acknowledged');
    },
  );

  it('rows that cannot be processed are kept as failed with the reason and a log line; no token changes', async () => {
    const dbPath = await testDbLocation();
    const first = await startSlackBridge({ config: { dbPath } });
    const { id } = await first.createAndPost({ reason: 'approval_needed', prompt: 'Go?', options: ['yes'] });
    await first.settle();
    // Rows as a crashed process leaves them: recorded (received at 0) and, for `attempts`, begun that often.
    const insert = async (key: string, kind: string, payload: string, attempts: number) => {
      const { row } = await first.bridge.store.intake.record(key, kind, payload, 0);
      for (let i = 0; i < attempts; i++) await first.bridge.store.intake.begin(row.id);
    };
    const click = (over: Record<string, unknown>) =>
      JSON.stringify({
        token_id: id,
        option: 'yes',
        user: 'U0ALICE',
        user_name: 'alice',
        channel: CARDS,
        trigger_id: null,
        from_home: false,
        ...over,
      });
    await insert('test:missing-fields', 'option', JSON.stringify({ token_id: id }), 0);
    await insert('test:not-json', 'thread_reply', '{"token_id":', 0);
    await insert('test:unknown-kind', 'shortcut', '{}', 0);
    await insert('test:crash-looped', 'option', click({}), 3);
    await insert('test:unknown-token', 'option', click({ token_id: 'sem-nope' }), 0);
    await insert('test:bad-command', 'command', JSON.stringify({ verb: 'delete', token_id: id }), 0);
    const tokensBefore = (await storeSnapshot(first.bridge.store)).tokens;
    const eventsBefore = await first.bridge.purgatory.history(id);

    const second = await restart(first, dbPath);
    const rows = new Map((await intakeRows(second)).map((r) => [r.key, r]));
    expect(rows.get('test:missing-fields')).toMatchObject({ status: 'failed' });
    expect(rows.get('test:missing-fields')?.last_error).toMatch(/^the payload does not parse: .*option/s);
    expect(rows.get('test:not-json')?.last_error).toMatch(/^the payload does not parse: /);
    expect(rows.get('test:unknown-kind')).toMatchObject({
      status: 'failed',
      last_error: 'no processor for intake kind "shortcut"',
    });
    expect(rows.get('test:crash-looped')).toMatchObject({ status: 'failed', attempts: 3 });
    expect(rows.get('test:crash-looped')?.last_error).toContain('gave up after 3 attempts');
    expect(rows.get('test:bad-command')?.last_error).toMatch(/^the payload does not parse: .*verb/s);
    // Well-formed but naming no token: refused, told, and nothing is left to keep.
    expect(rows.has('test:unknown-token')).toBe(false);
    const told = await second.fake.waitFor(() => second.fake.ephemerals.find((e) => e.user === 'U0ALICE'));
    expect(told.text).toBe("This card's request (sem-nope) no longer exists.");

    expect((await storeSnapshot(second.bridge.store)).tokens).toEqual(tokensBefore);
    expect(await second.bridge.purgatory.history(id)).toEqual(eventsBefore);
    const failures = second.logs.lines.filter((l) => l.msg === 'a Slack request could not be processed');
    expect(failures.map((l) => l.key).sort()).toEqual([
      'test:bad-command',
      'test:crash-looped',
      'test:missing-fields',
      'test:not-json',
      'test:unknown-kind',
    ]);
  });

  it('malformed live requests record nothing: a message event without a ts, a claim without a token', async () => {
    const t = await startSlackBridge();
    const { card } = await t.createAndPost({ reason: 'context_required', prompt: 'Why?' });
    await t.settle();
    const res = await t.driver.sendEvent({
      type: 'message',
      channel: CARDS,
      user: 'U0ALICE',
      text: 'no ts',
      thread_ts: card.ts,
    });
    expect(res.status).toBe(200);
    const forged = t.fake.addMessage(CARDS, {
      bot_id: 'B0OTHERBOT',
      text: 'forged',
      blocks: [
        {
          type: 'actions',
          block_id: 'forged',
          elements: [{ type: 'button', action_id: 'rodizio.claim', text: { type: 'plain_text', text: 'claim' } }],
        },
      ],
    });
    const claim = await t.driver.clickButton({
      channel: CARDS,
      ts: forged.ts,
      actionId: 'rodizio.claim',
      user: 'U0BOB',
    });
    expect(claim.status).toBe(200);
    await t.settle();
    expect(await intakeRows(t)).toEqual([]);
    const told = await t.fake.waitFor(() => t.fake.ephemerals.find((e) => e.user === 'U0BOB'));
    expect(told.text).toBe('This request no longer exists.');
  });
});
