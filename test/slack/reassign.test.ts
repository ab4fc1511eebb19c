import { describe, expect, it } from 'vitest';
import { BlockId } from '../../blocks/ids.js';
import { HOUR, startFollowupBridge } from '../helpers/followups.js';
import { CARDS, type SlackTestBridge, startSlackBridge } from '../helpers/slack.js';
import { storeSnapshot } from '../helpers/store.js';

const OPS = 'C0OPS';

/** Opens the reassign modal on a card as `user` and returns its view id. */
async function openReassign(t: SlackTestBridge, ts: string, user: string, channel = CARDS): Promise<string> {
  await t.driver.clickButton({ channel, ts, actionId: 'rodizio.reassign', user });
  const modal = await t.fake.waitFor(() => t.fake.modalStack(user).at(-1));
  expect(modal.view.callback_id).toBe('rodizio.reassign_submit');
  return modal.id;
}

const text = (m: { text?: string; blocks?: unknown } | undefined) => JSON.stringify(m?.blocks ?? []) + (m?.text ?? '');

describe('Reassign… on a pending card', () => {
  it('to a person: the new person may answer, the previous answerer is refused, card and thread say so', async () => {
    const t = await startSlackBridge();
    const { id, card } = await t.createAndPost({
      reason: 'approval_needed',
      prompt: 'Deploy build 42?',
      options: ['Deploy', 'Hold'],
      answerers: { users: ['U0ALICE'] },
    });
    const viewId = await openReassign(t, card.ts, 'U0ALICE');
    const res = await t.driver.submitView({
      viewId,
      user: 'U0ALICE',
      values: { [BlockId.reassignUser]: 'U0BOB', [BlockId.reassignNote]: 'Bob owns deploys today' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toBe('');
    await t.settle();

    expect((await t.bridge.purgatory.get(id)).answerers).toEqual({ users: ['U0BOB'], groups: [] });
    const updated = await t.card(id);
    expect(updated?.ts).toBe(card.ts);
    expect(text(updated)).toContain('↪️ Reassigned to <@U0BOB> by <@U0ALICE>');
    expect(text(updated)).toContain('Bob owns deploys today');
    const replies = t.fake.thread(CARDS, card.ts);
    expect(replies.map((m) => m.text)).toContainEqual(
      '↪️ Reassigned to <@U0BOB> by <@U0ALICE>: “Bob owns deploys today”. <@U0BOB> may answer now.',
    );
    const event = (await t.bridge.purgatory.history(id)).find((e) => e.type === 'reassigned');
    expect(event).toMatchObject({
      actor: 'U0ALICE',
      data: {
        from: { answerers: { users: ['U0ALICE'], groups: [] }, channel: CARDS },
        to: { answerers: { users: ['U0BOB'], groups: [] }, channel: CARDS },
        target: { user: 'U0BOB' },
        by: 'U0ALICE',
        note: 'Bob owns deploys today',
        via: 'slack',
      },
    });

    // The feed carries it too (events.append is the feed's source).
    const feed = await t.call('GET', `/v1/events?types=reassigned&token=${id}`);
    expect(feed.json.events).toHaveLength(1);

    await t.driver.clickButton({ channel: CARDS, ts: card.ts, actionId: 'rodizio.option.0', user: 'U0ALICE' });
    await t.settle();
    expect(t.fake.ephemerals.find((e) => e.user === 'U0ALICE')?.text).toBe(
      'Only <@U0BOB> may answer this one. Nothing changed.',
    );
    expect((await t.bridge.purgatory.get(id)).status).toBe('pending');
    await t.driver.clickButton({ channel: CARDS, ts: card.ts, actionId: 'rodizio.option.1', user: 'U0BOB' });
    expect((await t.reentry(id)).json).toMatchObject({ human_input: 'Hold', answered_by: 'U0BOB' });
  });

  it("to a user group: the group's members may answer (members from usergroups.users.list)", async () => {
    const t = await startSlackBridge();
    const { id, card } = await t.createAndPost({
      reason: 'approval_needed',
      prompt: 'Merge?',
      options: ['Merge'],
      answerers: { users: ['U0DAVE'] },
    });
    const viewId = await openReassign(t, card.ts, 'U0DAVE');
    // The modal offers the workspace's groups (usergroups.list) as a menu.
    const modal = t.fake.views.get(viewId);
    expect(JSON.stringify(modal?.view)).toContain('S0REVIEWERS');
    await t.driver.submitView({ viewId, user: 'U0DAVE', values: { [BlockId.reassignGroup]: 'S0ONCALL' } });
    await t.settle();
    expect((await t.bridge.purgatory.get(id)).answerers).toEqual({ users: [], groups: ['S0ONCALL'] });
    expect(t.fake.thread(CARDS, card.ts).map((m) => m.text)).toContainEqual(
      '↪️ Reassigned to <!subteam^S0ONCALL> by <@U0DAVE>. <!subteam^S0ONCALL> may answer now.',
    );

    await t.driver.clickButton({ channel: CARDS, ts: card.ts, actionId: 'rodizio.option.0', user: 'U0DAVE' });
    await t.settle();
    expect(t.fake.ephemerals.find((e) => e.user === 'U0DAVE')?.text).toBe(
      'Only <!subteam^S0ONCALL> may answer this one. Nothing changed.',
    );
    await t.driver.clickButton({ channel: CARDS, ts: card.ts, actionId: 'rodizio.option.0', user: 'U0CAROL' });
    expect((await t.reentry(id)).json).toMatchObject({ human_input: 'Merge', answered_by: 'U0CAROL' });
  });

  it('a submission with no target or more than one gets inline errors and changes nothing', async () => {
    const t = await startSlackBridge();
    const { card } = await t.createAndPost({ reason: 'approval_needed', prompt: 'OK?' });
    const viewId = await openReassign(t, card.ts, 'U0ALICE');
    const before = await storeSnapshot(t.bridge.store);
    const none = await t.driver.submitView({ viewId, user: 'U0ALICE', values: { [BlockId.reassignNote]: 'hm' } });
    const message = 'Choose a person, a user group or a channel.';
    expect(none.json).toEqual({
      response_action: 'errors',
      errors: { [BlockId.reassignUser]: message, [BlockId.reassignGroup]: message, [BlockId.reassignChannel]: message },
    });
    const two = await t.driver.submitView({
      viewId,
      user: 'U0ALICE',
      values: { [BlockId.reassignUser]: 'U0BOB', [BlockId.reassignChannel]: OPS },
    });
    expect(two.json).toMatchObject({
      response_action: 'errors',
      errors: { [BlockId.reassignUser]: 'Choose only one: a person, a user group or a channel.' },
    });
    expect(await storeSnapshot(t.bridge.store)).toEqual(before);
    expect(t.fake.modalStack('U0ALICE')).toHaveLength(1);
  });

  it('refuses someone who may not answer: an ephemeral, no modal, nothing changed', async () => {
    const t = await startSlackBridge();
    const { id, card } = await t.createAndPost({
      reason: 'approval_needed',
      prompt: 'OK?',
      answerers: { users: ['U0ALICE'] },
    });
    await t.settle();
    const before = await storeSnapshot(t.bridge.store);
    await t.driver.clickButton({ channel: CARDS, ts: card.ts, actionId: 'rodizio.reassign', user: 'U0BOB' });
    const told = await t.fake.waitFor(() => t.fake.ephemerals.find((e) => e.user === 'U0BOB'));
    expect(told.text).toBe('Only <@U0ALICE> may answer this one. Nothing changed.');
    expect(t.fake.modalStack('U0BOB')).toHaveLength(0);
    await t.settle();
    expect(await storeSnapshot(t.bridge.store)).toEqual(before);
    expect((await t.bridge.purgatory.history(id)).map((e) => e.type)).not.toContain('reassigned');
  });

  it('a modal submitted by someone no longer allowed (answerers changed meanwhile) is refused after the ack', async () => {
    const t = await startSlackBridge();
    const { id, card } = await t.createAndPost({
      reason: 'approval_needed',
      prompt: 'OK?',
      answerers: { users: ['U0ALICE', 'U0BOB'] },
    });
    const aliceView = await openReassign(t, card.ts, 'U0ALICE');
    const bobView = await openReassign(t, card.ts, 'U0BOB');
    await t.driver.submitView({ viewId: bobView, user: 'U0BOB', values: { [BlockId.reassignUser]: 'U0CAROL' } });
    await t.settle();
    const before = await storeSnapshot(t.bridge.store);
    await t.driver.submitView({ viewId: aliceView, user: 'U0ALICE', values: { [BlockId.reassignUser]: 'U0DAVE' } });
    await t.settle();
    expect(t.fake.ephemerals.find((e) => e.user === 'U0ALICE')?.text).toBe(
      'Only <@U0CAROL> may answer this one. Nothing changed.',
    );
    expect(await storeSnapshot(t.bridge.store)).toEqual(before);
    expect((await t.bridge.purgatory.get(id)).answerers).toEqual({ users: ['U0CAROL'], groups: [] });
  });
});

describe('Reassign… to another channel', () => {
  it('moves the card: the old one points at the new one, the new thread links the old, answering works, reminders carry on', async () => {
    const t = await startFollowupBridge({ env: { RENOTIFY_INTERVAL: '6h' } });
    const { id, card } = await t.createAndPost({
      reason: 'approval_needed',
      prompt: 'Rotate the certificate?',
      options: ['Rotate', 'Wait'],
      answerers: { users: ['U0ALICE'] },
    });
    await t.at(7 * HOUR);
    const reminders = (channel: string, ts: string) =>
      t.fake.thread(channel, ts).filter((m) => m.text?.startsWith('⏰'));
    expect(reminders(CARDS, card.ts)).toHaveLength(1);

    const viewId = await openReassign(t, card.ts, 'U0ALICE');
    await t.driver.submitView({
      viewId,
      user: 'U0ALICE',
      values: { [BlockId.reassignChannel]: OPS, [BlockId.reassignNote]: 'ops owns certificates' },
    });
    await t.settle();
    await t.drain();

    const token = await t.bridge.purgatory.get(id);
    expect(token.slack?.channel).toBe(OPS);
    expect(token.slack_channel).toBe(OPS);
    expect(token.answerers).toEqual({ users: [], groups: [] });
    const moved = await t.card(id);
    if (!moved) throw new Error('no new card');
    expect(t.fake.messages(OPS).map((m) => m.ts)).toContain(moved.ts);
    expect(text(moved)).toContain('rodizio.option.0');

    // The old card: where it went (linking the new card), by whom, no buttons.
    const old = t.fake.message(CARDS, card.ts);
    const oldText = text(old);
    expect(oldText).toContain(
      `*Moved to <${t.fake.baseUrl}/archives/${OPS}/p${moved.ts.replace('.', '')}|<#${OPS}>>* by <@U0ALICE>`,
    );
    expect(oldText).toContain('ops owns certificates');
    expect(JSON.stringify(old?.blocks)).not.toContain('"type":"actions"');

    // The new card's first reply links the old card's thread.
    const first = t.fake.thread(OPS, moved.ts)[0];
    expect(first?.text).toContain(`↪️ Moved here from <#${CARDS}> by <@U0ALICE>: “ops owns certificates”.`);
    expect(first?.text).toContain(`${t.fake.baseUrl}/archives/${CARDS}/p${card.ts.replace('.', '')}`);
    expect((await t.bridge.purgatory.history(id)).find((e) => e.type === 'reassigned')?.data).toMatchObject({
      from: { channel: CARDS, ts: card.ts },
      to: { channel: OPS, answerers: { users: [], groups: [] } },
      target: { channel: OPS },
    });

    // Reminders keep their schedule (every 6 h from arrival), now in the new thread.
    await t.at(12 * HOUR);
    expect(reminders(OPS, moved.ts)).toHaveLength(0);
    await t.at(13 * HOUR);
    expect(reminders(OPS, moved.ts)).toHaveLength(1);
    expect(reminders(OPS, moved.ts)[0]?.text).toContain('after 13h');
    expect((await t.bridge.purgatory.get(id)).followup.reminders).toBe(2);

    // Anyone in the new channel may answer on the new card.
    await t.driver.clickButton({ channel: OPS, ts: moved.ts, actionId: 'rodizio.option.1', user: 'U0DAVE' });
    expect((await t.reentry(id)).json).toMatchObject({ human_input: 'Wait', answered_by: 'U0DAVE' });
  });
});
