import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { privateTmux } from '../helpers/tmux.js';
import { ESCALATIONS, startPhase } from './start-phase.js';

/** The convention beyond the first five phases: needs_human, merged, unknown phases, review wording, closings. */
describe('the phase-file protocol in full', () => {
  it('PHASE:needs_human escalates like escalate: a card, guidance typed in while in it; PHASE:merged closes it', async () => {
    const tmux = privateTmux();
    const session = tmux.catSession('dev-my-web-app-12');
    const { t, write, cards, botThread } = await startPhase({ socket: tmux.socket });
    await write('dev-session-my-web-app-12.phase', 'PHASE:needs_human\nReason: which schema?\n');
    expect(cards().map((m) => m.text)).toEqual(['🆘 my-web-app issue #12 needs help: which schema?']);
    expect(JSON.stringify(cards()[0]?.blocks)).toContain('*Session* `dev-my-web-app-12` is in `PHASE:needs_human`');
    // escalate and needs_human are the same request for help: switching between them opens nothing new.
    await write('dev-session-my-web-app-12.phase', 'PHASE:escalate\nReason: which schema?\n');
    await write('dev-session-my-web-app-12.phase', 'PHASE:needs_human\nReason: which schema, really?\n');
    expect(cards()).toHaveLength(1);

    const ts = cards()[0]?.ts;
    await t.driver.postMessage({ channel: ESCALATIONS, user: 'U0ALICE', text: 'use v2', thread_ts: ts });
    await t.settle();
    await vi.waitUntil(
      async () => {
        await t.drain();
        return botThread(ts).includes('✓ forwarded to dev-my-web-app-12');
      },
      { timeout: 5000 },
    );

    await write('dev-session-my-web-app-12.phase', 'PHASE:merged\n');
    const [token] = (await t.bridge.purgatory.list({})).tokens;
    expect(token).toMatchObject({ status: 'resolved', human_input: { phase: 'PHASE:merged' }, answered_via: 'phase' });
    expect(JSON.stringify(cards()[0]?.blocks)).toContain('*Closed:* the session finished: PHASE:merged');
    expect(botThread(ts)).toEqual([
      '✓ forwarded to dev-my-web-app-12',
      '🔒 Escalation closed. The session finished: PHASE:merged. Replies here are no longer typed into `dev-my-web-app-12`.',
    ]);
    expect(await session.finish()).toBe(
      'Human guidance from alice in Slack:\n\nuse v2\n\nConsider this guidance for your current work.\n',
    );
  });

  it('PHASE:merged is terminal like PHASE:done: it resolves the escalation and drops replies still queued', async () => {
    const tmux = privateTmux();
    const { t, write, cards, botThread } = await startPhase({ socket: tmux.socket });
    await write('dev-session-my-web-app-13.phase', 'PHASE:escalate\nReason: rebase or merge?\n');
    const ts = cards()[0]?.ts;
    // No tmux session yet: the reply waits in the outbox.
    await t.driver.postMessage({ channel: ESCALATIONS, user: 'U0ALICE', text: 'rebase', thread_ts: ts });
    await t.settle();
    await write('dev-session-my-web-app-13.phase', 'PHASE:merged\n');
    await t.at(60 * 60_000);
    expect((await t.bridge.purgatory.list({})).tokens[0]).toMatchObject({
      status: 'resolved',
      human_input: { phase: 'PHASE:merged' },
    });
    expect(botThread(ts).slice(1)).toEqual([
      '🔒 Escalation closed. The session finished: PHASE:merged. Replies here are no longer typed into `dev-my-web-app-13`.',
      '✗ Not forwarded to dev-my-web-app-13: the session finished (PHASE:merged).',
    ]);
    expect(await t.bridge.purgatory.store.outbox.count('pending')).toBe(0);
  });

  it('logs an unknown phase at info with the file name, sanitised, and changes nothing else', async () => {
    const { t, write, cards } = await startPhase();
    await write('dev-session-my-web-app-4.phase', 'PHASE:escalate\nReason: stuck\n');
    await write('dev-session-my-web-app-4.phase', `PHASE:sleeping\u001b[31m${'z'.repeat(80)}\nReason: later\n`);
    await write('dev-session-my-web-app-4.phase', 'PHASE:esc');
    const unknown = t.logs.lines.filter((l) => l.msg === 'phase file holds a phase rodizio does not know; ignored');
    expect(unknown).toHaveLength(1);
    expect(unknown[0]).toMatchObject({
      level: 'info',
      file: 'dev-session-my-web-app-4.phase',
      phase: `PHASE:sleeping?[31m${'z'.repeat(40)}…`,
    });
    expect(Array.from(String(unknown[0]?.phase))).toHaveLength(60);
    // The escalation it interrupted is still open, with its one card.
    expect((await t.bridge.purgatory.list({})).tokens.map((x) => x.status)).toEqual(['pending']);
    expect(cards()).toHaveLength(1);
    expect(t.logs.text()).not.toContain('\\u001b');
  });

  it('types a reply into a review session as a question about its review, byte for byte', async () => {
    const tmux = privateTmux();
    const session = tmux.catSession('review-my-web-app-77');
    const { t, write, cards, botThread } = await startPhase({ socket: tmux.socket });
    await write('review-session-my-web-app-77.phase', 'PHASE:escalate\nReason: is the N+1 query a blocker?\n');
    const ts = cards()[0]?.ts;
    const reply = 'Why did you flag the `users` query?\nIt runs once per request.';
    await t.driver.postMessage({ channel: ESCALATIONS, user: 'U0ALICE', text: reply, thread_ts: ts });
    await t.settle();
    await vi.waitUntil(
      async () => {
        await t.drain();
        return botThread(ts).includes('✓ forwarded to review-my-web-app-77');
      },
      { timeout: 5000 },
    );
    expect(await session.finish()).toBe(
      `Human question about your review of PR #77 from alice in Slack:\n\n${reply}\n\nPlease answer this question about your review. Explain your reasoning.\n`,
    );
  });
});

describe('closing a phase escalation', () => {
  it('tells a replier in the thread that their reply was not forwarded, and why', async () => {
    const tmux = privateTmux();
    const session = tmux.catSession('dev-my-web-app-12');
    const { t, write, cards, botThread } = await startPhase({ socket: tmux.socket });
    await write('dev-session-my-web-app-12.phase', 'PHASE:escalate\nReason: which DB?\n');
    await write('dev-session-my-web-app-12.phase', 'PHASE:awaiting_ci\n');
    const ts = cards()[0]?.ts;
    await t.settle();
    const before = botThread(ts).length;

    await t.driver.postMessage({ channel: ESCALATIONS, user: 'U0ALICE', text: 'use the replica', thread_ts: ts });
    await t.settle();
    const notForwarded =
      'Not forwarded to dev-my-web-app-12: this escalation closed when the session moved on to PHASE:awaiting_ci. Start a new escalation with `rodizio escalate --project my-web-app --issue 12 --reason "…"` or wait for the next one.';
    expect(botThread(ts).at(-1)).toBe(notForwarded);
    // Once per person: a conversation in a closed thread is not answered line by line.
    await t.driver.postMessage({ channel: ESCALATIONS, user: 'U0ALICE', text: 'hello?', thread_ts: ts });
    await t.driver.postMessage({ channel: ESCALATIONS, user: 'U0BOB', text: 'me too', thread_ts: ts });
    await t.settle();
    expect(botThread(ts).filter((m) => m === notForwarded)).toHaveLength(2);
    expect(botThread(ts)).toHaveLength(before + 2);
    expect(await t.bridge.purgatory.store.outbox.list({ kind: 'phase.guidance', limit: 5 })).toHaveLength(0);
    expect(await session.finish()).toBe('');

    // Once the session is gone, there is nothing to point at.
    await t.driver.postMessage({ channel: ESCALATIONS, user: 'U0CAROL', text: 'still there?', thread_ts: ts });
    await t.settle();
    expect(botThread(ts).at(-1)).toBe(
      'Not forwarded to dev-my-web-app-12: this escalation closed when the session moved on to PHASE:awaiting_ci, and the session is no longer running.',
    );
  });

  it('says in the thread what happened — moved on, failed, file deleted — not a generic cancellation', async () => {
    const { t, write, cards, botThread, dir, watcher } = await startPhase();
    await write('dev-session-my-web-app-6.phase', 'PHASE:escalate\nReason: a\n');
    await write('dev-session-my-web-app-6.phase', 'PHASE:awaiting_ci\n');
    await write('dev-session-my-web-app-6.phase', 'PHASE:escalate\nReason: a again\n');
    await write('dev-session-my-web-app-6.phase', 'PHASE:failed\nReason: gave up\n');
    await write('dev-session-my-web-app-6.phase', 'PHASE:escalate\nReason: b\n');
    rmSync(join(dir, 'dev-session-my-web-app-6.phase'));
    await watcher.scan();
    await t.drain();
    await t.settle();
    const [movedOn, failed, deleted] = cards();
    expect(botThread(movedOn?.ts)).toEqual([
      '🔒 Escalation closed. The session moved on to PHASE:awaiting_ci. Replies here are no longer typed into `dev-my-web-app-6`.',
    ]);
    expect(botThread(failed?.ts)).toEqual([
      '🔒 Escalation closed. The session failed: PHASE:failed. Replies here are no longer typed into `dev-my-web-app-6`.',
    ]);
    expect(botThread(deleted?.ts)).toEqual([
      '🔒 Escalation closed. The phase file was deleted. Replies here are no longer typed into `dev-my-web-app-6`.',
    ]);
    expect(JSON.stringify(failed?.blocks)).toContain('*Closed:* the session failed: PHASE:failed');
  });
});
