import { describe, expect, it, vi } from 'vitest';
import { BlockId } from '../../blocks/ids.js';
import { validateMessage, validateView } from '../../blocks/limits.js';
import type { SlackMessage } from '../../src/sandbox/fake-slack.js';
import { buttonFor, CARDS, type SlackTestBridge, startSlackBridge } from '../helpers/slack.js';
import { storeSnapshot } from '../helpers/store.js';

const BASH = { tool_name: 'Bash', input: { command: 'rm -rf build/', description: 'Clean the build' } };

/** The labels of the card's buttons, in order. */
function buttons(message: SlackMessage): string[] {
  type Element = { text?: { text?: string }; placeholder?: { text?: string } };
  const blocks = (message.blocks ?? []) as { type: string; elements?: Element[] }[];
  // A menu (the Snooze menu) shows its placeholder where a button shows its text.
  return blocks
    .filter((b) => b.type === 'actions')
    .flatMap((b) => (b.elements ?? []).map((e) => e.text?.text ?? e.placeholder?.text ?? ''));
}

/** The card once it has left pending (its header starts with ✅). */
async function flipped(t: SlackTestBridge, id: string): Promise<SlackMessage> {
  return vi.waitUntil(
    async () => {
      const m = await t.card(id);
      return m?.text?.startsWith('✅') ? m : undefined;
    },
    { timeout: 3000, interval: 5 },
  );
}

/** Clicks a button on the card and returns the modal it opened for `user`. */
async function openModal(t: SlackTestBridge, card: SlackMessage, label: string, user: string) {
  await t.driver.clickButton({ channel: CARDS, ts: card.ts, actionId: buttonFor(card, label), user });
  return t.fake.waitFor(() => t.fake.modalStack(user).at(-1));
}

/** The initial value of the modal's input block `blockId`. */
function initialValue(view: { blocks?: unknown }, blockId: string): unknown {
  const blocks = (view.blocks ?? []) as { block_id?: string; element?: { initial_value?: unknown } }[];
  return blocks.find((b) => b.block_id === blockId)?.element?.initial_value;
}

describe('a permission card', () => {
  it('reads as what the agent wants to do, with Allow, Deny…, Allow for 1 h… and Edit…', async () => {
    const t = await startSlackBridge();
    const { id, card } = await t.createAndPost({ reason: 'approval_needed', permission: BASH });
    expect(JSON.stringify(card.blocks)).toContain('*Bash:* `rm -rf build/`');
    expect(card.text).toBe(`🛡️ Approval needed: Bash: rm -rf build/ (${id})`);
    expect(buttons(card)).toEqual([
      'Allow',
      'Deny…',
      'Allow for 1 h…',
      'Edit…',
      "I'm on it",
      'Reassign…',
      '💤 Snooze reminders',
    ]);
    expect(validateMessage(t.fake.callsTo('chat.postMessage')[0]?.args ?? {})).toEqual([]);
  });

  it('shows an Edit as the file and the change as a diff', async () => {
    const t = await startSlackBridge();
    const { card } = await t.createAndPost({
      reason: 'approval_needed',
      permission: {
        tool_name: 'Edit',
        input: {
          file_path: 'src/app.ts',
          old_string: 'const port = 80;\nlisten(port);',
          new_string: 'const port = 8080;\nlisten(port);',
        },
      },
    });
    const text = JSON.stringify(card.blocks);
    expect(text).toContain('*Edit* `src/app.ts`');
    expect(text).toContain('```- const port = 80;\\n+ const port = 8080;\\n  listen(port);```');
  });

  it('Edit… → the agent receives the edited command; the card and the thread show the diff; the audit keeps both', async () => {
    const t = await startSlackBridge();
    const { id, card } = await t.createAndPost({ reason: 'approval_needed', permission: BASH });
    const modal = await openModal(t, card, 'Edit…', 'U0ALICE');
    expect(validateView(modal.view)).toEqual([]);
    expect(initialValue(modal.view, BlockId.editValue)).toBe('rm -rf build/');

    const poll = t.reentry(id, 10);
    const submitted = await t.driver.submitView({
      viewId: modal.id,
      user: 'U0ALICE',
      values: { [BlockId.editValue]: 'rm -rf build/tmp' },
    });
    expect(submitted.body).toBe('');
    const reentry = await poll;
    expect(reentry.json).toMatchObject({
      token_id: id,
      outcome: 'resolved',
      human_input: 'Allow',
      answered_by: 'U0ALICE',
      via: 'form',
      edited_input: { command: 'rm -rf build/tmp', description: 'Clean the build' },
    });

    const after = await flipped(t, id);
    expect(JSON.stringify(after.blocks)).toContain(
      '✏️ *Edited before answering* (`command`):\\n```- rm -rf build/\\n+ rm -rf build/tmp```',
    );
    expect(validateMessage(t.fake.callsTo('chat.update').at(-1)?.args ?? {})).toEqual([]);
    const reply = await t.fake.waitFor(() => t.fake.thread(CARDS, card.ts)[0]);
    expect(reply.text).toContain('answered *Allow*');
    expect(reply.text).toContain('+ rm -rf build/tmp');

    const resolved = (await t.bridge.purgatory.history(id)).find((e) => e.type === 'resolved');
    expect(resolved?.data).toMatchObject({
      proposed_input: BASH.input,
      edited_input: { command: 'rm -rf build/tmp', description: 'Clean the build' },
    });
  });

  it('Edit… submitted unchanged is a plain Allow (no edited_input)', async () => {
    const t = await startSlackBridge();
    const { id, card } = await t.createAndPost({ reason: 'approval_needed', permission: BASH });
    const modal = await openModal(t, card, 'Edit…', 'U0ALICE');
    await t.driver.submitView({ viewId: modal.id, user: 'U0ALICE' });
    const reentry = await t.reentry(id, 5);
    expect(reentry.json).toMatchObject({ human_input: 'Allow', via: 'form' });
    expect(reentry.json).not.toHaveProperty('edited_input');
  });

  it('Deny… asks for the reason, and the agent receives it', async () => {
    const t = await startSlackBridge();
    const { id, card } = await t.createAndPost({ reason: 'approval_needed', permission: BASH });
    const modal = await openModal(t, card, 'Deny…', 'U0BOB');
    expect(validateView(modal.view)).toEqual([]);
    // Opening the modal decides nothing.
    expect((await t.bridge.purgatory.get(id)).status).toBe('pending');
    await t.driver.submitView({
      viewId: modal.id,
      user: 'U0BOB',
      values: { [BlockId.denyReason]: 'Not the build folder: it holds the release.' },
    });
    const reentry = await t.reentry(id, 5);
    expect(reentry.json).toMatchObject({
      human_input: 'Deny',
      answered_by: 'U0BOB',
      message: 'Not the build folder: it holds the release.',
    });
    const after = await flipped(t, id);
    expect(JSON.stringify(after.blocks)).toContain('💬 *Reason:* “Not the build folder: it holds the release.”');
  });

  it('Deny… without a reason denies with no message', async () => {
    const t = await startSlackBridge();
    const { id, card } = await t.createAndPost({ reason: 'approval_needed', permission: BASH });
    const modal = await openModal(t, card, 'Deny…', 'U0BOB');
    await t.driver.submitView({ viewId: modal.id, user: 'U0BOB' });
    const reentry = await t.reentry(id, 5);
    expect(reentry.json).toMatchObject({ human_input: 'Deny' });
    expect(reentry.json).not.toHaveProperty('message');
  });

  it('refuses a JSON edit that does not parse or is not an object, inline, and changes nothing', async () => {
    const t = await startSlackBridge();
    const { id, card } = await t.createAndPost({
      reason: 'approval_needed',
      permission: { tool_name: 'mcp__db__query', input: { sql: 'DELETE FROM users' } },
    });
    const modal = await openModal(t, card, 'Edit…', 'U0ALICE');
    expect(initialValue(modal.view, BlockId.editValue)).toBe('{\n  "sql": "DELETE FROM users"\n}');
    const before = await storeSnapshot(t.bridge.store);
    const broken = await t.driver.submitView({
      viewId: modal.id,
      user: 'U0ALICE',
      values: { [BlockId.editValue]: '{"sql": ' },
    });
    expect(broken.json).toMatchObject({ response_action: 'errors' });
    expect((broken.json as { errors: Record<string, string> }).errors[BlockId.editValue]).toMatch(
      /^This is not JSON: /,
    );
    const notObject = await t.driver.submitView({
      viewId: modal.id,
      user: 'U0ALICE',
      values: { [BlockId.editValue]: '"DELETE FROM users WHERE id = 1"' },
    });
    expect(notObject.json).toEqual({
      response_action: 'errors',
      errors: { [BlockId.editValue]: 'The input must be a JSON object ({…}).' },
    });
    expect(await storeSnapshot(t.bridge.store)).toEqual(before);
    await t.driver.submitView({
      viewId: modal.id,
      user: 'U0ALICE',
      values: { [BlockId.editValue]: '{"sql": "DELETE FROM users WHERE id = 1"}' },
    });
    expect((await t.reentry(id, 5)).json).toMatchObject({ edited_input: { sql: 'DELETE FROM users WHERE id = 1' } });
  });

  it('does not open Edit… or Deny… for someone who may not answer', async () => {
    const t = await startSlackBridge();
    const { id, card } = await t.createAndPost({
      reason: 'approval_needed',
      permission: BASH,
      answerers: { users: ['U0ALICE'] },
    });
    await t.driver.clickButton({ channel: CARDS, ts: card.ts, actionId: buttonFor(card, 'Edit…'), user: 'U0BOB' });
    const told = await t.fake.waitFor(() => t.fake.ephemerals.find((e) => e.user === 'U0BOB'));
    expect(told.text).toBe('Only <@U0ALICE> may answer this one. Nothing changed.');
    expect(t.fake.modalStack('U0BOB')).toHaveLength(0);
    expect((await t.bridge.purgatory.get(id)).status).toBe('pending');
  });
});

describe('Edit… on a token that is not a permission request', () => {
  it('lets the clicker pick the option that goes with the edit; the proposal is shown on the card', async () => {
    const t = await startSlackBridge();
    const { id, card } = await t.createAndPost({
      reason: 'resource_decision',
      prompt: 'Scale the web tier?',
      options: ['Apply', 'Skip'],
      proposed_input: { replicas: 6, region: 'eu-west-1' },
    });
    expect(JSON.stringify(card.blocks)).toContain('*Proposed:*');
    expect(buttons(card)).toEqual([
      'Apply',
      'Skip',
      'Edit…',
      'Answer…',
      "I'm on it",
      'Reassign…',
      '💤 Snooze reminders',
    ]);
    const modal = await openModal(t, card, 'Edit…', 'U0ALICE');
    expect(validateView(modal.view)).toEqual([]);
    const noOption = await t.driver.submitView({
      viewId: modal.id,
      user: 'U0ALICE',
      values: { [BlockId.editValue]: '{"replicas": 4, "region": "eu-west-1"}' },
    });
    expect(noOption.json).toEqual({
      response_action: 'errors',
      errors: { [BlockId.editOption]: 'Choose the answer that goes with your edit.' },
    });
    await t.driver.submitView({
      viewId: modal.id,
      user: 'U0ALICE',
      values: { [BlockId.editValue]: '{"replicas": 4, "region": "eu-west-1"}', [BlockId.editOption]: '0' },
    });
    const reentry = await t.reentry(id, 5);
    expect(reentry.json).toMatchObject({ human_input: 'Apply', edited_input: { replicas: 4, region: 'eu-west-1' } });
    const after = await flipped(t, id);
    expect(JSON.stringify(after.blocks)).toContain('-   \\"replicas\\": 6,\\n+   \\"replicas\\": 4,');
  });

  it('a proposed command string is edited as text; without options the edit is the answer', async () => {
    const t = await startSlackBridge();
    const { id, card } = await t.createAndPost({
      reason: 'sensitive_action',
      prompt: 'Run the migration?',
      proposed_input: 'psql -f migrate.sql prod',
    });
    const modal = await openModal(t, card, 'Edit…', 'U0ALICE');
    expect(initialValue(modal.view, BlockId.editValue)).toBe('psql -f migrate.sql prod');
    await t.driver.submitView({
      viewId: modal.id,
      user: 'U0ALICE',
      values: { [BlockId.editValue]: 'psql -f migrate.sql staging' },
    });
    expect((await t.reentry(id, 5)).json).toMatchObject({
      human_input: 'psql -f migrate.sql staging',
      edited_input: 'psql -f migrate.sql staging',
    });
  });
});
