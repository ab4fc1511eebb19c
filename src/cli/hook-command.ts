import { execFile } from 'node:child_process';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { SessionTarget } from '../delivery/session-replies.js';
import { runClaudeCodeHook } from '../mcp/claude-hook.js';
import { agentClient } from '../mcp/connection.js';
import { createHttpBackend } from '../mcp/http-backend.js';
import type { Command } from './command.js';
import { positiveOption } from './mcp-command.js';

/** Claude Code's default timeout for a command hook in older releases (newer ones allow 600 s): set it to match. */
export const DEFAULT_HOOK_TIMEOUT_SECONDS = 60;

/** A hook input is one JSON object; a Write's content can be large, but not this large. */
const MAX_STDIN_BYTES = 16 * 1024 * 1024;

/** All of stdin, as Claude Code writes it and closes it. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_STDIN_BYTES) throw new Error(`stdin is larger than ${MAX_STDIN_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const run = promisify(execFile);

/**
 * The tmux pane this hook runs in, when Claude Code runs in tmux: `$TMUX_PANE` is the pane, tmux names its
 * session, and the host is RODIZIO_HOST_ID (else this machine's name, the bridge's default too), so only a bridge
 * on this machine types into it. Undefined outside tmux, or when tmux cannot say.
 */
export async function locateTmuxPane(env: Record<string, string | undefined>): Promise<SessionTarget | undefined> {
  const pane = env.TMUX_PANE;
  if (!env.TMUX || !pane) return undefined;
  try {
    // $TMUX (inherited from Claude Code) tells the tmux client which server the pane is on.
    const { stdout } = await run('tmux', ['display-message', '-p', '-t', pane, '#{pane_pid} #{session_name}'], {
      env,
      timeout: 5000,
    });
    const [, pid, session] = /^(\d+) (.+)$/.exec(stdout.trim()) ?? [];
    const found = SessionTarget.safeParse({
      session,
      pane,
      pane_pid: Number(pid),
      host: env.RODIZIO_HOST_ID ?? hostname(),
    });
    return found.success ? found.data : undefined;
  } catch {
    return undefined;
  }
}

export const hookCommand: Command = {
  name: 'hook',
  summary: "Answer Claude Code's hooks from Slack: PreToolUse asks people, Notification tells them",
  usage: 'rodizio hook claude-code [--tools Bash,Edit,Write] [--timeout <seconds>] [--project <name>] [--channel <id>]',
  details: [
    "For Claude Code's hooks settings (a command hook). Reads the hook input on stdin; for PreToolUse on the tools",
    'named by --tools (all when omitted) it asks in Slack and prints the allow/deny decision; when nobody answers',
    `before --timeout (the hook's own timeout in settings.json, default ${DEFAULT_HOOK_TIMEOUT_SECONDS}) it answers "ask" so the`,
    'terminal prompt takes over. Notification events are posted to Slack; when Claude Code runs in tmux, replies in',
    "the card's thread are typed into its pane (by a bridge on this machine). Other events pass through.",
    'Reaches the bridge at RODIZIO_URL with RODIZIO_TOKEN, like `rodizio mcp`. Exit 0 with JSON on stdout;',
    'exit 1 (a non-blocking error for Claude Code) when the input or the environment is wrong.',
  ].join('\n'),
  options: {
    tools: { type: 'string' },
    timeout: { type: 'string' },
    project: { type: 'string' },
    channel: { type: 'string' },
  },
  positionals: 1,
  async run({ positionals, values, io }) {
    // Exit 2 would block the tool call in Claude Code: mistakes here are reported with exit 1 instead.
    if (positionals[0] !== 'claude-code') {
      io.stderr(`rodizio hook: unknown hook kind "${positionals[0]}" (the one kind is claude-code)\n`);
      return 1;
    }
    let timeoutSeconds: number;
    try {
      timeoutSeconds = positiveOption(values, 'timeout', 'seconds') ?? DEFAULT_HOOK_TIMEOUT_SECONDS;
    } catch (err) {
      io.stderr(`rodizio hook: ${(err as Error).message}\n`);
      return 1;
    }
    const tools =
      typeof values.tools === 'string'
        ? values.tools
            .split(',')
            .map((t) => t.trim())
            .filter(Boolean)
        : undefined;
    if (tools?.length === 0) {
      io.stderr('rodizio hook: --tools names tools separated by commas (e.g. Bash,Edit,Write)\n');
      return 1;
    }
    const backend = createHttpBackend(agentClient(io.env));
    const result = await runClaudeCodeHook(await readStdin(), {
      backend,
      tools,
      timeoutMs: timeoutSeconds * 1000,
      // Claude Code's timeout started when it spawned this process: count the start-up too.
      elapsedMs: () => performance.now(),
      project: values.project as string | undefined,
      channel: values.channel as string | undefined,
      terminal: () => locateTmuxPane(io.env),
    });
    if (result.output) io.stdout(`${JSON.stringify(result.output)}\n`);
    if (result.stderr) io.stderr(result.stderr);
    return result.exitCode;
  },
};
