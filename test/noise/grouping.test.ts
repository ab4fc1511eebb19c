import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import type { SlackMessage } from '../../src/sandbox/fake-slack.js';
import { OTHER_SECRET } from '../helpers/bridge.js';
import { buttonFor, CARDS, type SlackTestBridge, startSlackBridge } from '../helpers/slack.js';
import { tempDir } from '../helpers/temp.js';

const GROUPED = { projects: { mig: { grouping: { window: '2m' } } } };

/** Top-level messages the bridge posted, oldest first. */
const topLevel = (t: SlackTestBridge) =>
  t.fake
    .callsTo('chat.postMessage')
    .filter((c) => c.status === 200 && c.response.ok && !c.args.thread_ts)
    .map((c) => ({ text: String(c.args.text), ts: String((c.response as { ts?: string }).ts) }));

async function moveBy(t: SlackTestBridge, clock: ManualClock, ms: number): Promise<void> {
  clock.advance(ms);
  t.bridge.worker.wake();
  await t.settle();
}

async function ask(t: SlackTestBridge, prompt: string, extra: Record<string, unknown> = {}, token?: string) {
  const res = await t.call('POST', '/v1/tokens', {
    body: { reason: 'approval_needed', project: 'mig', prompt, options: ['yes', 'no'], ...extra },
    ...(token ? { token } : {}),
  });
  expect(res.status).toBe(201);
  return res.json.id as string;
}

const GROUP_HINT = 'This thread holds several questions: answer this one with its buttons.';

describe('grouping: a runner’s questions arriving together share one thread', () => {
  it('3 tokens from one runner within the window: one parent "3 questions from ci", the cards in its thread; answers update the parent', async () => {
    const clock = new ManualClock('2026-01-01T10:00:00Z');
    const t = await startSlackBridge({ clock, file: GROUPED });
    const ids = [await ask(t, 'Run migration 41?')];
    await moveBy(t, clock, 30_000);
    ids.push(await ask(t, 'Run migration 42?'));
    await moveBy(t, clock, 30_000);
    ids.push(await ask(t, 'Run migration 43?'));
    await t.settle();
    expect(topLevel(t)).toEqual([]);

    // The window since the first one ends: one parent, then each card in its thread.
    await moveBy(t, clock, 60_000);
    await moveBy(t, clock, 1000);
    const posts = topLevel(t);
    expect(posts).toHaveLength(1);
    const parentTs = posts[0]?.ts as string;
    const thread = t.fake.thread(CARDS, parentTs);
    const cards = await Promise.all(ids.map((id) => t.card(id)));
    for (const card of cards) {
      expect(card?.thread_ts).toBe(parentTs);
      expect(thread.map((m) => m.ts)).toContain(card?.ts);
      // A reply in the group's thread answers none of its questions, and the card says so.
      expect(JSON.stringify(card?.blocks)).toContain(GROUP_HINT);
      expect(JSON.stringify(card?.blocks)).not.toContain('The first reply in this thread');
    }
    let parent = t.fake.message(CARDS, parentTs) as SlackMessage;
    expect(parent.text).toBe('3 questions from ci (3 waiting)');
    expect(JSON.stringify(parent.blocks)).toContain('🧵 3 questions from ci');

    // A click on the second card (in the thread) answers it; the parent counts down.
    const repliesBefore = thread.length;
    const second = cards[1] as SlackMessage;
    const click = await t.driver.clickButton({
      channel: CARDS,
      ts: second.ts,
      actionId: buttonFor(second, 'no'),
      user: 'U0ALICE',
    });
    expect(click.status).toBe(200);
    await t.settle();
    expect((await t.reentry(ids[1] as string)).json).toMatchObject({ human_input: 'no', answered_by: 'U0ALICE' });
    expect((await t.card(ids[1] as string))?.text).toMatch(/^✅ Answered "no"/);
    parent = t.fake.message(CARDS, parentTs) as SlackMessage;
    expect(parent.text).toBe('3 questions from ci (2 waiting)');
    expect(JSON.stringify(parent.blocks)).toContain('Run migration 42? — *no*');
    // The decision reply goes into the group's thread (Slack wants the parent's ts there, not the card's).
    expect(t.fake.thread(CARDS, parentTs).length).toBe(repliesBefore + 1);
    expect(t.fake.thread(CARDS, parentTs).at(-1)?.text).toContain('answered *no*');

    // A fourth question soon after joins the thread at once and the parent says 4.
    ids.push(await ask(t, 'Run migration 44?'));
    await t.settle();
    expect((await t.card(ids[3] as string))?.thread_ts).toBe(parentTs);
    expect(JSON.stringify((await t.card(ids[3] as string))?.blocks)).toContain(GROUP_HINT);
    expect((t.fake.message(CARDS, parentTs) as SlackMessage).text).toBe('4 questions from ci (3 waiting)');
    expect(topLevel(t)).toHaveLength(1);
  });

  it('a lone token is posted on its own after the window; critical ones and other runners are not held together', async () => {
    const clock = new ManualClock('2026-01-01T10:00:00Z');
    const t = await startSlackBridge({ clock, file: GROUPED });
    const lone = await ask(t, 'Alone?');
    const critical = await ask(t, 'Drop the table?', { severity: 'critical' });
    await t.settle();
    // Critical: at once, top level.
    expect(topLevel(t).map((p) => p.text)).toEqual([expect.stringContaining('Drop the table?')]);
    expect((await t.card(critical))?.thread_ts).toBeUndefined();
    const other = await ask(t, 'Other runner?', {}, OTHER_SECRET);
    await moveBy(t, clock, 120_000);
    await moveBy(t, clock, 120_000);
    const texts = topLevel(t).map((p) => p.text);
    expect(texts).toHaveLength(3);
    expect(texts.some((x) => x.includes('questions from'))).toBe(false);
    for (const id of [lone, other]) {
      const card = await t.card(id);
      expect(card?.thread_ts).toBeUndefined();
      expect(JSON.stringify(card?.blocks)).not.toContain(GROUP_HINT);
    }
  });

  it('a bad window refuses start-up and names the key', () => {
    const dir = tempDir();
    const file = join(dir, 'grouping.json');
    writeFileSync(file, JSON.stringify({ projects: { mig: { grouping: { window: 'a while' } } } }));
    expect(() => loadConfig({ RODIZIO_CONFIG: file })).toThrow(
      'projects.mig.grouping.window: "a while" is not a duration from 1s to 1h',
    );
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify({ projects: { mig: { grouping: {} } } }));
    expect(loadConfig({ RODIZIO_CONFIG: good }).file.projects.mig?.grouping).toEqual({ window: 120_000 });
  });
});
