import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BlockId } from '../../blocks/ids.js';
import { validateMessage } from '../../blocks/limits.js';
import { ManualClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import type { SlackMessage } from '../../src/sandbox/fake-slack.js';
import { ADMIN_SECRET } from '../helpers/bridge.js';
import { buttonFor, CARDS, type SlackTestBridge, startSlackBridge } from '../helpers/slack.js';
import { tempDir } from '../helpers/temp.js';

/** Top-level messages the bridge posted (cards, digests), oldest first. */
const topLevel = (t: SlackTestBridge) =>
  t.fake
    .callsTo('chat.postMessage')
    .filter((c) => c.status === 200 && c.response.ok && !c.args.thread_ts)
    .map((c) => ({ text: String(c.args.text), ts: String((c.response as { ts?: string }).ts) }));

/** Moves the bridge's clock and lets the outbox run what came due (the worker sleeps on a real timer). */
async function moveTo(t: SlackTestBridge, clock: ManualClock, at: string): Promise<void> {
  clock.set(at);
  t.bridge.worker.wake();
  await t.settle();
}

const DIGEST_PROJECT = { projects: { web: { digest: { every: '1h' } } } };

async function create(t: SlackTestBridge, body: Record<string, unknown>): Promise<string> {
  const res = await t.call('POST', '/v1/tokens', {
    body: { reason: 'approval_needed', options: ['yes', 'no'], ...body },
  });
  expect(res.status).toBe(201);
  return res.json.id as string;
}

/** The prompts a message lists with buttons: the sections followed by an actions block. */
function buttonsFor(message: SlackMessage, tokenId: string): string[] {
  const block = (message.blocks as { block_id?: string; elements?: { text?: { text?: string } }[] }[]).find(
    (b) => b.block_id === BlockId.actions(tokenId),
  );
  return (block?.elements ?? []).map((e) => e.text?.text ?? '');
}

describe('digest: a project’s info questions wait for one message per interval', () => {
  it('info tokens post nothing until the hour; then one digest lists them with their buttons; a click answers one and the digest updates', async () => {
    const clock = new ManualClock('2026-01-01T10:05:00Z');
    const t = await startSlackBridge({ clock, file: DIGEST_PROJECT });
    const ids = [
      await create(t, { project: 'web', prompt: 'Bump lodash?' }),
      await create(t, { project: 'web', prompt: 'Rename the build job?' }),
      await create(t, { project: 'web', prompt: 'Drop Node 18 from CI?' }),
    ];
    await t.settle();
    expect(topLevel(t)).toEqual([]);
    for (const id of ids) expect(await t.card(id)).toBeUndefined();

    // Half an hour on: still nothing.
    await moveTo(t, clock, '2026-01-01T10:35:00Z');
    expect(topLevel(t)).toEqual([]);

    await moveTo(t, clock, '2026-01-01T11:00:00Z');
    const posts = topLevel(t);
    expect(posts).toHaveLength(1);
    const digest = t.fake.message(CARDS, posts[0]?.ts as string) as SlackMessage;
    expect(digest.text).toMatch(/^🗞️ Digest for web: 3 waiting, 0 closed/);
    expect(validateMessage(digest)).toEqual([]);
    const shown = JSON.stringify(digest.blocks);
    for (const prompt of ['Bump lodash?', 'Rename the build job?', 'Drop Node 18 from CI?'])
      expect(shown).toContain(prompt);
    for (const id of ids) expect(buttonsFor(digest, id)).toEqual(['yes', 'no', 'Answer…']);
    // Still no card of their own.
    for (const id of ids) expect(await t.card(id)).toBeUndefined();

    // Alice answers the second one from the digest: a signed click through the same path as a card's.
    const click = await t.driver.clickButton({
      channel: CARDS,
      ts: digest.ts,
      actionId: buttonFor(
        {
          ...digest,
          blocks: digest.blocks?.filter(
            (b) => (b as { block_id?: string }).block_id === BlockId.actions(ids[1] as string),
          ),
        },
        'yes',
      ),
      blockId: BlockId.actions(ids[1] as string),
      user: 'U0ALICE',
    });
    expect(click.status).toBe(200);
    await t.settle();
    const reentry = await t.reentry(ids[1] as string);
    expect(reentry.json).toMatchObject({ token_id: ids[1], human_input: 'yes', answered_by: 'U0ALICE', via: 'button' });
    for (const id of [ids[0], ids[2]]) expect((await t.call('GET', `/v1/tokens/${id}`)).json.status).toBe('pending');

    const updated = t.fake.message(CARDS, digest.ts) as SlackMessage;
    expect(updated.text).toMatch(/^🗞️ Digest for web: 2 waiting, 1 closed/);
    expect(buttonsFor(updated, ids[1] as string)).toEqual([]);
    expect(buttonsFor(updated, ids[0] as string)).toEqual(['yes', 'no', 'Answer…']);
    expect(JSON.stringify(updated.blocks)).toContain('✅ Rename the build job? — *yes* by <@U0ALICE>');
    // Still one message: the digest updated itself, no card, no extra post.
    expect(topLevel(t)).toHaveLength(1);
    expect(t.fake.callsTo('chat.update').filter((c) => c.args.ts === digest.ts).length).toBeGreaterThanOrEqual(1);

    // Answered through the API too: the digest follows.
    await t.call('POST', `/v1/tokens/${ids[0]}/resolve`, {
      token: ADMIN_SECRET,
      body: { human_input: 'no', by: 'U0BOB' },
    });
    await t.settle();
    expect((t.fake.message(CARDS, digest.ts) as SlackMessage).text).toMatch(/^🗞️ Digest for web: 1 waiting, 2 closed/);
  });

  it('warning and critical tokens in a digest project post at once; info tokens of other projects too', async () => {
    const clock = new ManualClock('2026-01-01T10:05:00Z');
    const t = await startSlackBridge({ clock, file: DIGEST_PROJECT });
    const info = await create(t, { project: 'web', prompt: 'Info one?' });
    const { card: warning } = await t.createAndPost({
      reason: 'approval_needed',
      project: 'web',
      severity: 'warning',
      prompt: 'Warn?',
      options: ['ok'],
    });
    const { card: critical } = await t.createAndPost({
      reason: 'approval_needed',
      project: 'web',
      severity: 'critical',
      prompt: 'Crit?',
      options: ['ok'],
    });
    const { card: elsewhere } = await t.createAndPost({
      reason: 'approval_needed',
      project: 'api',
      prompt: 'Other project?',
      options: ['ok'],
    });
    await t.settle();
    expect(warning.text).toContain('Warn?');
    expect(critical.text).toContain('Crit?');
    expect(elsewhere.text).toContain('Other project?');
    expect(topLevel(t)).toHaveLength(3);
    expect(await t.card(info)).toBeUndefined();

    // The next interval's token goes to the next digest, not into this one.
    await moveTo(t, clock, '2026-01-01T11:00:00Z');
    expect(topLevel(t)).toHaveLength(4);
    const later = await create(t, { project: 'web', prompt: 'Info two?' });
    await t.settle();
    expect(topLevel(t)).toHaveLength(4);
    await moveTo(t, clock, '2026-01-01T12:00:00Z');
    const posts = topLevel(t);
    expect(posts).toHaveLength(5);
    const second = t.fake.message(CARDS, posts[4]?.ts as string) as SlackMessage;
    expect(buttonsFor(second, later)).toEqual(['yes', 'no', 'Answer…']);
    expect(buttonsFor(second, info)).toEqual([]);
  });

  it('a token answered before its digest goes out is not listed as waiting', async () => {
    const clock = new ManualClock('2026-01-01T10:05:00Z');
    const t = await startSlackBridge({ clock, file: DIGEST_PROJECT });
    const gone = await create(t, { project: 'web', prompt: 'Answered early?' });
    const kept = await create(t, { project: 'web', prompt: 'Still waiting?' });
    await t.call('POST', `/v1/tokens/${gone}/resolve`, {
      token: ADMIN_SECRET,
      body: { human_input: 'yes', by: 'U0BOB' },
    });
    await t.settle();
    expect(topLevel(t)).toEqual([]);
    await moveTo(t, clock, '2026-01-01T11:00:00Z');
    const posts = topLevel(t);
    expect(posts).toHaveLength(1);
    expect(posts[0]?.text).toMatch(/^🗞️ Digest for web: 1 waiting, 0 closed — Still waiting\?/);
    expect(await t.card(gone)).toBeUndefined();
    expect(await t.card(kept)).toBeUndefined();
  });
});

describe('digest settings', () => {
  it('a bad interval refuses start-up and names the key', () => {
    const dir = tempDir();
    for (const [every, why] of [
      ['soon', '"soon" is not a duration from 1m to 24h'],
      ['10s', '"10s" is not a duration from 1m to 24h'],
      ['2d', '"2d" is not a duration from 1m to 24h'],
    ] as const) {
      const file = join(dir, `digest-${every}.json`);
      writeFileSync(file, JSON.stringify({ projects: { web: { digest: { every } } } }));
      expect(() => loadConfig({ RODIZIO_CONFIG: file })).toThrow(`projects.web.digest.every: ${why}`);
    }
    const typo = join(dir, 'typo.json');
    writeFileSync(typo, JSON.stringify({ projects: { web: { digest: { evry: '1h' } } } }));
    expect(() => loadConfig({ RODIZIO_CONFIG: typo })).toThrow(/projects\.web\.digest: Unrecognized key: "evry"/);
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify({ projects: { web: { digest: { every: '1h30m' } } } }));
    expect(loadConfig({ RODIZIO_CONFIG: good }).file.projects.web?.digest).toEqual({ every: 5_400_000 });
  });
});
