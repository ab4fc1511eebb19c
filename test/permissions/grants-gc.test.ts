import { describe, expect, it } from 'vitest';
import { BlockId } from '../../blocks/ids.js';
import { ManualClock } from '../../src/clock.js';
import { GRANT_RETENTION_MS } from '../../src/domain/grant.js';
import { EVENT_TYPES } from '../../src/events/event.js';
import { buttonFor, CARDS, type SlackTestBridge, startSlackBridge } from '../helpers/slack.js';

const T0 = Date.UTC(2026, 2, 1, 10);
const MIN = 60_000;
const bash = (command: string) => ({
  reason: 'approval_needed',
  permission: { tool_name: 'Bash', input: { command, description: 'run it' } },
});

/** "Allow for 1 h…" on a fresh card for `command`, exactly that request, for `durationMs`; returns the grant. */
async function grantOn(t: SlackTestBridge, command: string, durationMs: number) {
  const { id, card } = await t.createAndPost(bash(command));
  await t.driver.clickButton({
    channel: CARDS,
    ts: card.ts,
    actionId: buttonFor(card, 'Allow for 1 h…'),
    user: 'U0ALICE',
  });
  const modal = await t.fake.waitFor(() => t.fake.modalStack('U0ALICE').at(-1));
  await t.driver.submitView({
    viewId: modal.id,
    user: 'U0ALICE',
    values: { [BlockId.grantScope]: 'exact', [BlockId.grantDuration]: String(durationMs) },
  });
  await t.settle();
  const grant = (await t.bridge.purgatory.liveGrants()).find((g) => g.token_id === id);
  if (!grant) throw new Error(`no grant was recorded for ${command}`);
  return grant;
}

describe('expired grants are collected', () => {
  it('the gc sweep deletes a grant 7 days after it expired, not before; live ones and the audit events stay', async () => {
    const clock = new ManualClock(T0);
    const t = await startSlackBridge({ clock });
    const short = await grantOn(t, 'make lint', 15 * MIN);
    const long = await grantOn(t, 'npm test', 24 * 60 * MIN);
    expect(GRANT_RETENTION_MS).toBe(7 * 24 * 60 * MIN);

    // Expired, but within the retention: kept.
    clock.set(short.expires_ms + GRANT_RETENTION_MS - 1);
    expect(await t.bridge.sweeps.gc()).toMatchObject({ grants_deleted: 0 });
    expect(await t.bridge.purgatory.findGrant(short.id)).toMatchObject({ id: short.id, value: 'make lint' });

    clock.advance(1);
    expect(await t.bridge.sweeps.gc()).toMatchObject({ grants_deleted: 1 });
    expect(await t.bridge.purgatory.findGrant(short.id)).toBeUndefined();
    expect(await t.bridge.purgatory.findGrant(long.id)).toMatchObject({ id: long.id, value: 'npm test' });
    // The story of the deleted grant is still in the audit log of the card that made it.
    const history = await t.bridge.purgatory.history(short.token_id);
    expect(history.find((e) => e.type === 'grant_created')?.data).toMatchObject({
      grant_id: short.id,
      value: 'make lint',
    });

    // Running again deletes nothing more; the long grant goes once its own retention has passed.
    expect(await t.bridge.sweeps.gc()).toMatchObject({ grants_deleted: 0 });
    clock.set(long.expires_ms + GRANT_RETENTION_MS);
    expect(await t.bridge.sweeps.gc()).toMatchObject({ grants_deleted: 1 });
    expect(await t.bridge.purgatory.findGrant(long.id)).toBeUndefined();
  });

  it('a revoked grant goes by its expiry too; grant_created and grant_revoked are listed event types', async () => {
    const clock = new ManualClock(T0);
    const t = await startSlackBridge({ clock });
    const grant = await grantOn(t, 'make lint', 60 * MIN);
    await t.bridge.purgatory.revokeGrant(grant.id, 'U0BOB');
    clock.set(grant.expires_ms + GRANT_RETENTION_MS - 1);
    expect(await t.bridge.sweeps.gc()).toMatchObject({ grants_deleted: 0 });
    clock.advance(1);
    expect(await t.bridge.sweeps.gc()).toMatchObject({ grants_deleted: 1 });

    const types = (await t.bridge.purgatory.history(grant.token_id)).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['grant_created', 'grant_revoked']));
    const listed = new Set(EVENT_TYPES.map((e) => e.name));
    expect(types.filter((type) => !listed.has(type) && !type.startsWith('note:'))).toEqual([]);
  });
});
