import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { describe, expect, it } from 'vitest';
import { RUNNER_SECRET } from '../helpers/bridge.js';
import { CLI_ENTRY, cli, ROOT } from '../helpers/cli.js';
import { startSlackBridge } from '../helpers/slack.js';
import { callWithProgress, click, nextCard, textOf, track } from './helpers.js';

describe('rodizio mcp (stdio)', () => {
  it('serves the tools to the SDK client over stdio, reaching the bridge over HTTP', { timeout: 60_000 }, async () => {
    const t = await startSlackBridge();
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI_ENTRY, 'mcp', '--progress-interval', '0.05'],
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', RODIZIO_ENV_FILE: '', RODIZIO_URL: t.url, RODIZIO_TOKEN: RUNNER_SECRET },
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (d) => {
      stderr += d;
    });
    const client = track(new Client({ name: 'rodizio-test', version: '0.0.0' }));
    await client.connect(transport);
    expect(client.getServerVersion()?.name).toBe('rodizio');

    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(['ask_human', 'notify_human', 'request_permission']);

    // ask_human: several progress notifications while nobody answers, then the click.
    const seen = new Set<string>();
    const ask = callWithProgress(client, 'ask_human', { question: 'Rotate the API keys?', options: ['Yes', 'Later'] });
    const asked = await nextCard(t, seen);
    seen.add(asked.token.id);
    await expect.poll(() => ask.progress.length, { timeout: 5000 }).toBeGreaterThanOrEqual(3);
    const steps = ask.progress.map((p) => p.progress);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    await click(t, asked, 'Later', 'U0CAROL');
    expect((await ask.result).structuredContent).toMatchObject({
      outcome: 'answered',
      answer: 'Later',
      answered_by: 'U0CAROL',
      token_id: asked.token.id,
    });

    // request_permission: Claude Code reads the decision from the first text block.
    const input = { file_path: '/repo/src/app.ts', old_string: 'a', new_string: 'b' };
    const permission = callWithProgress(client, 'request_permission', { tool_name: 'Edit', input });
    const requested = await nextCard(t, seen);
    seen.add(requested.token.id);
    await click(t, requested, 'Allow');
    expect(JSON.parse(textOf(await permission.result))).toEqual({ behavior: 'allow', updatedInput: input });

    // Cancelling the call (notifications/cancelled) cancels the token.
    const abort = new AbortController();
    const cancelled = callWithProgress(client, 'ask_human', { question: 'Never mind?' }, { signal: abort.signal });
    const dropped = await nextCard(t, seen);
    abort.abort();
    await expect(cancelled.result).rejects.toThrow();
    await expect.poll(async () => (await t.bridge.purgatory.get(dropped.token.id)).status).toBe('cancelled');

    await client.close();
    expect(stderr).not.toMatch(/error/i);
  });

  it.each([
    [{ RODIZIO_URL: 'http://127.0.0.1:9' }, 'RODIZIO_TOKEN is required'],
    [{ RODIZIO_TOKEN: RUNNER_SECRET, RODIZIO_URL: 'ftp://bridge' }, 'RODIZIO_URL must be the bridge URL'],
  ])('refuses to start when the environment is wrong, naming the variable (%o)', async (env, says) => {
    const res = await cli(['mcp'], env);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(says);
    expect(res.stdout).toBe('');
  });

  it.each([
    [['mcp', '--permission-deadline', '0'], '--permission-deadline must be a positive number of minutes'],
    [['mcp', '--progress-interval', 'soon'], '--progress-interval must be a positive number of seconds'],
  ])('refuses bad options with a usage error: %o', async (argv, says) => {
    const res = await cli(argv, { RODIZIO_TOKEN: RUNNER_SECRET });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(says);
  });
});
