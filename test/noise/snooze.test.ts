import { describe, expect, it } from 'vitest';
import { DEFAULT_USERS } from '../../src/sandbox/fake-slack-users.js';
import { HOUR, startFollowupBridge, T0 } from '../helpers/followups.js';
import { CARDS, startFakeSlack } from '../helpers/slack.js';
import { storeSnapshot } from '../helpers/store.js';

const SNOOZE = 'rodizio.snooze';
const sec = (ms: number) => Math.floor(ms / 1000);
const iso = (ms: number) => new Date(ms).toISOString().replace('Z', '+00:00');

describe('Snooze on a card', () => {
  it('snooze 1 h: the reminder due in that hour waits and goes after; card, audit and ephemeral say so', async () => {
    const t = await startFollowupBridge();
    const { id, card } = await t.createAndPost({
      reason: 'approval_needed',
      prompt: 'Rotate the certificate?',
      options: ['rotate'],
      deadline: new Date(T0 + 9 * HOUR).toISOString(),
      answerers: { users: ['U0ALICE', 'U0BOB'] },
    });
    const reminders = () => t.fake.thread(CARDS, card.ts).filter((m) => m.text?.startsWith('⏰'));
    const cardText = async () => JSON.stringify((await t.card(id))?.blocks);

    await t.at(5.5 * HOUR);
    await t.driver.selectOption({ channel: CARDS, ts: card.ts, actionId: SNOOZE, user: 'U0ALICE', value: `${id}|1h` });
    await t.settle();
    await t.drain();
    const until = T0 + 6.5 * HOUR;
    expect(t.fake.ephemerals.find((e) => e.user === 'U0ALICE')?.text).toBe(
      `Reminders snoozed until <!date^${sec(until)}^{date_short_pretty} {time}|2026-03-02 15:30 UTC> for everyone on this request; the deadline still counts.`,
    );
    expect(await cardText()).toContain(
      `💤 Reminders snoozed until <!date^${sec(until)}^{time}|2026-03-02 15:30 UTC> by <@U0ALICE>`,
    );
    // While snoozed, the menu also offers to resume.
    expect(await cardText()).toContain(`"value":"${id}|resume"`);
    expect((await t.bridge.purgatory.get(id)).followup).toMatchObject({
      snoozed_until: iso(until),
      snoozed_by: 'U0ALICE',
    });

    // The reminder falls due at 6 h, inside the snooze: nothing is sent.
    await t.at(6 * HOUR);
    expect(reminders()).toHaveLength(0);
    // The snooze ends at 6 h 30: the reminder goes, and the card drops the line.
    await t.at(6.5 * HOUR);
    expect(reminders()).toHaveLength(1);
    expect(reminders()[0]?.text).toContain('<@U0ALICE> <@U0BOB> may answer');
    expect(await cardText()).not.toContain('Reminders snoozed');
    expect(await cardText()).not.toContain(`${id}|resume`);

    // The deadline was never snoozed.
    await t.at(9 * HOUR);
    expect((await t.bridge.purgatory.get(id)).followup.escalated_at).toBe(iso(T0 + 9 * HOUR));
    const history = await t.bridge.purgatory.history(id);
    expect(history.map((e) => e.type)).toEqual(['ejected', 'snoozed', 'snooze_ended', 'reminded', 'escalated']);
    expect(history[1]).toMatchObject({
      actor: 'U0ALICE',
      data: { choice: '1h', until: iso(until), until_ms: until },
    });
    expect(history[2]).toMatchObject({ actor: 'rodizio', data: { user: 'U0ALICE' } });
  });

  it("until tomorrow 9:00 is the clicker's 9:00 (Slack time zone); the deadline still expires meanwhile", async () => {
    const fake = await startFakeSlack({
      users: { ...DEFAULT_USERS, U0ANA: { name: 'ana', display_name: 'ana', tz: 'America/New_York' } },
    });
    const t = await startFollowupBridge({ fake });
    const { id, card } = await t.createAndPost({
      reason: 'approval_needed',
      prompt: 'Ship it?',
      options: ['ship'],
      deadline: new Date(T0 + 3 * HOUR).toISOString(),
      expiry_policy: 'expire',
    });
    // 10:00 UTC on Monday 2 March is 05:00 in New York (EST): tomorrow 9:00 there is Tuesday 14:00 UTC.
    await t.at(HOUR);
    await t.driver.selectOption({
      channel: CARDS,
      ts: card.ts,
      actionId: SNOOZE,
      user: 'U0ANA',
      value: `${id}|tomorrow`,
    });
    await t.settle();
    const until = Date.UTC(2026, 2, 3, 14, 0);
    expect(t.fake.ephemerals.find((e) => e.user === 'U0ANA')?.text).toBe(
      `Reminders snoozed until <!date^${sec(until)}^{date_short_pretty} {time}|2026-03-03 14:00 UTC> for everyone on this request; the deadline still counts.`,
    );
    expect((await t.bridge.purgatory.history(id)).at(-1)).toMatchObject({
      type: 'snoozed',
      actor: 'U0ANA',
      data: { choice: 'tomorrow', time_zone: 'America/New_York', until: iso(until) },
    });
    // More than 12 hours away: the card says which day.
    expect(JSON.stringify((await t.card(id))?.blocks)).toContain(
      `💤 Reminders snoozed until <!date^${sec(until)}^{date_short_pretty} {time}|2026-03-03 14:00 UTC> by <@U0ANA>`,
    );

    await t.at(3 * HOUR);
    const token = await t.bridge.purgatory.get(id);
    expect(token.status).toBe('expired');
    expect(JSON.stringify((await t.card(id))?.blocks)).not.toContain('Reminders snoozed');
  });

  it("until tomorrow 9:00 follows the project's quiet-hours time zone when it has one", async () => {
    const t = await startFollowupBridge({
      file: { projects: { web: { quiet_hours: { tz: 'Asia/Tokyo', days: ['sun'] } } } },
    });
    const { id, card } = await t.createAndPost({ reason: 'approval_needed', prompt: 'Go?', project: 'web' });
    // Monday 09:00 UTC is 18:00 in Tokyo: tomorrow 9:00 there is Tuesday 00:00 UTC.
    await t.driver.selectOption({
      channel: CARDS,
      ts: card.ts,
      actionId: SNOOZE,
      user: 'U0BOB',
      value: `${id}|tomorrow`,
    });
    await t.settle();
    const until = Date.UTC(2026, 2, 3, 0, 0);
    expect(t.fake.ephemerals.find((e) => e.user === 'U0BOB')?.text).toBe(
      `Reminders snoozed until <!date^${sec(until)}^{date_short_pretty} {time}|2026-03-03 00:00 UTC> (9:00 in Asia/Tokyo, the project's quiet-hours time zone) for everyone on this request; the deadline still counts.`,
    );
    expect((await t.bridge.purgatory.get(id)).followup.snoozed_until).toBe(iso(until));
  });

  it('"Resume reminders" lifts a snooze early; the next reminder goes when due', async () => {
    const t = await startFollowupBridge();
    const { id, card } = await t.createAndPost({ reason: 'approval_needed', prompt: 'Go?' });
    const reminders = () => t.fake.thread(CARDS, card.ts).filter((m) => m.text?.startsWith('⏰'));
    await t.driver.selectOption({
      channel: CARDS,
      ts: card.ts,
      actionId: SNOOZE,
      user: 'U0ALICE',
      value: `${id}|tomorrow`,
    });
    await t.settle();
    await t.drain();
    await t.at(6 * HOUR);
    expect(reminders()).toHaveLength(0);

    await t.driver.selectOption({
      channel: CARDS,
      ts: card.ts,
      actionId: SNOOZE,
      user: 'U0BOB',
      value: `${id}|resume`,
    });
    await t.settle();
    await t.drain();
    expect(t.fake.ephemerals.find((e) => e.user === 'U0BOB')?.text).toBe('Reminders are back on for this request.');
    expect(JSON.stringify((await t.card(id))?.blocks)).not.toContain('Reminders snoozed');
    expect((await t.bridge.purgatory.history(id)).at(-1)).toMatchObject({
      type: 'snooze_ended',
      actor: 'U0BOB',
      data: { user: 'U0ALICE' },
    });
    await t.at(6 * HOUR + 5 * 60_000);
    expect(reminders()).toHaveLength(1);
  });

  it('from App Home: the menu is there too; the clicker is told in a small modal and Home shows the snooze', async () => {
    const t = await startFollowupBridge();
    const { id } = await t.createAndPost({ reason: 'approval_needed', prompt: 'From Home?' });
    await t.driver.openHome('U0ALICE');
    await t.settle();
    await t.driver.clickHomeButton({ user: 'U0ALICE', actionId: SNOOZE, value: `${id}|1h` });
    await t.settle();
    expect((await t.bridge.purgatory.get(id)).followup.snoozed_by).toBe('U0ALICE');
    const notice = t.fake.modalStack('U0ALICE').at(-1);
    expect(JSON.stringify(notice?.view.blocks)).toContain('Reminders snoozed until');
    expect(JSON.stringify(t.fake.homeView('U0ALICE')?.blocks)).toContain(`"value":"${id}|resume"`);
  });

  it('a reassignment lifts the snooze: the new people get the reminders', async () => {
    const t = await startFollowupBridge();
    const { id, card } = await t.createAndPost({
      reason: 'approval_needed',
      prompt: 'Go?',
      answerers: { users: ['U0ALICE'] },
    });
    const reminders = () => t.fake.thread(CARDS, card.ts).filter((m) => m.text?.startsWith('⏰'));
    await t.driver.selectOption({
      channel: CARDS,
      ts: card.ts,
      actionId: SNOOZE,
      user: 'U0ALICE',
      value: `${id}|tomorrow`,
    });
    await t.settle();
    const res = await t.call('POST', `/v1/tokens/${id}/reassign`, { body: { to: { user: 'U0BOB' } } });
    expect(res.status).toBe(200);
    await t.settle();
    expect((await t.bridge.purgatory.get(id)).followup).toMatchObject({ snoozed_until: null, snoozed_by: null });
    expect(JSON.stringify((await t.card(id))?.blocks)).not.toContain('Reminders snoozed');
    await t.at(6 * HOUR);
    expect(reminders().map((m) => m.text)).toEqual([expect.stringContaining('<@U0BOB> may answer')]);
  });

  it('forged, foreign and late snooze choices are refused and change nothing', async () => {
    const t = await startFollowupBridge();
    const { id, card } = await t.createAndPost({
      reason: 'approval_needed',
      prompt: 'Mine?',
      options: ['yes'],
      answerers: { users: ['U0ALICE'] },
    });
    await t.settle();
    const option = (value: string) => ({ text: { type: 'plain_text', text: value }, value });
    const forged = t.fake.addMessage(CARDS, {
      bot_id: 'B0OTHERBOT',
      text: 'not a card of ours',
      blocks: [
        {
          type: 'actions',
          block_id: 'forged',
          elements: [
            {
              type: 'static_select',
              action_id: SNOOZE,
              placeholder: { type: 'plain_text', text: 'Snooze' },
              options: [
                option(`${id}|forever`),
                option('garbage'),
                option(`${id}|1h|extra`),
                option('|1h'),
                option('sem-nope|1h'),
                option(`${id}|resume`),
              ],
            },
          ],
        },
      ],
    });
    const before = await storeSnapshot(t.bridge.store);
    // Resuming when nothing is snoozed is the last one.
    for (const value of [`${id}|forever`, 'garbage', `${id}|1h|extra`, '|1h', 'sem-nope|1h', `${id}|resume`]) {
      const res = await t.driver.selectOption({
        channel: CARDS,
        ts: forged.ts,
        actionId: SNOOZE,
        user: 'U0ALICE',
        value,
      });
      expect(res.status, value).toBe(200);
    }
    await t.settle();
    // Somebody who may not answer the token may not snooze it either.
    await t.driver.selectOption({ channel: CARDS, ts: card.ts, actionId: SNOOZE, user: 'U0CAROL', value: `${id}|1h` });
    await t.settle();
    const refused = 'That is not a snooze choice rodizio offers. Nothing changed.';
    expect(t.fake.ephemerals.map((e) => e.text)).toEqual([
      refused,
      refused,
      refused,
      refused,
      'This request no longer exists.',
      'Reminders are not snoozed on this request. Nothing changed.',
      'Only <@U0ALICE> may answer this one. Nothing changed.',
    ]);
    expect(await storeSnapshot(t.bridge.store)).toEqual(before);

    // Once answered, a snooze from the old card is too late.
    const pending = structuredClone((await t.card(id))?.blocks ?? []);
    await t.driver.clickButton({ channel: CARDS, ts: card.ts, actionId: 'rodizio.option.0', user: 'U0ALICE' });
    await t.settle();
    const answered = await storeSnapshot(t.bridge.store);
    const stale = t.fake.addMessage(CARDS, { text: 'old copy', blocks: pending });
    await t.driver.selectOption({ channel: CARDS, ts: stale.ts, actionId: SNOOZE, user: 'U0ALICE', value: `${id}|1h` });
    await t.settle();
    expect(t.fake.ephemerals.at(-1)?.text).toBe('Already answered by <@U0ALICE> — yes. Nothing changed.');
    expect(await storeSnapshot(t.bridge.store)).toEqual(answered);
  });
});
