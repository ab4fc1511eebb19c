import { describe, expect, it } from 'vitest';
import { CARDS, startSlackBridge } from '../helpers/slack.js';
import { storeSnapshot } from '../helpers/store.js';

describe('Slack listeners given something wrong', () => {
  it('a button whose value names no known token or option is refused and changes nothing', async () => {
    const t = await startSlackBridge();
    const { id } = await t.createAndPost({ reason: 'approval_needed', prompt: 'Go?', options: ['yes'] });
    await t.settle();
    const forged = t.fake.addMessage(CARDS, {
      bot_id: 'B0OTHERBOT',
      text: 'not a card of ours',
      blocks: [
        {
          type: 'actions',
          block_id: 'forged',
          elements: [
            {
              type: 'button',
              action_id: 'rodizio.option.0',
              text: { type: 'plain_text', text: 'unknown' },
              value: 'sem-nope|0',
            },
            {
              type: 'button',
              action_id: 'rodizio.option.1',
              text: { type: 'plain_text', text: 'garbage' },
              value: 'garbage',
            },
            {
              type: 'button',
              action_id: 'rodizio.option.7',
              text: { type: 'plain_text', text: 'no option 7' },
              value: `${id}|7`,
            },
            {
              type: 'button',
              action_id: 'rodizio.answer',
              text: { type: 'plain_text', text: 'answer?' },
              value: 'sem-nope',
            },
          ],
        },
      ],
    });
    const before = await storeSnapshot(t.bridge.store);
    for (const actionId of ['rodizio.option.0', 'rodizio.option.1', 'rodizio.option.7', 'rodizio.answer']) {
      const res = await t.driver.clickButton({ channel: CARDS, ts: forged.ts, actionId, user: 'U0ALICE' });
      expect(res.status, actionId).toBe(200);
    }
    await t.settle();
    expect(t.fake.ephemerals.map((e) => e.text)).toEqual([
      'This button does not belong to a request rodizio knows. Nothing changed.',
      'This button does not belong to a request rodizio knows. Nothing changed.',
      'This button does not belong to a request rodizio knows. Nothing changed.',
      'This request no longer exists.',
    ]);
    expect(await storeSnapshot(t.bridge.store)).toEqual(before);
    expect((await t.bridge.purgatory.get(id)).status).toBe('pending');
  });

  it('a modal submission for an unknown token is refused inline', async () => {
    const t = await startSlackBridge();
    const { id, card } = await t.createAndPost({ reason: 'context_required', prompt: 'Why?' });
    await t.driver.clickButton({ channel: CARDS, ts: card.ts, actionId: 'rodizio.answer', user: 'U0ALICE' });
    const modal = await t.fake.waitFor(() => t.fake.modalStack('U0ALICE').at(-1));
    // The token disappears meanwhile (collected by an operator).
    await t.bridge.store.tokens.remove(id);
    const before = await storeSnapshot(t.bridge.store);
    const res = await t.driver.submitView({
      viewId: modal.id,
      user: 'U0ALICE',
      values: { 'rodizio.answer.text': 'because' },
    });
    expect(res.json).toEqual({
      response_action: 'errors',
      errors: { 'rodizio.answer.text': 'This request no longer exists.' },
    });
    expect(await storeSnapshot(t.bridge.store)).toEqual(before);
  });

  it('thread replies to messages that are not cards are ignored', async () => {
    const t = await startSlackBridge();
    await t.createAndPost({ reason: 'context_required', prompt: 'Why?' });
    await t.settle();
    const other = t.fake.addMessage(CARDS, { user: 'U0BOB', text: 'lunch?' });
    const before = await storeSnapshot(t.bridge.store);
    await t.driver.postMessage({ channel: CARDS, user: 'U0ALICE', text: 'sure', thread_ts: other.ts });
    await t.driver.postMessage({ channel: 'C0ELSEWHERE', user: 'U0ALICE', text: 'hello', thread_ts: '1.000001' });
    await t.settle();
    expect(await storeSnapshot(t.bridge.store)).toEqual(before);
  });
});
