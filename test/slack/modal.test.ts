import { describe, expect, it } from 'vitest';
import { BlockId } from '../../blocks/ids.js';
import { CARDS, startSlackBridge } from '../helpers/slack.js';
import { storeSnapshot } from '../helpers/store.js';

const schema = {
  type: 'object',
  title: 'Capacity plan',
  properties: {
    replicas: { type: 'integer', title: 'Replicas', minimum: 1, maximum: 20 },
    region: { type: 'string', enum: ['eu-west-1', 'us-east-1'] },
    dry_run: { type: 'boolean' },
    note: { type: 'string', maxLength: 20 },
  },
  required: ['replicas', 'region'],
};

describe('the Answer… modal', () => {
  it('with a schema: rejects a wrong value inline, then resolves with a typed object', async () => {
    const t = await startSlackBridge();
    const { id, card } = await t.createAndPost({
      reason: 'resource_decision',
      prompt: 'How many replicas?',
      answer_schema: schema,
    });
    await t.driver.clickButton({ channel: CARDS, ts: card.ts, actionId: 'rodizio.answer', user: 'U0ALICE' });
    const modal = await t.fake.waitFor(() => t.fake.modalStack('U0ALICE').at(-1));
    expect(modal.view.title).toMatchObject({ text: 'Capacity plan' });

    const before = await storeSnapshot(t.bridge.store);
    const wrong = await t.driver.submitView({
      viewId: modal.id,
      user: 'U0ALICE',
      values: { [BlockId.field('replicas')]: '0', [BlockId.field('note')]: 'x'.repeat(25) },
    });
    expect(wrong.json).toEqual({
      response_action: 'errors',
      errors: {
        [BlockId.field('replicas')]: 'Enter a whole number from 1 to 20.',
        [BlockId.field('region')]: 'This field is required.',
        [BlockId.field('note')]: 'Use at most 20 characters (this has 25).',
      },
    });
    expect(await storeSnapshot(t.bridge.store)).toEqual(before);
    expect(t.fake.modalStack('U0ALICE')).toHaveLength(1);

    const notANumber = await t.driver.submitView({
      viewId: modal.id,
      user: 'U0ALICE',
      values: { [BlockId.field('replicas')]: 'three', [BlockId.field('region')]: 'eu-west-1' },
    });
    expect(notANumber.json).toEqual({
      response_action: 'errors',
      errors: { [BlockId.field('replicas')]: 'Enter a whole number from 1 to 20.' },
    });

    const right = await t.driver.submitView({
      viewId: modal.id,
      user: 'U0ALICE',
      values: {
        [BlockId.field('replicas')]: '3',
        [BlockId.field('region')]: 'eu-west-1',
        [BlockId.field('dry_run')]: 'false',
      },
    });
    expect(right.status).toBe(200);
    expect(right.body).toBe('');
    expect(t.fake.modalStack('U0ALICE')).toHaveLength(0);
    const res = await t.reentry(id);
    expect(res.json).toMatchObject({
      human_input: { replicas: 3, region: 'eu-west-1', dry_run: false },
      via: 'form',
      answered_by: 'U0ALICE',
    });
  });

  it('without a schema: free text; empty is refused; a closed token says who answered', async () => {
    const t = await startSlackBridge();
    const { id, card } = await t.createAndPost({
      reason: 'error_recovery',
      prompt: 'The build broke. What now?',
      options: ['retry', 'skip'],
    });
    await t.driver.clickButton({ channel: CARDS, ts: card.ts, actionId: 'rodizio.answer', user: 'U0BOB' });
    const modal = await t.fake.waitFor(() => t.fake.modalStack('U0BOB').at(-1));
    const empty = await t.driver.submitView({ viewId: modal.id, user: 'U0BOB', values: { [BlockId.freeText]: '   ' } });
    expect(empty.json).toEqual({ response_action: 'errors', errors: { [BlockId.freeText]: 'Type an answer.' } });

    // Meanwhile somebody answers with a button.
    await t.driver.clickButton({ channel: CARDS, ts: card.ts, actionId: 'rodizio.option.0', user: 'U0ALICE' });
    await t.settle();
    const late = await t.driver.submitView({
      viewId: modal.id,
      user: 'U0BOB',
      values: { [BlockId.freeText]: 'bump the cache' },
    });
    expect(late.json).toEqual({
      response_action: 'errors',
      errors: { [BlockId.freeText]: 'Already answered by <@U0ALICE> — retry. Nothing changed.' },
    });
    expect((await t.bridge.purgatory.get(id)).human_input).toBe('retry');
  });

  it('does not open for someone who may not answer', async () => {
    const t = await startSlackBridge();
    const { card } = await t.createAndPost({
      reason: 'approval_needed',
      prompt: 'OK?',
      answerers: { users: ['U0ALICE'] },
    });
    await t.driver.clickButton({ channel: CARDS, ts: card.ts, actionId: 'rodizio.answer', user: 'U0BOB' });
    const told = await t.fake.waitFor(() => t.fake.ephemerals.find((e) => e.user === 'U0BOB'));
    expect(told.text).toBe('Only <@U0ALICE> may answer this one. Nothing changed.');
    expect(t.fake.modalStack('U0BOB')).toHaveLength(0);
  });
});
