import { describe, expect, it, vi } from 'vitest';
import { buttonFor, CARDS, startSlackBridge } from '../helpers/slack.js';
import { storeSnapshot } from '../helpers/store.js';

describe('who may answer', () => {
  it('refuses a clicker who is not an allowed answerer; the store is unchanged', async () => {
    const t = await startSlackBridge();
    const { id, card } = await t.createAndPost({
      reason: 'approval_needed',
      prompt: 'Rotate the keys?',
      options: ['yes', 'no'],
      answerers: { users: ['U0ALICE'], groups: ['S0ONCALL'] },
    });
    await t.settle();
    const before = await storeSnapshot(t.bridge.store);
    await t.driver.clickButton({ channel: CARDS, ts: card.ts, actionId: buttonFor(card, 'yes'), user: 'U0BOB' });
    const told = await t.fake.waitFor(() => t.fake.ephemerals.find((e) => e.user === 'U0BOB'));
    expect(told.text).toBe('Only <@U0ALICE>, <!subteam^S0ONCALL> may answer this one. Nothing changed.');
    await t.settle();
    expect(await storeSnapshot(t.bridge.store)).toEqual(before);

    // Carol is in the on-call user group: allowed.
    await t.driver.clickButton({ channel: CARDS, ts: card.ts, actionId: buttonFor(card, 'yes'), user: 'U0CAROL' });
    await t.settle();
    expect(await t.bridge.purgatory.get(id)).toMatchObject({ status: 'resolved', answered_by: 'U0CAROL' });
    expect(t.fake.callsTo('usergroups.users.list').map((c) => c.args.usergroup)).toEqual(['S0ONCALL']);
  });

  it('uses the project route answerers when the token names none', async () => {
    const t = await startSlackBridge({ file: { projects: { payments: { answerers: { users: ['U0DAVE'] } } } } });
    const { id, card } = await t.createAndPost({
      reason: 'approval_needed',
      prompt: 'Refund?',
      options: ['yes'],
      project: 'payments',
    });
    await t.driver.clickButton({ channel: CARDS, ts: card.ts, actionId: buttonFor(card, 'yes'), user: 'U0ALICE' });
    await t.settle();
    expect((await t.bridge.purgatory.get(id)).status).toBe('pending');
    await t.driver.clickButton({ channel: CARDS, ts: card.ts, actionId: buttonFor(card, 'yes'), user: 'U0DAVE' });
    await t.settle();
    expect((await t.bridge.purgatory.get(id)).answered_by).toBe('U0DAVE');
  });

  it('the requester may not approve their own critical token', async () => {
    const t = await startSlackBridge();
    const { id, card } = await t.createAndPost({
      reason: 'sensitive_action',
      severity: 'critical',
      prompt: 'Drop the staging database?',
      options: ['Drop it', 'Keep it'],
      requested_by: 'U0ALICE',
    });
    await t.settle();
    const before = await storeSnapshot(t.bridge.store);
    await t.driver.clickButton({ channel: CARDS, ts: card.ts, actionId: buttonFor(card, 'Drop it'), user: 'U0ALICE' });
    const told = await t.fake.waitFor(() => t.fake.ephemerals.find((e) => e.user === 'U0ALICE'));
    expect(told.text).toBe('You asked for this critical action, so someone else has to answer it. Nothing changed.');
    await t.settle();
    expect(await storeSnapshot(t.bridge.store)).toEqual(before);
    await t.driver.clickButton({ channel: CARDS, ts: card.ts, actionId: buttonFor(card, 'Keep it'), user: 'U0BOB' });
    await t.settle();
    expect(await t.bridge.purgatory.get(id)).toMatchObject({ status: 'resolved', human_input: 'Keep it' });
  });

  it('required_approvals: 2 distinct people must choose the same option; the card shows progress', async () => {
    const t = await startSlackBridge();
    const { id, card } = await t.createAndPost({
      reason: 'approval_needed',
      severity: 'critical',
      prompt: 'Ship the release?',
      options: ['Ship', 'Block'],
      required_approvals: 2,
    });
    const ship = buttonFor(card, 'Ship');
    const poll = t.reentry(id, 10);

    await t.driver.clickButton({ channel: CARDS, ts: card.ts, actionId: ship, user: 'U0ALICE' });
    const progress = await t.fake.waitFor(() => t.fake.ephemerals.find((e) => e.user === 'U0ALICE'));
    expect(progress.text).toBe('Your choice *Ship* is recorded: 1 of 2 approvals. The card shows who else has chosen.');
    const updated = await vi.waitUntil(
      async () => {
        const m = await t.card(id);
        return JSON.stringify(m?.blocks).includes('Approvals 1/2') ? m : undefined;
      },
      { timeout: 2000, interval: 5 },
    );
    expect(JSON.stringify(updated.blocks)).toContain('🗳️ *Approvals 1/2* — *Ship* 1 (<@U0ALICE>)');

    // The same person again does not count twice; a different option does not add up either.
    await t.driver.clickButton({ channel: CARDS, ts: card.ts, actionId: ship, user: 'U0ALICE' });
    await t.driver.clickButton({ channel: CARDS, ts: card.ts, actionId: buttonFor(card, 'Block'), user: 'U0CAROL' });
    await t.settle();
    expect((await t.bridge.purgatory.get(id)).status).toBe('pending');

    await t.driver.clickButton({ channel: CARDS, ts: card.ts, actionId: ship, user: 'U0BOB' });
    const res = await poll;
    expect(res.json).toMatchObject({ human_input: 'Ship', answered_by: 'U0BOB', approvals: ['U0ALICE', 'U0BOB'] });
    const events = (await t.bridge.purgatory.history(id)).map((e) => e.type);
    expect(events.filter((e) => e === 'approval')).toHaveLength(4);
    expect(events.filter((e) => e === 'resolved')).toHaveLength(1);
  });

  it('a quorum token cannot be answered by free text', async () => {
    const t = await startSlackBridge();
    const { id, card } = await t.createAndPost({
      reason: 'approval_needed',
      prompt: 'OK?',
      options: ['ok'],
      required_approvals: 2,
    });
    const { reply } = await t.command({ user: 'U0ALICE', channel: CARDS, text: `resolve ${id} sure why not` });
    expect(reply).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringContaining('needs 2 people to choose the same option'),
    });
    expect((await t.bridge.purgatory.get(id)).status).toBe('pending');
    expect(JSON.stringify(card.blocks)).not.toContain('rodizio.answer');
  });
});
