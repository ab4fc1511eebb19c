import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { cli } from '../helpers/cli.js';
import { testDbLocation } from '../helpers/engine.js';
import { tempDir } from '../helpers/temp.js';
import { privateTmux } from '../helpers/tmux.js';
import { ESCALATIONS, FILE_CONFIG, startPhase } from './start-phase.js';

describe('phase files', () => {
  it('PHASE:escalate opens one card in the escalation channel: who, what, why, links, on-call, how to help', async () => {
    const { t, write, cards, watcher } = await startPhase();
    await write('dev-session-my-web-app-12.phase', 'PHASE:escalate\nReason: CI keeps failing on the migration test\n');
    expect(cards()).toHaveLength(1);
    const card = cards()[0];
    expect(card?.text).toBe('🆘 my-web-app issue #12 needs help: CI keeps failing on the migration test');
    const blocks = JSON.stringify(card?.blocks);
    expect(blocks).toContain('*Session* `dev-my-web-app-12` is in `PHASE:escalate` — <!subteam^S0ONCALL>');
    expect(blocks).toContain('*Why:* CI keeps failing on the migration test');
    expect(blocks).toContain('<https://github.com/acme/web/issues/12|Issue #12>');
    expect(blocks).toContain('💬 Reply in this thread to send guidance');
    const [token] = (await t.bridge.purgatory.list({ status: 'pending' })).tokens;
    expect(token).toMatchObject({
      kind: 'phase_escalation',
      project: 'my-web-app',
      github_issue: 'acme/web#12',
      runner: 'phase-bridge',
    });

    // Re-reading the same file, rescanning, or a fresh watcher (a restart) changes nothing.
    await watcher.scan();
    await t.drain();
    expect(cards()).toHaveLength(1);
    expect(t.fake.callsTo('chat.postMessage')).toHaveLength(1);
  });

  it('ignores empty and half-written files until the whole phase line is there', async () => {
    const { t, write, cards } = await startPhase();
    await write('dev-session-my-web-app-3.phase', '');
    await write('dev-session-my-web-app-3.phase', 'PHASE:esc');
    expect(cards()).toHaveLength(0);
    expect((await t.bridge.purgatory.list({})).tokens).toHaveLength(0);
    await write('dev-session-my-web-app-3.phase', 'PHASE:escalate\nReason: stuck\n');
    expect(cards()).toHaveLength(1);
  });

  it('leaving escalate closes the card and says how; PHASE:done resolves it; deleting the file closes it', async () => {
    const { t, write, cards, dir, watcher } = await startPhase();
    await write('dev-session-my-web-app-5.phase', 'PHASE:escalate\nReason: which schema?\n');
    await write('dev-session-my-web-app-5.phase', 'PHASE:awaiting_ci\n');
    let [token] = (await t.bridge.purgatory.list({})).tokens;
    expect(token?.status).toBe('cancelled');
    expect(JSON.stringify(cards()[0]?.blocks)).toContain('*Closed:* the session moved on to PHASE:awaiting_ci');
    expect(cards()[0]?.text).toBe('Escalation closed: my-web-app issue #5 (the session moved on to PHASE:awaiting_ci)');

    // Escalating again is a new episode with its own card; PHASE:done resolves it.
    await write('dev-session-my-web-app-5.phase', 'PHASE:escalate\nReason: again\n');
    expect(cards()).toHaveLength(2);
    await write('dev-session-my-web-app-5.phase', 'PHASE:done\n');
    [token] = (await t.bridge.purgatory.list({})).tokens;
    expect(token).toMatchObject({ status: 'resolved', human_input: { phase: 'PHASE:done' }, answered_via: 'phase' });
    expect(JSON.stringify(cards()[1]?.blocks)).toContain('*Closed:* the session finished: PHASE:done');

    await write('dev-session-my-web-app-5.phase', 'PHASE:escalate\nReason: third time\n');
    rmSync(join(dir, 'dev-session-my-web-app-5.phase'));
    await watcher.scan();
    await t.drain();
    expect((await t.bridge.purgatory.list({})).tokens[0]).toMatchObject({ status: 'cancelled' });
    expect(JSON.stringify(cards()[2]?.blocks)).toContain('*Closed:* the phase file was deleted');
  });

  it('notices writes through fs.watch, without a rescan', async () => {
    const { t, dir, cards } = await startPhase();
    writeFileSync(
      join(dir, 'review-session-my-web-app-77.phase'),
      'PHASE:escalate\nReason: reviewer asked for tests\n',
    );
    await vi.waitUntil(async () => (await t.bridge.purgatory.list({})).tokens.length === 1, {
      timeout: 5000,
      interval: 10,
    });
    await t.drain();
    expect(cards()[0]?.text).toBe('🆘 my-web-app PR #77 needs help: reviewer asked for tests');
    expect(JSON.stringify(cards()[0]?.blocks)).toContain('<https://github.com/acme/web/pull/77|Pull request #77>');
  });

  it('reconciles the files present at start-up without duplicating escalations', async () => {
    const dir = tempDir();
    const dbPath = await testDbLocation();
    const first = await startPhase({ dir, dbPath });
    await first.write('dev-session-my-web-app-8.phase', 'PHASE:escalate\nReason: restart me\n');
    writeFileSync(join(dir, 'dev-session-my-web-app-9.phase'), 'PHASE:escalate\nReason: written while down\n');
    await first.t.bridge.stop();
    const second = await startPhase({ dir, dbPath, fake: first.t.fake });
    await second.t.drain();
    const { tokens } = await second.t.bridge.purgatory.list({});
    expect(tokens.map((x) => x.prompt).sort()).toEqual(['restart me', 'written while down']);
    expect(first.t.fake.messages(ESCALATIONS)).toHaveLength(2);
  });

  it('PHASE:failed labels the issue blocked and posts a diagnostic comment with the pane, secrets redacted', async () => {
    const tmux = privateTmux();
    tmux.tmux('new-session', '-d', '-s', 'dev-my-web-app-21', '-x', '120', '-y', '20', 'sh');
    tmux.tmux(
      'send-keys',
      '-t',
      '=dev-my-web-app-21:',
      'echo "npm test failed; token=ghp_abcdefghijklmnopqrstuvwxyz0123456789"',
      'Enter',
    );
    await vi.waitUntil(
      () => tmux.tmux('capture-pane', '-p', '-t', '=dev-my-web-app-21:').includes('npm test failed; token'),
      { timeout: 3000 },
    );
    const { t, write } = await startPhase({ socket: tmux.socket });
    await write('dev-session-my-web-app-21.phase', 'PHASE:escalate\nReason: tests\n');
    await write('dev-session-my-web-app-21.phase', 'PHASE:failed\nReason: gave up after 3 CI runs\nPR: #40\n');
    await t.drain();
    expect(t.github.issue('acme/web', 21)?.labels.map((l) => l.name)).toEqual(['blocked']);
    const [comment] = t.github.comments('acme/web', 21);
    expect(comment?.body).toContain('❌ **Agent session `dev-my-web-app-21` failed**');
    expect(comment?.body).toContain('**Exit reason:** gave up after 3 CI runs');
    expect(comment?.body).toContain('**Pull request:** #40');
    expect(comment?.body).toContain('npm test failed; token=[redacted]');
    expect(comment?.body).not.toContain('ghp_abcdef');
    expect((await t.bridge.purgatory.list({})).tokens[0]?.status).toBe('cancelled');
    // The same failed file read again does not comment twice.
    await t.bridge.phaseWatcher?.scan();
    await t.drain();
    expect(t.github.comments('acme/web', 21)).toHaveLength(1);
  });
});

describe('guidance from the thread to the tmux session', () => {
  it('types an allowed reply into dev-{project}-{issue} byte for byte, and says so in the thread', async () => {
    const tmux = privateTmux();
    const session = tmux.catSession('dev-my-web-app-12');
    const { t, write, cards } = await startPhase({ socket: tmux.socket });
    await write('dev-session-my-web-app-12.phase', 'PHASE:escalate\nReason: which DB?\n');
    const card = cards()[0];
    const reply = `Use the "replica" at $(hostname) — not \`prod\`; it's fine.\nSecond line.`;
    await t.driver.postMessage({ channel: ESCALATIONS, user: 'U0ALICE', text: reply, thread_ts: card?.ts });
    await t.settle();
    await vi.waitUntil(
      async () => {
        await t.drain();
        return t.fake
          .thread(ESCALATIONS, card?.ts as string)
          .some((m) => m.text === '✓ forwarded to dev-my-web-app-12');
      },
      { timeout: 5000 },
    );
    expect(await session.finish()).toBe(
      `Human guidance from alice in Slack:\n\n${reply}\n\nConsider this guidance for your current work.\n`,
    );
  });

  it('queues a reply while the session is missing or not escalated, says why once, and forwards it later', async () => {
    const tmux = privateTmux();
    const { t, write, cards } = await startPhase({ socket: tmux.socket });
    await write('dev-session-my-web-app-30.phase', 'PHASE:escalate\nReason: help\n');
    const card = cards()[0];
    await t.driver.postMessage({
      channel: ESCALATIONS,
      user: 'U0ALICE',
      text: 'try the staging bucket',
      thread_ts: card?.ts,
    });
    await t.settle();
    await t.drain();
    const thread = () =>
      t.fake
        .thread(ESCALATIONS, card?.ts as string)
        .filter((m) => m.bot_id)
        .map((m) => m.text);
    expect(thread()).toEqual([
      '📨 Queued, not forwarded yet: tmux session dev-my-web-app-30 is not running. It goes through once dev-my-web-app-30 is running and in PHASE:escalate or PHASE:awaiting_review.',
    ]);
    const [queued] = (await t.bridge.purgatory.list({})).tokens;
    expect(JSON.stringify((await t.card(queued?.id as string))?.blocks)).toContain('📨 1 reply queued');
    for (let i = 0; i < 3; i++) await t.at(10 * 60_000 * (i + 1));
    expect(thread()).toHaveLength(1);

    const session = tmux.catSession('dev-my-web-app-30');
    await t.at(40 * 60_000);
    expect(thread().at(-1)).toBe('✓ forwarded to dev-my-web-app-30');
    expect(await session.finish()).toContain('try the staging bucket');
  });

  it('refuses a reply from someone not allowed to answer, and stops when the session finished', async () => {
    const tmux = privateTmux();
    const { t, write, cards, dir } = await startPhase({ socket: tmux.socket });
    await write('dev-session-my-web-app-31.phase', 'PHASE:escalate\nReason: help\n');
    const card = cards()[0];
    await t.driver.postMessage({ channel: ESCALATIONS, user: 'U0BOB', text: 'do X', thread_ts: card?.ts });
    await t.settle();
    expect(t.fake.ephemerals.find((e) => e.user === 'U0BOB')?.text).toBe(
      'Only <@U0ALICE> may answer this one. Your reply was not forwarded.',
    );
    expect(await t.bridge.purgatory.store.outbox.list({ kind: 'phase.guidance', limit: 5 })).toHaveLength(0);

    await t.driver.postMessage({ channel: ESCALATIONS, user: 'U0ALICE', text: 'do Y', thread_ts: card?.ts });
    await t.settle();
    // The agent finishes before its session ever comes up: the queued reply is dropped, and the thread says so.
    writeFileSync(join(dir, 'dev-session-my-web-app-31.phase'), 'PHASE:done\n');
    await t.at(60 * 60_000);
    expect(
      t.fake
        .thread(ESCALATIONS, card?.ts as string)
        .filter((m) => m.bot_id)
        .map((m) => m.text)
        .at(-1),
    ).toBe('✗ Not forwarded to dev-my-web-app-31: the session finished (PHASE:done).');
    expect(await t.bridge.purgatory.store.outbox.count('pending')).toBe(0);
  });
});

describe('rodizio escalate', () => {
  it('opens the same escalation from a shell script, once per open session', async () => {
    const { t, cards } = await startPhase();
    // The CLI runs with the server's environment, so it plans the same side effects (the card).
    const configFile = join(tempDir(), 'rodizio.json');
    writeFileSync(configFile, JSON.stringify(FILE_CONFIG));
    const env = {
      RODIZIO_DB: t.bridge.store.location,
      RODIZIO_CONFIG: configFile,
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: 'x',
      SLACK_CHANNEL: 'C0CARDS',
    };
    const first = await cli(
      ['escalate', '--project', 'my-web-app', '--issue', '44', '--reason', 'need a decision'],
      env,
    );
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      /^opened phase-my-web-app-44-\w+ for dev-my-web-app-44; replies in its Slack thread are typed into the session\n$/,
    );
    const again = await cli(['escalate', '--project', 'my-web-app', '--issue', '44'], env);
    expect(again.stdout).toMatch(/is already open for dev-my-web-app-44; nothing new/);
    await t.drain();
    expect(cards().map((m) => m.text)).toEqual(['🆘 my-web-app issue #44 needs help: need a decision']);
    for (const [argv, message] of [
      [['escalate', '--issue', '1'], /--project is required/],
      [['escalate', '--project', 'x'], /exactly one of --issue or --pr/],
      [['escalate', '--project', 'x', '--issue', '1', '--pr', '2'], /exactly one/],
      [['escalate', '--project', 'x', '--issue', 'twelve'], /must be a number/],
      [['escalate', '--project', 'has space', '--issue', '1'], /may hold letters/],
    ] as const) {
      const out = await cli([...argv], env);
      expect(out.code).toBe(2);
      expect(out.stderr).toMatch(message);
    }
  });
});
