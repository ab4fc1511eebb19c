import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { testDbLocation } from '../helpers/engine.js';
import { HOUR, REPO, startFollowupBridge, T0 } from '../helpers/followups.js';
import { CARDS } from '../helpers/slack.js';

describe('re-notify every 6 hours and label the issue `blocked` at 24 hours', () => {
  it('follows the whole timeline, across a restart, and unblocks on the answer', async () => {
    const dbPath = await testDbLocation();
    const first = await startFollowupBridge({
      dbPath,
      file: { projects: { web: { answerers: { users: ['U0ALICE'] } } } },
    });
    const { id, card } = await first.createAndPost({
      reason: 'approval_needed',
      prompt: 'Merge the schema change?',
      options: ['Merge', 'Wait'],
      project: 'web',
      github_issue: `${REPO}#12`,
    });
    const reminders = () => first.fake.thread(CARDS, card.ts).filter((m) => m.text?.startsWith('⏰'));

    await first.at(6 * HOUR - 60_000);
    expect(reminders()).toHaveLength(0);
    await first.at(6 * HOUR);
    expect(reminders().map((m) => m.text)).toEqual(['⏰ Still waiting for an answer after 6h. <@U0ALICE> may answer.']);
    expect(reminders()[0]?.subtype).toBe('thread_broadcast');
    await first.at(6 * HOUR + 30 * 60_000);
    expect(reminders()).toHaveLength(1);
    await first.at(12 * HOUR);
    expect(reminders()).toHaveLength(2);
    await first.at(13 * HOUR);
    await first.bridge.stop();

    // Down from t0+13h to t0+20h: on restart one reminder catches up, not one per missed interval.
    const second = await startFollowupBridge({
      dbPath,
      clock: new ManualClock(T0 + 20 * HOUR),
      github: first.github,
      fake: first.fake,
      file: { projects: { web: { answerers: { users: ['U0ALICE'] } } } },
    });
    await second.at(20 * HOUR);
    expect(reminders()).toHaveLength(3);
    expect(reminders()[2]?.text).toBe('⏰ Still waiting for an answer after 20h. <@U0ALICE> may answer.');
    expect((await second.bridge.purgatory.history(id)).filter((e) => e.type === 'reminded')).toHaveLength(3);

    // t0+24h: the label is created once, added once, with one comment.
    await second.at(24 * HOUR);
    const gh = first.github;
    expect(gh.callsTo('POST', /\/repos\/acme\/web\/labels$/)).toHaveLength(1);
    expect(gh.callsTo('POST', /\/issues\/12\/labels$/)).toHaveLength(1);
    expect(gh.issue(REPO, 12)?.labels.map((l) => l.name)).toEqual(['blocked']);
    const comments = gh.comments(REPO, 12);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain('**Blocked: waiting for a human for 1d**');
    expect(comments[0]?.body).toContain('> Merge the schema change?');
    await second.at(25 * HOUR);
    expect(reminders()).toHaveLength(3);
    await second.at(30 * HOUR); // the reminder due at t0+26h
    expect(reminders()).toHaveLength(4);
    expect(gh.callsTo('POST', /\/issues\/12\/labels$/)).toHaveLength(1);
    expect(gh.comments(REPO, 12)).toHaveLength(1);
    const token = await second.bridge.purgatory.get(id);
    expect(token.followup.github_blocked_at).toBe(new Date(T0 + 24 * HOUR).toISOString().replace('Z', '+00:00'));

    // Answering takes the label off with a comment; the card and its thread show it all.
    expect(JSON.stringify((await second.card(id))?.blocks)).toContain('GitHub issue labelled `blocked`');
    await second.driver.clickButton({ channel: CARDS, ts: card.ts, actionId: 'rodizio.option.0', user: 'U0ALICE' });
    await second.settle();
    await second.drain();
    expect(gh.issue(REPO, 12)?.labels).toEqual([]);
    expect(gh.comments(REPO, 12).at(-1)?.body).toContain('▶️ **Unblocked:** the question was answered by alice');
    const after = await second.bridge.purgatory.get(id);
    expect(after.status).toBe('resolved');
    expect(after.followup.github_unblocked_at).not.toBeNull();
    expect((await second.card(id))?.text).toContain('✅ Answered "Merge"');
    await second.at(40 * HOUR);
    expect(reminders()).toHaveLength(4);
    expect(first.fake.thread(CARDS, card.ts).at(-1)?.text).toBe(
      '✅ <@U0ALICE> answered *Merge*. The agent has been told.',
    );
  });
});
