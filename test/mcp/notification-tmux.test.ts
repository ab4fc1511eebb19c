import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { locateTmuxPane } from '../../src/cli/hook-command.js';
import { RodizioClient } from '../../src/client/index.js';
import { runClaudeCodeHook } from '../../src/mcp/claude-hook.js';
import { createHttpBackend } from '../../src/mcp/http-backend.js';
import { RUNNER_SECRET } from '../helpers/bridge.js';
import { CLI_ENTRY, ROOT } from '../helpers/cli.js';
import { CARDS, type SlackTestBridge, startSlackBridge } from '../helpers/slack.js';
import { privateTmux } from '../helpers/tmux.js';
import { nextCard } from './helpers.js';

const hasTmux = (() => {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const NOTIFICATION = readFileSync(new URL('../fixtures/claude-code/notification.json', import.meta.url), 'utf8');
const HOST = 'claude-box';
/** The operator lets runner `ci` type into sessions named `claude-*` (as for tmux deliveries). */
const ALLOW_CLAUDE = { runners: { ci: { allow: { tmux_sessions: ['claude-*'] } } } };

/** A private tmux server with Claude Code's stand-in (`cat > file`) in session `claude-shop`, and its pane's env. */
function claudeInTmux() {
  const tmux = privateTmux();
  const session = tmux.catSession('claude-shop');
  const ask = (format: string) => tmux.tmux('display-message', '-p', '-t', '=claude-shop:', format).trim();
  const pane = ask('#{pane_id}');
  const panePid = Number(ask('#{pane_pid}'));
  // What tmux sets in every process of the pane, Claude Code and its hooks included.
  const env = { TMUX: `${ask('#{socket_path}')},${ask('#{pid}')},0`, TMUX_PANE: pane };
  return { tmux, session, pane, panePid, env, capture: () => tmux.tmux('capture-pane', '-p', '-J', '-t', pane) };
}

/** Runs the real `rodizio hook claude-code` with the hook input on stdin, as Claude Code does. */
function runHook(t: SlackTestBridge, env: Record<string, string>) {
  const child = spawn(process.execPath, [CLI_ENTRY, 'hook', 'claude-code'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      RODIZIO_ENV_FILE: '',
      RODIZIO_URL: t.url,
      RODIZIO_TOKEN: RUNNER_SECRET,
      RODIZIO_HOST_ID: HOST,
      ...env,
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  child.stdin.end(NOTIFICATION);
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
}

/** Replies in the card's thread as `user` and waits until the bot says something in the thread containing `says`. */
async function reply(t: SlackTestBridge, ts: string, text: string, says: string, user = 'U0ALICE') {
  await t.driver.postMessage({ channel: CARDS, user, text, thread_ts: ts });
  await vi.waitUntil(
    async () => {
      await t.settle();
      return t.fake.thread(CARDS, ts).some((m) => m.bot_id && m.text?.includes(says));
    },
    { timeout: 10_000, interval: 20 },
  );
}

describe.skipIf(!hasTmux)('Claude Code Notification in tmux: thread replies typed into the pane', () => {
  it('the hook finds its pane; every reply in the card thread is typed into it', { timeout: 60_000 }, async () => {
    const claude = claudeInTmux();
    const t = await startSlackBridge({ config: { tmuxSocket: claude.tmux.socket, hostId: HOST }, file: ALLOW_CLAUDE });

    const hook = await runHook(t, claude.env);
    expect(hook).toEqual({ code: 0, stdout: '', stderr: '' });
    const { token, card } = await nextCard(t);
    expect(token).toMatchObject({
      status: 'pending',
      options: ['Done'],
      thread_resolves: false,
      original_event: {
        claude_code: {
          hook_event_name: 'Notification',
          session_id: '00893aaf-19fa-41d2-8238-13269b9b3ca0',
          tmux: { session: 'claude-shop', pane: claude.pane, pane_pid: claude.panePid, host: HOST },
        },
      },
    });
    expect(JSON.stringify(card.blocks)).toContain('Claude is waiting for your input');
    expect(JSON.stringify(card.blocks)).toContain(
      `Reply in this thread to type into the session (tmux \`claude-shop\`, pane ${claude.pane})`,
    );

    const first = `Run "npm test" again — not \`npm publish\`; $(whoami) stays literal.\nThen stop.`;
    await reply(t, card.ts, first, `✓ typed into \`claude-shop\` (pane ${claude.pane})`);
    expect(claude.capture()).toContain('Run "npm test" again — not `npm publish`; $(whoami) stays literal.');
    // Typed on the machine the hook ran on: the job is bound to its host.
    const [job] = await t.bridge.store.outbox.list({ tokenId: token.id, kind: 'session.reply', limit: 5 });
    expect(job).toMatchObject({ host: HOST });

    await reply(t, card.ts, '2', '✓ typed', 'U0BOB');
    expect(await claude.session.finish()).toBe(`${first}\n2\n`);
    // Replies are notes; none of them answered the card.
    expect((await t.bridge.purgatory.get(token.id)).status).toBe('pending');
    const audit = (await t.bridge.purgatory.history(token.id)).filter((e) => e.type === 'guidance_queued');
    expect(audit.map((e) => e.actor)).toEqual(['U0ALICE', 'U0BOB']);
  });

  it('refuses to type for a runner not allowed the session, and says so in the thread', async () => {
    const claude = claudeInTmux();
    const t = await startSlackBridge({
      config: { tmuxSocket: claude.tmux.socket, hostId: HOST },
      file: { runners: { ci: { allow: { tmux_sessions: ['dev-*'] } } } },
    });
    const backend = createHttpBackend(new RodizioClient({ baseUrl: t.url, token: RUNNER_SECRET }));
    const target = await locateTmuxPane({ ...claude.env, RODIZIO_HOST_ID: HOST, PATH: process.env.PATH });
    const res = await runClaudeCodeHook(NOTIFICATION, {
      backend,
      timeoutMs: 60_000,
      elapsedMs: () => 0,
      terminal: async () => target,
    });
    expect(res).toEqual({ exitCode: 0 });
    const { card } = await nextCard(t);
    await reply(
      t,
      card.ts,
      'rm -rf /',
      '✗ Not typed into the session: tmux session "claude-shop" is not allowed for runner "ci" (runners.ci.allow.tmux_sessions)',
    );
    expect(await claude.session.finish()).toBe('');
  });

  it('drops a reply once the pane is gone instead of typing into whatever reuses it', async () => {
    const claude = claudeInTmux();
    const t = await startSlackBridge({ config: { tmuxSocket: claude.tmux.socket, hostId: HOST }, file: ALLOW_CLAUDE });
    const backend = createHttpBackend(new RodizioClient({ baseUrl: t.url, token: RUNNER_SECRET }));
    const target = { session: 'claude-shop', pane: claude.pane, pane_pid: claude.panePid, host: HOST };
    await runClaudeCodeHook(NOTIFICATION, {
      backend,
      timeoutMs: 60_000,
      elapsedMs: () => 0,
      terminal: async () => target,
    });
    const { card } = await nextCard(t);
    expect(await claude.session.finish()).toBe('');
    // A new tmux server numbers its panes from %0 again: same session name, same pane id, another process.
    claude.tmux.tmux('new-session', '-d', '-s', 'claude-shop', 'sh');
    expect(claude.tmux.tmux('display-message', '-p', '-t', '=claude-shop:', '#{pane_id}').trim()).toBe(claude.pane);
    await reply(t, card.ts, 'continue', `✗ Not typed: tmux pane ${claude.pane} of session \`claude-shop\` is gone`);
    expect(claude.tmux.tmux('capture-pane', '-p', '-t', '=claude-shop:')).not.toContain('continue');
  });

  it('finds no pane outside tmux or with a TMUX_PANE tmux does not know', async () => {
    const claude = claudeInTmux();
    const path = { PATH: process.env.PATH };
    expect(await locateTmuxPane({ ...path, TMUX_PANE: claude.pane })).toBeUndefined();
    expect(await locateTmuxPane({ ...path, ...claude.env, TMUX_PANE: '%999' })).toBeUndefined();
    expect(await locateTmuxPane({ ...path, ...claude.env, TMUX_PANE: '; rm -rf /' })).toBeUndefined();
    expect(await locateTmuxPane({ ...path, ...claude.env, RODIZIO_HOST_ID: HOST })).toEqual({
      session: 'claude-shop',
      pane: claude.pane,
      pane_pid: claude.panePid,
      host: HOST,
    });
  });
});
