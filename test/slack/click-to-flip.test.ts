import { describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { ADMIN_SECRET, RUNNER_SECRET } from '../helpers/bridge.js';
import { startReceiver } from '../helpers/receiver.js';
import { buttonFor, CARDS, type SlackTestBridge, startSlackBridge } from '../helpers/slack.js';

const posts = (t: SlackTestBridge) =>
  t.fake.callsTo('chat.postMessage').filter((c) => c.status === 200 && c.response.ok && !c.args.thread_ts);

describe('a click flips its card at once, whatever else the channel is waiting for', () => {
  it('60 cards queued for one channel at 1 post/s: the first card, clicked, flips before the next card is posted, and its decision reply goes next', async () => {
    const clock = new ManualClock();
    const t = await startSlackBridge({ clock, slack: { postIntervalMs: 1000 } });
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) {
      const res = await t.call('POST', '/v1/tokens', {
        body: { reason: 'approval_needed', prompt: `Question ${i}?`, options: ['yes', 'no'] },
      });
      ids.push(res.json.id);
    }
    await t.settle();
    // One post a second to the channel: at this instant only the first card is out.
    expect(posts(t)).toHaveLength(1);
    const first = await t.card(ids[0] as string);
    expect(first).toBeDefined();

    const click = await t.driver.clickButton({
      channel: CARDS,
      ts: first?.ts as string,
      actionId: buttonFor(first as NonNullable<typeof first>, 'yes'),
      user: 'U0ALICE',
    });
    expect(click.status).toBe(200);
    await t.settle();
    // Same instant on the bridge's clock: the flip did not wait behind the 59 queued cards.
    expect((await t.card(ids[0] as string))?.text).toMatch(/^✅ Answered "yes"/);
    expect(posts(t)).toHaveLength(1);

    // The next post to the channel is the decision reply, then the queued cards one a second.
    clock.advance(1000);
    await t.settle();
    expect(t.fake.thread(CARDS, first?.ts as string).map((m) => m.text)).toEqual([
      '✅ <@U0ALICE> answered *yes*. The agent has been told.',
    ]);
    expect(posts(t)).toHaveLength(1);
    for (let s = 0; s < 5; s++) {
      clock.advance(1000);
      await t.settle();
    }
    expect(posts(t).map((c) => c.args.text)).toEqual(
      ids.slice(0, 6).map((id, i) => expect.stringContaining(`Question ${i}? (${id})`)),
    );
  });

  it('16 webhook receivers that never answer do not delay an unrelated card', async () => {
    const t = await startSlackBridge({
      file: { runners: { ci: { allow: { webhook_hosts: ['127.0.0.1'], private_networks: true } } } },
    });
    const receivers = await Promise.all(
      Array.from({ length: 16 }, () => startReceiver(RUNNER_SECRET, Array(5).fill('hang'))),
    );
    for (const receiver of receivers) {
      const { id } = await t.createAndPost({
        reason: 'approval_needed',
        prompt: 'Hang?',
        options: ['yes'],
        delivery: { type: 'webhook', url: receiver.url },
      });
      const res = await t.call('POST', `/v1/tokens/${id}/resolve`, {
        token: ADMIN_SECRET,
        body: { human_input: 'yes', by: 'U0ALICE' },
      });
      expect(res.status).toBe(200);
    }
    // Every receiver now holds a delivery open (the webhook timeout is 10 s).
    await vi.waitUntil(() => receivers.every((r) => r.received.length === 1), { timeout: 5000, interval: 10 });

    const started = Date.now();
    const { card } = await t.createAndPost({ reason: 'approval_needed', prompt: 'Unrelated?', options: ['yes'] });
    const took = Date.now() - started;
    expect(card.text).toContain('Unrelated?');
    // Posted while all sixteen deliveries were still hanging: it did not wait for a webhook slot or timeout.
    expect(receivers.every((r) => r.accepted.size === 0 && r.received.length === 1)).toBe(true);
    expect(took).toBeLessThan(5000);
  });
});
