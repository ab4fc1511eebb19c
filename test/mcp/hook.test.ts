import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BlockId } from '../../blocks/ids.js';
import { RodizioClient } from '../../src/client/index.js';
import { type HookOptions, runClaudeCodeHook } from '../../src/mcp/claude-hook.js';
import { createHttpBackend } from '../../src/mcp/http-backend.js';
import { RUNNER_SECRET } from '../helpers/bridge.js';
import { CLI_ENTRY, ROOT } from '../helpers/cli.js';
import { CARDS, type SlackTestBridge, startSlackBridge } from '../helpers/slack.js';
import { storeSnapshot } from '../helpers/store.js';
import { click, nextCard } from './helpers.js';

/** Claude Code's hook input, exactly as its hooks reference documents it. */
const fixture = (name: string) => readFileSync(new URL(`../fixtures/claude-code/${name}`, import.meta.url), 'utf8');
const BASH = fixture('pre-tool-use-bash.json');

function hookOptions(t: SlackTestBridge, overrides: Partial<HookOptions> = {}): HookOptions {
  return {
    backend: createHttpBackend(new RodizioClient({ baseUrl: t.url, token: RUNNER_SECRET })),
    tools: ['Bash', 'Edit', 'Write'],
    timeoutMs: 60_000,
    elapsedMs: () => 0,
    ...overrides,
  };
}

describe('rodizio hook claude-code', () => {
  it('PreToolUse: Allow in Slack → permissionDecision "allow"', async () => {
    const t = await startSlackBridge();
    const run = runClaudeCodeHook(BASH, hookOptions(t));
    const posted = await nextCard(t);
    expect(posted.token).toMatchObject({
      permission: {
        tool_name: 'Bash',
        input: { command: 'rm -rf build/', description: 'Remove the build output', timeout: 120000 },
        tool_use_id: 'toolu_01ABC123DEF456',
      },
    });
    // The card says what happens when nobody answers in time (60 s less the margin for answering).
    expect(posted.token.prompt).toContain('If nobody answers within 55 s, Claude Code asks in its terminal instead');
    await click(t, posted, 'Allow');
    expect(await run).toEqual({
      exitCode: 0,
      output: {
        hookSpecificOutput: {
          hookEventName: 'PreToolUse',
          permissionDecision: 'allow',
          permissionDecisionReason: expect.stringMatching(/^Allowed in Slack by (alice \()?U0ALICE\)?\.$/),
        },
      },
    });
  });

  it('PreToolUse: Deny with a reason → permissionDecision "deny" carrying the reason (Claude reads it)', async () => {
    const t = await startSlackBridge();
    const run = runClaudeCodeHook(fixture('pre-tool-use-edit.json'), hookOptions(t));
    const posted = await nextCard(t);
    await click(t, posted, 'Deny…', 'U0BOB');
    const modal = await t.fake.waitFor(() => t.fake.modalStack('U0BOB').at(-1));
    await t.driver.submitView({
      viewId: modal.id,
      user: 'U0BOB',
      values: { [BlockId.denyReason]: 'Retries are capped at 3 on purpose' },
    });
    expect((await run).output?.hookSpecificOutput).toEqual({
      hookEventName: 'PreToolUse',
      permissionDecision: 'deny',
      permissionDecisionReason: 'Retries are capped at 3 on purpose',
    });
  });

  it('PreToolUse: nobody answers before the hook timeout → "ask", the card is closed and says so', async () => {
    const t = await startSlackBridge();
    const timeUp = new AbortController();
    const budgets: number[] = [];
    const run = runClaudeCodeHook(
      BASH,
      hookOptions(t, {
        timeoutMs: 30_000,
        elapsedMs: () => 2000,
        timeout: (ms) => {
          budgets.push(ms);
          return timeUp.signal;
        },
      }),
    );
    const posted = await nextCard(t);
    // 30 s, less 5 s kept for answering, less the 2 s Claude Code's clock has already run.
    expect(budgets).toEqual([23_000]);
    timeUp.abort();
    const { output } = await run;
    expect(output?.hookSpecificOutput.permissionDecision).toBe('ask');
    expect(output?.hookSpecificOutput.permissionDecisionReason).toBe(
      `Nobody answered in Slack within 23 s (rodizio token ${posted.token.id}); asking here instead.`,
    );
    expect((await t.bridge.purgatory.get(posted.token.id)).status).toBe('cancelled');
    await t.settle();
    expect(t.fake.thread(CARDS, posted.card.ts).map((m) => m.text)).toContain(
      '⏱️ Nobody answered within 23 s: Claude Code is asking in its terminal instead.',
    );
  });

  it('PreToolUse: an answer that beats the timeout still counts', async () => {
    const t = await startSlackBridge();
    const timeUp = new AbortController();
    const run = runClaudeCodeHook(BASH, hookOptions(t, { timeout: () => timeUp.signal }));
    const posted = await nextCard(t);
    await t.bridge.purgatory.resolve(posted.token.id, {
      humanInput: 'Allow',
      by: 'U0ALICE',
      byName: 'Alice',
      via: 'button',
    });
    timeUp.abort();
    expect((await run).output?.hookSpecificOutput.permissionDecision).toBe('allow');
  });

  it('PreToolUse matching a config rule is allowed at once, without a card', async () => {
    const t = await startSlackBridge({
      file: { rules: [{ tool: 'Bash', match: '^rm -rf build/$', decision: 'allow' }] },
    });
    const { output } = await runClaudeCodeHook(BASH, hookOptions(t));
    expect(output?.hookSpecificOutput).toEqual({
      hookEventName: 'PreToolUse',
      permissionDecision: 'allow',
      permissionDecisionReason: "Allowed by rodizio's rule #0 (^rm -rf build/$).",
    });
    await t.settle();
    expect(t.fake.messages(CARDS)).toHaveLength(0);
  });

  it('PreToolUse after "Allow for 1 h" is allowed at once by the grant', async () => {
    const t = await startSlackBridge();
    const first = runClaudeCodeHook(BASH, hookOptions(t));
    const posted = await nextCard(t);
    await click(t, posted, 'Allow for 1 h…');
    const modal = await t.fake.waitFor(() => t.fake.modalStack('U0ALICE').at(-1));
    await t.driver.submitView({ viewId: modal.id, user: 'U0ALICE' });
    expect((await first).output?.hookSpecificOutput.permissionDecision).toBe('allow');

    const again = await runClaudeCodeHook(BASH, hookOptions(t));
    expect(again.output?.hookSpecificOutput.permissionDecision).toBe('allow');
    expect(again.output?.hookSpecificOutput.permissionDecisionReason).toMatch(
      /^Allowed by a standing grant made in Slack/,
    );
  });

  it('leaves alone tools it was not told to ask about, and events it does not handle', async () => {
    const t = await startSlackBridge();
    const before = await storeSnapshot(t.bridge.store);
    expect(await runClaudeCodeHook(fixture('pre-tool-use-read.json'), hookOptions(t))).toEqual({ exitCode: 0 });
    expect(await runClaudeCodeHook(fixture('post-tool-use.json'), hookOptions(t))).toEqual({ exitCode: 0 });
    // No time left to ask: "ask" at once, nothing created.
    const late = await runClaudeCodeHook(BASH, hookOptions(t, { elapsedMs: () => 58_000 }));
    expect(late.output?.hookSpecificOutput).toMatchObject({
      permissionDecision: 'ask',
      permissionDecisionReason: expect.stringContaining("No time to ask in Slack within the hook's 60 s timeout"),
    });
    expect(await storeSnapshot(t.bridge.store)).toEqual(before);
  });

  it('Notification outside tmux: posts the message, saying replies cannot reach the session', async () => {
    const t = await startSlackBridge();
    const res = await runClaudeCodeHook(
      fixture('notification.json'),
      hookOptions(t, { terminal: async () => undefined }),
    );
    expect(res).toEqual({ exitCode: 0 });
    await t.settle();
    expect(t.fake.messages(CARDS).map((m) => m.text)).toEqual([
      '🔔 *Claude Code* (`/home/dev/shop`): Claude is waiting for your input\n_Not running in tmux: replies here cannot reach the session._',
    ]);
    expect((await t.bridge.purgatory.list({})).tokens).toEqual([]);
  });

  it.each([
    ['not JSON', 'tool_name=Bash', 'is not valid JSON'],
    ['no hook_event_name', JSON.stringify({ session_id: 's' }), 'hook_event_name'],
    [
      'a PreToolUse without tool_input',
      JSON.stringify({ session_id: 's', hook_event_name: 'PreToolUse', tool_name: 'Bash' }),
      'needs tool_name and tool_input',
    ],
  ])('refuses stdin that is %s with exit 1 (non-blocking) and creates nothing', async (_what, stdin, says) => {
    const t = await startSlackBridge();
    const before = await storeSnapshot(t.bridge.store);
    const res = await runClaudeCodeHook(stdin, hookOptions(t));
    expect(res.exitCode).toBe(1);
    expect(res.output).toBeUndefined();
    expect(res.stderr).toContain(says);
    expect(await storeSnapshot(t.bridge.store)).toEqual(before);
  });

  it('as a process: stdin in, the decision JSON on stdout, exit 0', { timeout: 60_000 }, async () => {
    const t = await startSlackBridge();
    const child = spawn(process.execPath, [CLI_ENTRY, 'hook', 'claude-code', '--tools', 'Bash'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', RODIZIO_ENV_FILE: '', RODIZIO_URL: t.url, RODIZIO_TOKEN: RUNNER_SECRET },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.stdin.end(BASH);
    const posted = await nextCard(t);
    await click(t, posted, 'Allow');
    const code = await exited;
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      hookSpecificOutput: {
        hookEventName: 'PreToolUse',
        permissionDecision: 'allow',
        permissionDecisionReason: expect.stringContaining('Allowed in Slack by'),
      },
    });
  });
});
