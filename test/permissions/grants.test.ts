import { describe, expect, it, vi } from 'vitest';
import { ActionId, BlockId } from '../../blocks/ids.js';
import { validateView } from '../../blocks/limits.js';
import { ManualClock } from '../../src/clock.js';
import type { SlackMessage } from '../../src/sandbox/fake-slack.js';
import { OTHER_SECRET } from '../helpers/bridge.js';
import { buttonFor, CARDS, type SlackTestBridge, startSlackBridge } from '../helpers/slack.js';
import { storeSnapshot } from '../helpers/store.js';

const T0 = Date.UTC(2026, 2, 1, 10);
const MIN = 60_000;
const bash = (command: string) => ({
  reason: 'approval_needed',
  permission: { tool_name: 'Bash', input: { command, description: 'run it' } },
});

/** Opens "Allow for 1 h…" on a card as `user` and returns the modal. */
async function openGrantModal(t: SlackTestBridge, card: SlackMessage, user: string) {
  await t.driver.clickButton({ channel: CARDS, ts: card.ts, actionId: buttonFor(card, 'Allow for 1 h…'), user });
  return t.fake.waitFor(() => t.fake.modalStack(user).at(-1));
}

/** A card whose request is allowed with a grant of `scope` (`value` for a prefix) for `durationMs`. */
async function grantOn(
  t: SlackTestBridge,
  command: string,
  choice: { scope: 'exact' | 'prefix'; value?: string; durationMs?: number },
) {
  const { id, card } = await t.createAndPost(bash(command));
  const modal = await openGrantModal(t, card, 'U0ALICE');
  const res = await t.driver.submitView({
    viewId: modal.id,
    user: 'U0ALICE',
    values: {
      [BlockId.grantScope]: choice.scope,
      ...(choice.value !== undefined ? { [BlockId.grantValue]: choice.value } : {}),
      ...(choice.durationMs !== undefined ? { [BlockId.grantDuration]: String(choice.durationMs) } : {}),
    },
  });
  expect(res.body).toBe('');
  await t.settle();
  const [grant] = await t.bridge.purgatory.liveGrants();
  if (!grant) throw new Error('no grant was recorded');
  return { id, card, grant };
}

/** Creates a permission request through the API as the `ci` runner (or `token`'s). */
async function request(t: SlackTestBridge, command: string, token?: string) {
  const res = await t.call('POST', '/v1/tokens', { body: bash(command), ...(token ? { token } : {}) });
  expect(res.status).toBe(201);
  return res.json;
}

/** Top-level messages posted in the cards channel (cards, not thread replies). */
const cardsPosted = (t: SlackTestBridge) =>
  t.fake.callsTo('chat.postMessage').filter((c) => c.args.channel === CARDS && !c.args.thread_ts).length;

describe('standing grants', () => {
  it('Allow for 1 h… with a prefix: allowed now; later matching requests answered at once, noted in one thread', async () => {
    const clock = new ManualClock(T0);
    const t = await startSlackBridge({ clock });
    const { id, card } = await t.createAndPost(bash('npm test -- --runInBand'));
    const modal = await openGrantModal(t, card, 'U0ALICE');
    expect(validateView(modal.view)).toEqual([]);
    const blocks = (modal.view.blocks ?? []) as { block_id?: string; element?: { initial_value?: string } }[];
    expect(blocks.find((b) => b.block_id === BlockId.grantValue)?.element?.initial_value).toBe(
      'npm test -- --runInBand',
    );
    await t.driver.submitView({
      viewId: modal.id,
      user: 'U0ALICE',
      values: { [BlockId.grantScope]: 'prefix', [BlockId.grantValue]: 'npm test' },
    });
    expect((await t.reentry(id, 5)).json).toMatchObject({ human_input: 'Allow', via: 'form', answered_by: 'U0ALICE' });
    await t.settle();
    const grants = await t.bridge.purgatory.liveGrants();
    expect(grants).toEqual([
      expect.objectContaining({
        runner: 'ci',
        tool: 'Bash',
        scope: 'prefix',
        value: 'npm test',
        expires_ms: T0 + 60 * MIN,
        created_by: 'U0ALICE',
        token_id: id,
        slack: { channel: CARDS, ts: card.ts },
        uses: 0,
      }),
    ]);
    const grant = grants[0] as (typeof grants)[number];
    expect(JSON.stringify((await t.card(id))?.blocks)).toContain(`🔓 *Standing grant* \`${grant.id}\``);
    expect((await t.bridge.purgatory.history(id)).map((e) => e.type)).toContain('grant_created');

    const later = await request(t, 'npm test -- --watch=false');
    expect(later).toMatchObject({
      status: 'resolved',
      human_input: 'Allow',
      answered_via: 'grant',
      answered_by: 'rodizio',
      decided_by: { grant_id: grant.id, expires_at: grant.expires_at },
    });
    expect((await t.reentry(later.id, 0)).json).toMatchObject({
      via: 'grant',
      decided_by: { grant_id: grant.id, expires_at: grant.expires_at },
    });
    const again = await request(t, 'npm test');
    expect(again.answered_via).toBe('grant');
    await t.settle();
    // No card for either: two notes in the grant's thread (after the decision reply).
    expect(cardsPosted(t)).toBe(1);
    const notes = t.fake.thread(CARDS, card.ts).filter((m) => m.text?.includes('Allowed by this standing grant'));
    expect(notes.map((m) => m.text)).toEqual([
      expect.stringContaining('Bash: npm test -- --watch=false'),
      expect.stringContaining(`Bash: npm test · \`${again.id}\``),
    ]);
    expect((await t.bridge.purgatory.findGrant(grant.id))?.uses).toBe(2);
    const audit = (await t.bridge.purgatory.history(later.id)).find((e) => e.type === 'resolved');
    expect(audit).toMatchObject({
      actor: 'rodizio',
      data: { via: 'grant', grant: { id: grant.id, scope: 'prefix', value: 'npm test', created_by: 'U0ALICE' } },
    });

    // Not covered: another command, the same command for another runner.
    expect((await request(t, 'npm publish')).status).toBe('pending');
    expect((await request(t, 'npm test', OTHER_SECRET)).status).toBe('pending');
  });

  it('an exact grant covers only that request, and not once it has expired (injected clock)', async () => {
    const clock = new ManualClock(T0);
    const t = await startSlackBridge({ clock });
    const { grant } = await grantOn(t, 'rm -rf build/', { scope: 'exact', durationMs: 15 * MIN });
    expect(grant).toMatchObject({ scope: 'exact', value: 'rm -rf build/', expires_ms: T0 + 15 * MIN });
    expect((await request(t, 'rm -rf build/')).answered_via).toBe('grant');
    expect((await request(t, 'rm -rf build/x')).status).toBe('pending');
    clock.advance(15 * MIN - 1);
    expect((await request(t, 'rm -rf build/')).answered_via).toBe('grant');
    clock.advance(1);
    expect((await request(t, 'rm -rf build/')).status).toBe('pending');
    expect(await t.bridge.purgatory.liveGrants()).toEqual([]);
  });

  it('a deny rule beats a grant', async () => {
    const t = await startSlackBridge({
      clock: new ManualClock(T0),
      file: { rules: [{ tool: 'Bash', match: '--force\\b', decision: 'deny' }] },
    });
    await grantOn(t, 'npm test', { scope: 'prefix', value: 'npm test' });
    expect(await request(t, 'npm test --force')).toMatchObject({
      human_input: 'Deny',
      answered_via: 'rule',
      decided_by: { rule: 0 },
    });
    expect((await request(t, 'npm test --ci')).answered_via).toBe('grant');
  });

  it('refuses a prefix that is not the start of the request, or empty, inline; nothing is recorded', async () => {
    const t = await startSlackBridge({ clock: new ManualClock(T0) });
    const { id, card } = await t.createAndPost(bash('npm test'));
    const modal = await openGrantModal(t, card, 'U0ALICE');
    const before = await storeSnapshot(t.bridge.store);
    const wrong = await t.driver.submitView({
      viewId: modal.id,
      user: 'U0ALICE',
      values: { [BlockId.grantScope]: 'prefix', [BlockId.grantValue]: 'yarn' },
    });
    expect(wrong.json).toEqual({
      response_action: 'errors',
      errors: { [BlockId.grantValue]: 'The prefix must be the start of this request: npm test' },
    });
    const empty = await t.driver.submitView({
      viewId: modal.id,
      user: 'U0ALICE',
      values: { [BlockId.grantScope]: 'prefix', [BlockId.grantValue]: '' },
    });
    expect(empty.json).toEqual({
      response_action: 'errors',
      errors: { [BlockId.grantValue]: 'Type the prefix: requests starting with it are allowed.' },
    });
    expect(await storeSnapshot(t.bridge.store)).toEqual(before);
    expect((await t.bridge.purgatory.get(id)).status).toBe('pending');
  });

  it('listed in App Home with Revoke; revoking is audited, said in the thread, and matching requests are asked again', async () => {
    const t = await startSlackBridge({ clock: new ManualClock(T0) });
    const { id, card, grant } = await grantOn(t, 'make lint', { scope: 'exact' });
    await t.driver.openHome('U0BOB');
    const home = await t.fake.waitFor(() => t.fake.homeView('U0BOB'));
    expect(validateView(home)).toEqual([]);
    expect(JSON.stringify(home.blocks)).toContain('Standing grants');
    expect(JSON.stringify(home.blocks)).toContain('exactly `make lint`');

    await t.driver.clickHomeButton({ user: 'U0BOB', actionId: ActionId.revokeGrant });
    await t.settle();
    expect(await t.bridge.purgatory.liveGrants()).toEqual([]);
    expect(await t.bridge.purgatory.findGrant(grant.id)).toMatchObject({ revoked_by: 'U0BOB' });
    const revoked = (await t.bridge.purgatory.history(id)).find((e) => e.type === 'grant_revoked');
    expect(revoked).toMatchObject({ actor: 'U0BOB', data: { grant_id: grant.id, value: 'make lint' } });
    expect(t.fake.thread(CARDS, card.ts).some((m) => m.text?.includes('revoked this standing grant'))).toBe(true);
    await vi.waitUntil(() => !JSON.stringify(t.fake.homeView('U0BOB')?.blocks).includes('Standing grants'));
    expect((await request(t, 'make lint')).status).toBe('pending');
  });

  it('/rodizio grants lists them with Revoke buttons; a click on the ephemeral list revokes', async () => {
    const t = await startSlackBridge({ clock: new ManualClock(T0) });
    const { grant } = await grantOn(t, 'npm run build', { scope: 'prefix', value: 'npm run' });
    const res = await t.command({ user: 'U0BOB', channel: CARDS, text: 'grants' });
    const reply = res.reply as { text?: string; blocks?: { type: string; accessory?: Record<string, unknown> }[] };
    expect(reply.text).toBe('Standing grants (1)');
    const button = reply.blocks?.find((b) => b.accessory)?.accessory;
    expect(button).toMatchObject({ action_id: ActionId.revokeGrant, value: grant.id, text: { text: 'Revoke' } });

    // Slack's block_actions for a button on an ephemeral message: no `message`, the container says ephemeral.
    const payload = {
      type: 'block_actions',
      user: { id: 'U0BOB', username: 'bob', name: 'bob', team_id: t.fake.teamId },
      api_app_id: t.fake.appId,
      token: 'sandboxVerificationToken0',
      container: { type: 'message', message_ts: '1772359200.000200', channel_id: CARDS, is_ephemeral: true },
      trigger_id: t.fake.issueTriggerId('U0BOB'),
      team: { id: t.fake.teamId, domain: t.fake.teamDomain },
      enterprise: null,
      is_enterprise_install: false,
      channel: { id: CARDS, name: 'cards' },
      state: { values: {} },
      response_url: t.fake.createResponseUrl({ channel: CARDS, user: 'U0BOB' }),
      actions: [{ ...button, block_id: BlockId.grant(grant.id), type: 'button', action_ts: '1772359201.000300' }],
    };
    const click = await t.driver.send(
      new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
      'application/x-www-form-urlencoded',
    );
    expect(click.status).toBe(200);
    await t.settle();
    expect(await t.bridge.purgatory.liveGrants()).toEqual([]);
    const told = t.fake.ephemerals.filter((e) => e.user === 'U0BOB').at(-1);
    expect(told?.text).toBe(`🔒 Revoked grant \`${grant.id}\` (Bash). Matching requests are asked in Slack again.`);

    const after = await t.command({ user: 'U0BOB', channel: CARDS, text: 'grants' });
    expect((after.reply as { text?: string }).text).toBe('No standing grants.');
  });
});
