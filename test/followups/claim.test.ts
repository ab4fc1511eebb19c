import { describe, expect, it } from 'vitest';
import { HOUR, startFollowupBridge, T0 } from '../helpers/followups.js';
import { CARDS } from '../helpers/slack.js';
import { storeSnapshot } from '../helpers/store.js';

describe("claim: I'm on it", () => {
  it('pauses reminders for the lease but not the deadline; the lease ending clears it', async () => {
    const t = await startFollowupBridge({ env: { CLAIM_LEASE: '2h' } });
    const { id, card } = await t.createAndPost({
      reason: 'approval_needed',
      prompt: 'Rotate the certificate?',
      options: ['rotate'],
      deadline: new Date(T0 + 7 * HOUR).toISOString(),
      answerers: { users: ['U0ALICE', 'U0BOB'] },
    });
    const reminders = () => t.fake.thread(CARDS, card.ts).filter((m) => m.text?.startsWith('⏰'));

    await t.at(5 * HOUR);
    await t.driver.clickButton({ channel: CARDS, ts: card.ts, actionId: 'rodizio.claim', user: 'U0ALICE' });
    await t.settle();
    await t.drain();
    const ok = t.fake.ephemerals.find((e) => e.user === 'U0ALICE');
    expect(ok?.text).toMatch(
      /^You're on it until <!date\^\d+\^\{time\}\|.*>: reminders pause until then; the deadline still counts\.$/,
    );
    expect(JSON.stringify((await t.card(id))?.blocks)).toContain('🙋 <@U0ALICE> is on it');
    expect(JSON.stringify((await t.card(id))?.blocks)).not.toContain('rodizio.claim');

    // A claim does not stop others from answering; the answer clears it.
    await t.driver.clickButton({ channel: CARDS, ts: card.ts, actionId: 'rodizio.option.0', user: 'U0BOB' });
    await t.settle();
    expect(await t.bridge.purgatory.get(id)).toMatchObject({ status: 'resolved', followup: { claimed_by: null } });
    await t.at(9 * HOUR);
    expect(reminders()).toHaveLength(0);
  });

  it('keeps reminders quiet during the lease, then reminds; the deadline escalates during the lease', async () => {
    const t = await startFollowupBridge({ env: { CLAIM_LEASE: '2h' } });
    const { id, card } = await t.createAndPost({
      reason: 'approval_needed',
      prompt: 'Rotate?',
      deadline: new Date(T0 + 6 * HOUR + 30 * 60_000).toISOString(),
    });
    const reminders = () => t.fake.thread(CARDS, card.ts).filter((m) => m.text?.startsWith('⏰'));
    await t.at(5 * HOUR);
    expect(await t.bridge.rules.claim(id, 'U0ALICE', 'alice')).toMatchObject({
      kind: 'claimed',
      untilMs: T0 + 7 * HOUR,
    });
    await t.at(6 * HOUR);
    expect(reminders()).toHaveLength(0);
    await t.at(6 * HOUR + 30 * 60_000);
    expect((await t.bridge.purgatory.get(id)).followup.escalated_at).not.toBeNull();
    expect(reminders()).toHaveLength(0);
    await t.at(7 * HOUR);
    expect(reminders()).toHaveLength(1);
    const token = await t.bridge.purgatory.get(id);
    expect(token.followup).toMatchObject({ claimed_by: null, claimed_until: null, reminders: 1 });
    expect((await t.bridge.purgatory.history(id)).map((e) => e.type)).toEqual([
      'ejected',
      'claimed',
      'escalated',
      'claim_ended',
      'reminded',
    ]);
  });

  it('a stranger cannot claim, and someone else cannot take a live claim; nothing changes', async () => {
    const t = await startFollowupBridge();
    const { id, card } = await t.createAndPost({
      reason: 'approval_needed',
      prompt: 'Mine?',
      answerers: { users: ['U0ALICE', 'U0BOB'] },
    });
    await t.driver.clickButton({ channel: CARDS, ts: card.ts, actionId: 'rodizio.claim', user: 'U0CAROL' });
    await t.settle();
    expect(t.fake.ephemerals.find((e) => e.user === 'U0CAROL')?.text).toBe(
      'Only <@U0ALICE>, <@U0BOB> may answer this one. Nothing changed.',
    );
    expect((await t.bridge.purgatory.get(id)).followup.claimed_by).toBeNull();

    await t.driver.clickButton({ channel: CARDS, ts: card.ts, actionId: 'rodizio.claim', user: 'U0ALICE' });
    await t.settle();
    await t.drain();
    const before = await storeSnapshot(t.bridge.store);
    expect(await t.bridge.rules.claim(id, 'U0BOB', 'bob')).toMatchObject({ kind: 'taken', by: 'U0ALICE' });
    expect(await storeSnapshot(t.bridge.store)).toEqual(before);
  });
});
