import { describe, expect, it, vi } from 'vitest';
import { BlockId } from '../../blocks/ids.js';
import { buttonFor, CARDS, startSlackBridge } from '../helpers/slack.js';

type Button = { type: string; text?: { text?: string }; style?: string; confirm?: { text?: { text?: string } } };

/** The buttons of a message, by label, as Slack received them. */
function buttons(message: { blocks?: unknown }): Map<string, Button> {
  const out = new Map<string, Button>();
  for (const block of (message.blocks ?? []) as { type: string; elements?: Button[] }[]) {
    if (block.type !== 'actions') continue;
    for (const e of block.elements ?? []) if (e.type === 'button' && e.text?.text) out.set(e.text.text, e);
  }
  return out;
}

describe('what people see on a card, end to end', () => {
  it('a two-approval token: only the risky option is red; the flipped card and the thread reply name both approvers', async () => {
    const t = await startSlackBridge();
    const { id, card } = await t.createAndPost({
      reason: 'sensitive_action',
      severity: 'critical',
      prompt: 'Ship the *release* to production?',
      options: ['Ship', 'Keep it'],
      required_approvals: 2,
    });
    const shown = buttons(card);
    expect(shown.get('Ship')).toMatchObject({ style: 'danger' });
    expect(shown.get('Ship')?.confirm?.text?.text).toBe('Answer “Ship”: Ship the release to production?');
    expect(shown.get('Keep it')?.style).toBeUndefined();
    expect(shown.get('Keep it')?.confirm).toBeUndefined();

    const ship = buttonFor(card, 'Ship');
    await t.driver.clickButton({ channel: CARDS, ts: card.ts, actionId: ship, user: 'U0ALICE' });
    await t.settle();
    await t.driver.clickButton({ channel: CARDS, ts: card.ts, actionId: ship, user: 'U0BOB' });
    await t.settle();
    expect(await t.bridge.purgatory.get(id)).toMatchObject({ status: 'resolved', answered_by: 'U0BOB' });

    const flipped = await vi.waitUntil(
      async () => {
        const blocks = JSON.stringify((await t.card(id))?.blocks ?? []);
        return blocks.includes('— answered') ? blocks : undefined;
      },
      { timeout: 2000, interval: 5 },
    );
    expect(flipped).toContain('by <@U0ALICE> and <@U0BOB> via button');
    const reply = await t.fake.waitFor(() => t.fake.thread(CARDS, card.ts).find((m) => m.text?.includes('answered')));
    expect(reply.text).toBe('✅ <@U0ALICE> and <@U0BOB> answered *Ship*. The agent has been told.');
  });

  it('a form answer shows the fields’ labels on the card and in the thread reply', async () => {
    const t = await startSlackBridge();
    const { id, card } = await t.createAndPost({
      reason: 'resource_decision',
      prompt: 'Scale the canary?',
      answer_schema: {
        type: 'object',
        properties: {
          replicas: { type: 'integer', title: 'Replicas', minimum: 1, maximum: 20 },
          dry_run: { type: 'boolean', title: 'Dry run only' },
        },
        required: ['replicas'],
      },
    });
    await t.driver.clickButton({ channel: CARDS, ts: card.ts, actionId: 'rodizio.answer', user: 'U0ALICE' });
    const modal = await t.fake.waitFor(() => t.fake.modalStack('U0ALICE').at(-1));
    await t.driver.submitView({
      viewId: modal.id,
      user: 'U0ALICE',
      values: { [BlockId.field('replicas')]: '3', [BlockId.field('dry_run')]: 'true' },
    });
    await t.settle();
    expect((await t.bridge.purgatory.get(id)).human_input).toEqual({ replicas: 3, dry_run: true });
    const flipped = await vi.waitUntil(
      async () => {
        const blocks = JSON.stringify((await t.card(id))?.blocks ?? []);
        return blocks.includes('— answered') ? blocks : undefined;
      },
      { timeout: 2000, interval: 5 },
    );
    expect(flipped).toContain('*Answer:* Replicas: 3 · Dry run only: yes');
    expect(flipped).not.toContain('dry_run');
    const reply = await t.fake.waitFor(() => t.fake.thread(CARDS, card.ts).find((m) => m.text?.includes('answered')));
    expect(reply.text).toBe('✅ <@U0ALICE> answered *Replicas: 3 · Dry run only: yes*. The agent has been told.');
  });

  it('an answer ending in a full stop is not followed by a second one', async () => {
    const t = await startSlackBridge();
    const { id, card } = await t.createAndPost({ reason: 'context_required', prompt: 'Which environment?' });
    const res = await t.command({ user: 'U0ALICE', channel: CARDS, text: `resolve ${id} Use staging, not prod.` });
    expect(res.reply?.text).toBe(`Answered \`${id}\` with *Use staging, not prod.* The agent has been told.`);
    const reply = await t.fake.waitFor(() => t.fake.thread(CARDS, card.ts).find((m) => m.text?.includes('answered')));
    expect(reply.text).toBe('✅ <@U0ALICE> answered *Use staging, not prod.* The agent has been told.');
    // Someone too late hears the answer, punctuated once.
    const late = await t.command({ user: 'U0BOB', channel: CARDS, text: `resolve ${id} prod` });
    expect(late.reply?.text).toBe('Already answered by <@U0ALICE> — Use staging, not prod. Nothing changed.');
  });

  it('/rodizio show links the card instead of printing its channel and ts', async () => {
    const t = await startSlackBridge();
    const { id, card } = await t.createAndPost({ reason: 'approval_needed', prompt: 'Deploy?', options: ['Deploy'] });
    const ack = await t.driver.slashCommand({ user: 'U0ALICE', channel: CARDS, text: `show ${id}` });
    expect(ack.status).toBe(200);
    const shown = await t.fake.waitFor(() => t.fake.ephemerals.find((e) => e.text?.includes(`\`${id}\``)));
    const permalink = `${t.fake.baseUrl}/archives/${CARDS}/p${card.ts.replace('.', '')}`;
    expect(shown.text).toContain(`Card: <${permalink}|Open the card> in <#${CARDS}>`);
    expect(shown.text).not.toContain(card.ts);
    expect(t.fake.callsTo('chat.getPermalink').at(-1)?.args).toMatchObject({ channel: CARDS, message_ts: card.ts });

    // When Slack cannot give a link, the channel is still named and no raw ts leaks.
    t.fake.deleteMessage(CARDS, card.ts);
    await t.driver.slashCommand({ user: 'U0BOB', channel: CARDS, text: `show ${id}` });
    const fallback = await t.fake.waitFor(() => t.fake.ephemerals.find((e) => e.user === 'U0BOB'));
    expect(fallback.text).toContain(`Card: in <#${CARDS}>`);
    expect(fallback.text).not.toContain(card.ts);
  });

  it('a form-limit error reads like a sentence next to the field', async () => {
    const t = await startSlackBridge();
    const { card } = await t.createAndPost({
      reason: 'context_required',
      prompt: 'Name the release',
      answer_schema: {
        type: 'object',
        properties: {
          name: { type: 'string', title: 'Name', minLength: 3, maxLength: 10 },
          count: { type: 'number', title: 'Count', maximum: 5 },
        },
        required: ['name'],
      },
    });
    await t.driver.clickButton({ channel: CARDS, ts: card.ts, actionId: 'rodizio.answer', user: 'U0ALICE' });
    const modal = await t.fake.waitFor(() => t.fake.modalStack('U0ALICE').at(-1));
    const long = await t.driver.submitView({
      viewId: modal.id,
      user: 'U0ALICE',
      values: { [BlockId.field('name')]: 'a-very-long-release-name', [BlockId.field('count')]: '6.5' },
    });
    expect(long.json).toEqual({
      response_action: 'errors',
      errors: {
        [BlockId.field('name')]: 'Use at most 10 characters (this has 24).',
        [BlockId.field('count')]: 'Enter a number no greater than 5.',
      },
    });
    const short = await t.driver.submitView({
      viewId: modal.id,
      user: 'U0ALICE',
      values: { [BlockId.field('name')]: 'v1' },
    });
    expect(short.json).toEqual({
      response_action: 'errors',
      errors: { [BlockId.field('name')]: 'Use at least 3 characters (this has 2).' },
    });
  });
});
