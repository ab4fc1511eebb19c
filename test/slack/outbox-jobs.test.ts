import { describe, expect, it } from 'vitest';
import { ADMIN_SECRET } from '../helpers/bridge.js';
import { CARDS, startSlackBridge } from '../helpers/slack.js';

describe('Slack outbox jobs', () => {
  it('a card someone deleted is posted again when it must change, and the new thread links the old one', async () => {
    const t = await startSlackBridge();
    const { id, card } = await t.createAndPost({
      reason: 'approval_needed',
      prompt: 'Still wanted?',
      options: ['yes'],
    });
    expect(t.fake.deleteMessage(CARDS, card.ts)).toBe(true);

    const res = await t.call('POST', `/v1/tokens/${id}/resolve`, {
      token: ADMIN_SECRET,
      body: { human_input: 'yes', by: 'U0ALICE' },
    });
    expect(res.status).toBe(200);
    await t.settle();

    const reposted = await t.card(id);
    expect(reposted?.ts).not.toBe(card.ts);
    expect(reposted?.text).toMatch(/^✅ Answered "yes": Still wanted\?/);
    expect(t.fake.callsTo('chat.update').map((c) => c.response.error)).toEqual(['message_not_found']);
    const thread = t.fake.thread(CARDS, reposted?.ts as string).map((m) => m.text);
    // The note is queued behind the decision reply already waiting in the token's lane.
    expect(thread).toEqual([
      '✅ <@U0ALICE> answered *yes*. The agent has been told.',
      expect.stringContaining('This card was posted again because the earlier one was deleted.'),
    ]);
    expect(await t.bridge.purgatory.store.outbox.count('dead')).toBe(0);
  });

  it('a refusal Slack will never take back (channel_not_found) is dead after one attempt, not retried 12 times', async () => {
    const t = await startSlackBridge();
    t.fake.inject('chat.postMessage', { error: 'channel_not_found' }, 1);
    const res = await t.call('POST', '/v1/tokens', { body: { reason: 'approval_needed', prompt: 'Anyone?' } });
    expect(res.status).toBe(201);
    await t.settle();
    const [job] = await t.bridge.purgatory.store.outbox.list({ kind: 'slack.card', limit: 5 });
    expect(job).toMatchObject({ status: 'dead', attempts: 1, last_error: 'Slack refused: channel_not_found' });
    expect(t.fake.callsTo('chat.postMessage')).toHaveLength(1);
  });

  it('a prompt too long for the card: the card and its overflow thread reply are recorded together', async () => {
    const t = await startSlackBridge();
    const prompt = `Read all of this: ${'lorem ipsum '.repeat(600)}`;
    const { id, card } = await t.createAndPost({ reason: 'context_required', prompt });
    await t.settle();
    const jobs = await t.bridge.purgatory.store.outbox.list({ tokenId: id, limit: 10 });
    expect(jobs.map((j) => [j.kind, j.status])).toEqual([
      ['slack.thread', 'done'],
      ['slack.card', 'done'],
    ]);
    const [reply] = t.fake.thread(CARDS, card.ts);
    expect(reply?.text).toMatch(/^\*Full prompt:\*\nRead all of this: lorem ipsum/);
  });
});
