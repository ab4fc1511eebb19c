import { describe, expect, it } from 'vitest';
import { CARDS, startSlackBridge } from '../helpers/slack.js';
import { storeSnapshot } from '../helpers/store.js';

describe('thread replies', () => {
  it('the first reply resolves a context_required token; bots, edits and retried events do not', async () => {
    const t = await startSlackBridge();
    const { id, card } = await t.createAndPost({
      reason: 'context_required',
      prompt: 'Which database should I migrate?',
    });
    const poll = t.reentry(id, 10);

    const bot = await t.driver.postBotMessage({ channel: CARDS, text: 'I am a bot', thread_ts: card.ts });
    expect(bot.status).toBe(200);
    const top = await t.driver.postMessage({ channel: CARDS, user: 'U0BOB', text: 'unrelated top-level message' });
    expect(top.status).toBe(200);
    await t.settle();
    expect((await t.bridge.purgatory.get(id)).status).toBe('pending');

    const reply = await t.driver.postMessage({
      channel: CARDS,
      user: 'U0ALICE',
      text: 'orders-db, the replica',
      thread_ts: card.ts,
    });
    expect(reply.status).toBe(200);
    const res = await poll;
    expect(res.json).toMatchObject({
      human_input: 'orders-db, the replica',
      answered_by: 'U0ALICE',
      answered_by_name: 'alice',
      via: 'thread',
      notes: [{ by: 'U0ALICE', by_name: 'alice', text: 'orders-db, the replica' }],
    });

    await t.settle();
    const before = await storeSnapshot(t.bridge.store);
    const retried = await reply.retry(1);
    expect(retried.status).toBe(200);
    await t.driver.editMessage({ channel: CARDS, ts: reply.event.ts as string, text: 'edited: primary' });
    await t.driver.postMessage({ channel: CARDS, user: 'U0BOB', text: 'too late', thread_ts: card.ts });
    await t.settle();
    expect(await storeSnapshot(t.bridge.store)).toEqual(before);
  });

  it('a retried event before the answer lands is recorded once', async () => {
    const t = await startSlackBridge();
    const { id, card } = await t.createAndPost({
      reason: 'approval_needed',
      prompt: 'Ship it?',
      options: ['yes', 'no'],
    });
    const note = await t.driver.postMessage({
      channel: CARDS,
      user: 'U0BOB',
      text: 'tests are flaky, be careful',
      thread_ts: card.ts,
    });
    await note.retry(1);
    await note.retry(2);
    await t.settle();
    expect((await t.bridge.purgatory.get(id)).status).toBe('pending');
    expect(await t.bridge.store.notes.forToken(id)).toHaveLength(1);
    await t.driver.clickButton({ channel: CARDS, ts: card.ts, actionId: 'rodizio.option.0', user: 'U0ALICE' });
    const res = await t.reentry(id);
    expect(res.json).toMatchObject({
      human_input: 'yes',
      notes: [{ by: 'U0BOB', by_name: 'bob', text: 'tests are flaky, be careful' }],
    });
  });

  it('honours thread_resolves: false on a context question', async () => {
    const t = await startSlackBridge();
    const { id, card } = await t.createAndPost({
      reason: 'context_required',
      prompt: 'Any caveats?',
      thread_resolves: false,
    });
    await t.driver.postMessage({ channel: CARDS, user: 'U0ALICE', text: 'watch the cache', thread_ts: card.ts });
    await t.settle();
    expect((await t.bridge.purgatory.get(id)).status).toBe('pending');
    expect((await t.bridge.store.notes.forToken(id)).map((n) => ({ text: n.text }))).toEqual([
      { text: 'watch the cache' },
    ]);
  });

  it('a reply from someone not allowed to answer is kept as a note, and they are told', async () => {
    const t = await startSlackBridge();
    const { id, card } = await t.createAndPost({
      reason: 'context_required',
      prompt: 'Which account?',
      answerers: { users: ['U0ALICE'] },
    });
    await t.driver.postMessage({ channel: CARDS, user: 'U0BOB', text: 'the shared one', thread_ts: card.ts });
    await t.settle();
    expect((await t.bridge.purgatory.get(id)).status).toBe('pending');
    const told = await t.fake.waitFor(() => t.fake.ephemerals.find((e) => e.user === 'U0BOB'));
    expect(told.text).toBe('Only <@U0ALICE> may answer this one. Your reply was kept as a note.');
  });
});
