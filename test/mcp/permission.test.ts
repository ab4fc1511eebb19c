import { describe, expect, it } from 'vitest';
import { BlockId } from '../../blocks/ids.js';
import { ManualClock } from '../../src/clock.js';
import { startSlackBridge } from '../helpers/slack.js';
import { callWithProgress, click, connectHttp, nextCard, textOf } from './helpers.js';

const BASH = { command: 'rm -rf build/', description: 'Clean the build output' };
const REQUEST = { tool_name: 'Bash', input: BASH, tool_use_id: 'toolu_01ABC123' };

describe('request_permission (Claude Code --permission-prompt-tool) and deadlines', () => {
  it('Allow returns {"behavior":"allow","updatedInput":…} as the text Claude Code parses', async () => {
    const t = await startSlackBridge();
    const client = await connectHttp(t.url);
    const { result } = callWithProgress(client, 'request_permission', REQUEST);
    const posted = await nextCard(t);
    expect(posted.token).toMatchObject({ reason: 'approval_needed', permission: REQUEST, options: ['Allow', 'Deny'] });
    expect(JSON.stringify(posted.card.blocks)).toContain('rm -rf build/');
    await click(t, posted, 'Allow');
    const res = await result;
    expect(JSON.parse(textOf(res))).toEqual({ behavior: 'allow', updatedInput: BASH });
    expect(res.structuredContent).toEqual({ behavior: 'allow', updatedInput: BASH });
  });

  it('Deny with a reason typed in the modal returns {"behavior":"deny","message":<the reason>}', async () => {
    const t = await startSlackBridge();
    const client = await connectHttp(t.url);
    const { result } = callWithProgress(client, 'request_permission', REQUEST);
    const posted = await nextCard(t);
    await click(t, posted, 'Deny…', 'U0BOB');
    const modal = await t.fake.waitFor(() => t.fake.modalStack('U0BOB').at(-1));
    const submitted = await t.driver.submitView({
      viewId: modal.id,
      user: 'U0BOB',
      values: { [BlockId.denyReason]: 'Use `make clean`, it keeps the cache' },
    });
    expect(submitted.status).toBe(200);
    expect(JSON.parse(textOf(await result))).toEqual({
      behavior: 'deny',
      message: 'Use `make clean`, it keeps the cache',
    });
  });

  it('Edit… sends the edited command back as updatedInput', async () => {
    const t = await startSlackBridge();
    const client = await connectHttp(t.url);
    const { result } = callWithProgress(client, 'request_permission', REQUEST);
    const posted = await nextCard(t);
    await click(t, posted, 'Edit…');
    const modal = await t.fake.waitFor(() => t.fake.modalStack('U0ALICE').at(-1));
    await t.driver.submitView({
      viewId: modal.id,
      user: 'U0ALICE',
      values: { [BlockId.editValue]: 'rm -rf build/tmp' },
    });
    expect(JSON.parse(textOf(await result))).toEqual({
      behavior: 'allow',
      updatedInput: { command: 'rm -rf build/tmp', description: BASH.description },
    });
  });

  it('no answer by the permission deadline is a deny that says nobody answered', async () => {
    const clock = new ManualClock('2026-03-02T10:00:00Z');
    const t = await startSlackBridge({ clock });
    const client = await connectHttp(t.url, { query: '?permission_deadline=5' });
    const { result } = callWithProgress(client, 'request_permission', REQUEST);
    const posted = await nextCard(t);
    expect(posted.token).toMatchObject({ deadline: '2026-03-02T10:05:00.000Z', expiry_policy: 'expire' });
    clock.advance(6 * 60_000);
    expect(await t.bridge.sweeps.deadlines()).toMatchObject({ expired: 1 });
    const decision = JSON.parse(textOf(await result));
    expect(decision.behavior).toBe('deny');
    expect(decision.message).toContain('Nobody answered in Slack by 2026-03-02T10:05:00.000Z');
    expect(decision.message).not.toMatch(/denied|refused by/i);
  });

  it('ask_human: no answer by the deadline is outcome "no_answer", never a refusal', async () => {
    const clock = new ManualClock('2026-03-02T10:00:00Z');
    const t = await startSlackBridge({ clock });
    const client = await connectHttp(t.url);
    const { result } = callWithProgress(client, 'ask_human', {
      question: 'Ship the migration tonight?',
      options: ['Yes', 'No'],
      deadline: 30,
    });
    const posted = await nextCard(t);
    expect(posted.token).toMatchObject({ deadline: '2026-03-02T10:30:00.000Z', expiry_policy: 'expire' });
    clock.advance(29 * 60_000);
    await t.bridge.sweeps.deadlines();
    expect((await t.bridge.purgatory.get(posted.token.id)).status).toBe('pending');
    clock.advance(2 * 60_000);
    await t.bridge.sweeps.deadlines();
    const res = await result;
    expect(res.isError).toBeFalsy();
    expect(res.structuredContent).toMatchObject({ outcome: 'no_answer', answer: null, answered_by: null });
    expect(textOf(res)).toContain('No answer: nobody answered in Slack by the deadline (2026-03-02T10:30:00.000Z)');
    expect(textOf(res)).toContain('This is not a refusal');
  });

  it('a client that goes away while waiting cancels the token, so no card waits for nobody', async () => {
    const t = await startSlackBridge();
    const client = await connectHttp(t.url);
    const { result } = callWithProgress(client, 'ask_human', { question: 'Still there?' });
    const posted = await nextCard(t);
    // Stateless HTTP: the call lives in its request, so closing the connection is how an HTTP client leaves it.
    await client.close();
    await expect(result).rejects.toThrow(/Connection closed/);
    await expect.poll(async () => (await t.bridge.purgatory.get(posted.token.id)).status).toBe('cancelled');
    const events = await t.bridge.purgatory.history(posted.token.id);
    expect(events.find((e) => e.type === 'cancelled')?.data).toMatchObject({
      reason: expect.stringContaining('stopped waiting'),
    });
  });
});
