import { describe, expect, it, vi } from 'vitest';
import { validateMessage } from '../../blocks/limits.js';
import { buttonFor, CARDS, startSlackBridge } from '../helpers/slack.js';
import { storeSnapshot } from '../helpers/store.js';

describe('Slack end to end over real HTTP', () => {
  it('agent creates a token → card posted → signed click → reentry with the option and the clicker → card flips', async () => {
    const t = await startSlackBridge();
    const { id, card } = await t.createAndPost({
      reason: 'approval_needed',
      prompt: 'Deploy build 42 to *production*?',
      options: ['Deploy', 'Hold'],
      frozen_state: 'c3RhdGU=',
      project: 'web',
      github_issue: 'acme/web#12',
    });

    const post = t.fake.callsTo('chat.postMessage')[0];
    expect(post?.args.channel).toBe(CARDS);
    expect(validateMessage(post?.args ?? {})).toEqual([]);
    expect(card.text).toBe(`🛡️ Approval needed: Deploy build 42 to *production*? (${id})`);

    const poll = t.reentry(id, 10);
    const click = await t.driver.clickButton({
      channel: CARDS,
      ts: card.ts,
      actionId: buttonFor(card, 'Deploy'),
      user: 'U0ALICE',
    });
    expect(click.status).toBe(200);

    const reentry = await poll;
    expect(reentry.status).toBe(200);
    expect(reentry.json).toMatchObject({
      token_id: id,
      human_input: 'Deploy',
      answered_by: 'U0ALICE',
      via: 'button',
      outcome: 'resolved',
      frozen_state: 'c3RhdGU=',
    });

    const flipped = await vi.waitUntil(
      async () => {
        const m = await t.card(id);
        return m?.text?.startsWith('✅') ? m : undefined;
      },
      { timeout: 2000, interval: 5 },
    );
    expect(flipped.text).toBe(`✅ Answered "Deploy": Deploy build 42 to *production*? (${id})`);
    expect(JSON.stringify(flipped.blocks)).toContain('*Answer:* Deploy\\nby <@U0ALICE> via button');
    expect((flipped.blocks as { type: string }[]).some((b) => b.type === 'actions')).toBe(false);
    const update = t.fake.callsTo('chat.update').at(-1);
    expect(validateMessage(update?.args ?? {})).toEqual([]);

    const reply = await t.fake.waitFor(() => t.fake.thread(CARDS, card.ts)[0]);
    expect(reply.text).toBe('✅ <@U0ALICE> answered *Deploy*. The agent has been told.');
  });

  it('rejects a bad signature or a timestamp older than 5 minutes and changes nothing', async () => {
    const t = await startSlackBridge();
    const { id, card } = await t.createAndPost({ reason: 'approval_needed', prompt: 'Go?', options: ['yes', 'no'] });
    const before = await storeSnapshot(t.bridge.store);
    const calls = t.fake.calls.length;
    const args = { channel: CARDS, ts: card.ts, actionId: buttonFor(card, 'yes'), user: 'U0ALICE' };
    expect((await t.driver.clickButton(args, { badSignature: true })).status).toBe(401);
    const sixMinutesAgo = Math.floor(Date.now() / 1000) - 6 * 60;
    expect((await t.driver.clickButton(args, { timestampSec: sixMinutesAgo })).status).toBe(401);
    expect(
      (
        await t.driver.postMessage(
          { channel: CARDS, user: 'U0BOB', text: 'hi', thread_ts: card.ts },
          { badSignature: true },
        )
      ).status,
    ).toBe(401);
    expect(await storeSnapshot(t.bridge.store)).toEqual(before);
    expect(t.fake.calls.length).toBe(calls);
    expect((await t.bridge.purgatory.get(id)).status).toBe('pending');
  });

  it('two people clicking different options at the same moment: one answer recorded, the other told', async () => {
    const t = await startSlackBridge();
    const { id, card } = await t.createAndPost({
      reason: 'ambiguous_choice',
      prompt: 'Which region?',
      options: ['eu', 'us'],
    });
    const [a, b] = await Promise.all([
      t.driver.clickButton({ channel: CARDS, ts: card.ts, actionId: buttonFor(card, 'eu'), user: 'U0ALICE' }),
      t.driver.clickButton({ channel: CARDS, ts: card.ts, actionId: buttonFor(card, 'us'), user: 'U0BOB' }),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    await t.settle();
    const token = await t.bridge.purgatory.get(id);
    expect(token.status).toBe('resolved');
    const winner = token.answered_by as string;
    const loser = winner === 'U0ALICE' ? 'U0BOB' : 'U0ALICE';
    const told = await t.fake.waitFor(() => t.fake.ephemerals.find((e) => e.user === loser));
    expect(told.text).toBe(`Already answered by <@${winner}> — ${token.human_input}. Nothing changed.`);
    expect((await t.bridge.purgatory.history(id)).filter((e) => e.type === 'resolved')).toHaveLength(1);
  });

  it('posts the full text of a long prompt as the first thread reply', async () => {
    const t = await startSlackBridge();
    const prompt = `${'Context line. '.repeat(400)}THE END`;
    const { card } = await t.createAndPost({ reason: 'context_required', prompt });
    const first = await t.fake.waitFor(() => t.fake.thread(CARDS, card.ts)[0]);
    expect(first.text).toContain('THE END');
    expect(JSON.stringify(card.blocks)).not.toContain('THE END');
  });
});
