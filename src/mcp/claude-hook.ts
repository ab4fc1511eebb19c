import { z } from 'zod';
import type { SessionTarget } from '../delivery/session-replies.js';
import type { Reentry, Token, TokenInput } from '../domain/token.js';
import { parseJsonText } from '../json.js';
import type { RodizioBackend } from './backend.js';
import { describeBackendError } from './errors.js';
import { decidedAtCreate } from './wait.js';

/**
 * What Claude Code writes on a command hook's stdin (its hooks reference): the fields every event has, plus
 * PreToolUse's tool call and Notification's message. Unknown fields are kept out of the way, not refused, so a
 * newer Claude Code does not break the hook.
 */
export const ClaudeHookInput = z.looseObject({
  session_id: z.string(),
  transcript_path: z.string().optional(),
  cwd: z.string().optional(),
  permission_mode: z.string().optional(),
  hook_event_name: z.string(),
  tool_name: z.string().optional(),
  tool_input: z.record(z.string(), z.unknown()).optional(),
  tool_use_id: z.string().optional(),
  message: z.string().optional(),
  title: z.string().optional(),
  notification_type: z.string().optional(),
});
export type ClaudeHookInput = z.infer<typeof ClaudeHookInput>;

export type PermissionDecisionName = 'allow' | 'deny' | 'ask';

/** PreToolUse decision control, as Claude Code reads it from stdout (exit code 0). */
export interface PreToolUseOutput {
  hookSpecificOutput: {
    hookEventName: 'PreToolUse';
    permissionDecision: PermissionDecisionName;
    permissionDecisionReason: string;
    updatedInput?: Record<string, unknown>;
  };
}

export interface HookOptions {
  backend: RodizioBackend;
  /** Tools to ask about (exact names, `*` for all); undefined: all. */
  tools?: readonly string[];
  /** The hook's timeout in Claude Code's settings (its `timeout`, seconds), in ms. */
  timeoutMs: number;
  /** How long ago Claude Code started this hook (its timeout runs from then), in ms. */
  elapsedMs: () => number;
  project?: string;
  channel?: string;
  /** Finds the tmux pane Claude Code runs in (undefined outside tmux); asked only for a Notification. */
  terminal?: () => Promise<SessionTarget | undefined>;
  /** A signal that aborts after `ms` (tests end the wait themselves instead of sleeping). */
  timeout?: (ms: number) => AbortSignal;
}

/** What the command prints and exits with: a decision on stdout (exit 0), or a complaint on stderr (exit 1). */
export interface HookResult {
  exitCode: number;
  output?: PreToolUseOutput;
  stderr?: string;
}

/** Time kept back for answering once the wait ends: start-up, the cancel call, writing the decision. */
export function answerMarginMs(timeoutMs: number): number {
  return Math.min(5000, timeoutMs / 4);
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const who = (r: Reentry) =>
  r.answered_by_name && r.answered_by ? `${r.answered_by_name} (${r.answered_by})` : (r.answered_by ?? 'someone');
const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;

function decision(
  permissionDecision: PermissionDecisionName,
  reason: string,
  updatedInput?: unknown,
): PreToolUseOutput {
  return {
    hookSpecificOutput: {
      hookEventName: 'PreToolUse',
      permissionDecision,
      permissionDecisionReason: reason,
      ...(isRecord(updatedInput) ? { updatedInput } : {}),
    },
  };
}

/** A reentry as a PreToolUse decision: Deny → deny (with the reason), another answer → allow, no answer → ask. */
export function hookDecision(reentry: Reentry): PreToolUseOutput {
  if (reentry.outcome === 'cancelled') {
    return decision('ask', `The request was cancelled in rodizio (token ${reentry.token_id}) before anyone answered.`);
  }
  if (reentry.outcome === 'expired') {
    return decision('ask', `Nobody answered in Slack before the deadline (token ${reentry.token_id}).`);
  }
  const rule = reentry.decided_by && 'rule' in reentry.decided_by ? reentry.decided_by : undefined;
  const grant = reentry.decided_by && 'grant_id' in reentry.decided_by ? reentry.decided_by : undefined;
  const by = rule
    ? `by rodizio's rule #${rule.rule} (${rule.match})`
    : grant
      ? `by a standing grant made in Slack (until ${grant.expires_at})`
      : `in Slack by ${who(reentry)}`;
  if (reentry.human_input === 'Deny') return decision('deny', reentry.message || `Denied ${by}.`);
  const edited = reentry.edited_input !== undefined;
  if (edited && !isRecord(reentry.edited_input)) {
    return decision('ask', 'The input was edited in Slack into something that is not a JSON object; asking here.');
  }
  return decision('allow', `Allowed ${by}${edited ? ', with the input they edited' : ''}.`, reentry.edited_input);
}

function selected(tools: readonly string[] | undefined, tool: string): boolean {
  return tools === undefined || tools.includes('*') || tools.includes(tool);
}

/** The card's prompt: where the request comes from, and what happens when nobody answers in time. */
function cardPrompt(input: ClaudeHookInput, budgetMs: number): string {
  const where = input.cwd ? ` in \`${input.cwd}\`` : '';
  return `Claude Code${where} asks to use ${input.tool_name}. If nobody answers within ${seconds(budgetMs)}, Claude Code asks in its terminal instead.`;
}

async function preToolUse(input: ClaudeHookInput, options: HookOptions): Promise<HookResult> {
  const { backend } = options;
  if (!input.tool_name || !input.tool_input) {
    return { exitCode: 1, stderr: 'rodizio hook: a PreToolUse input needs tool_name and tool_input\n' };
  }
  if (!selected(options.tools, input.tool_name)) return { exitCode: 0 };
  const budgetMs = Math.floor(options.timeoutMs - answerMarginMs(options.timeoutMs) - options.elapsedMs());
  if (budgetMs <= 0) {
    const reason = `No time to ask in Slack within the hook's ${seconds(options.timeoutMs)} timeout; asking here.`;
    return { exitCode: 0, output: decision('ask', reason) };
  }
  const token: TokenInput = {
    reason: 'approval_needed',
    prompt: cardPrompt(input, budgetMs),
    permission: {
      tool_name: input.tool_name,
      // Parsed from JSON text, so JSON values; the bridge checks it against TokenInput again.
      input: input.tool_input as NonNullable<TokenInput['permission']>['input'],
      ...(input.tool_use_id ? { tool_use_id: input.tool_use_id } : {}),
    },
    project: options.project ?? null,
    slack_channel: options.channel ?? null,
  };
  let created: Token;
  try {
    created = await backend.create(token);
  } catch (err) {
    return {
      exitCode: 0,
      output: decision('ask', `rodizio could not ask in Slack (${describeBackendError(err)}); asking here.`),
    };
  }
  const atOnce = decidedAtCreate(created);
  if (atOnce) return { exitCode: 0, output: hookDecision(atOnce) };
  const tokenId = created.id;
  const timeUp = (options.timeout ?? AbortSignal.timeout)(budgetMs);
  try {
    return { exitCode: 0, output: hookDecision(await backend.wait(tokenId, timeUp)) };
  } catch (err) {
    if (!timeUp.aborted) {
      const reason = `Asked in Slack but lost the answer (${describeBackendError(err)}); asking here.`;
      return { exitCode: 0, output: decision('ask', reason) };
    }
  }
  return { exitCode: 0, output: await handOver(backend, tokenId, budgetMs) };
}

/**
 * The hook's time is up: cancel the card (an answer that came first still counts), say on it that the terminal
 * asks now, and answer "ask" so Claude Code's own prompt takes over.
 */
async function handOver(backend: RodizioBackend, tokenId: string, budgetMs: number): Promise<PreToolUseOutput> {
  const reason = `Nobody answered in Slack within ${seconds(budgetMs)} (rodizio token ${tokenId}); asking here instead.`;
  let stood: Reentry | undefined;
  try {
    stood = await backend.cancel(tokenId, "the hook's timeout ran out: Claude Code asks in its terminal");
  } catch {
    return decision('ask', reason);
  }
  if (stood && stood.outcome !== 'cancelled') return hookDecision(stood);
  await backend
    .notify({
      token_id: tokenId,
      text: `⏱️ Nobody answered within ${seconds(budgetMs)}: Claude Code is asking in its terminal instead.`,
    })
    .catch(() => {});
  return decision('ask', reason);
}

/** How long a Notification card takes thread replies for the session, unless someone clicks Done first. */
export const NOTIFICATION_OPEN_MS = 12 * 60 * 60_000;

/**
 * Notification: in tmux, a card whose thread replies the bridge types into Claude Code's pane (it stays open
 * for NOTIFICATION_OPEN_MS, or until Done); elsewhere a message that says replies cannot reach the session.
 */
async function notification(input: ClaudeHookInput, options: HookOptions): Promise<HookResult> {
  if (!input.message) return { exitCode: 0 };
  const title = input.title ?? 'Claude Code';
  const where = input.cwd ? ` (\`${input.cwd}\`)` : '';
  const text = `🔔 *${title}*${where}: ${input.message}`;
  const place = options.channel ? { channel: options.channel } : options.project ? { project: options.project } : {};
  const { backend } = options;
  try {
    const terminal = await options.terminal?.();
    if (!terminal) {
      await backend.notify({
        text: `${text}\n_Not running in tmux: replies here cannot reach the session._`,
        ...place,
      });
      return { exitCode: 0 };
    }
    await backend.create({
      reason: 'context_required',
      prompt: `${text}\nReply in this thread to type into the session (tmux \`${terminal.session}\`, pane ${terminal.pane}); *Done* closes this card.`,
      options: ['Done'],
      // Every reply is typed into the pane; none of them answers the card.
      thread_resolves: false,
      deadline: new Date(backend.now() + NOTIFICATION_OPEN_MS).toISOString(),
      expiry_policy: 'expire',
      original_event: {
        claude_code: {
          hook_event_name: input.hook_event_name,
          session_id: input.session_id,
          ...(input.cwd ? { cwd: input.cwd } : {}),
          ...(input.notification_type ? { notification_type: input.notification_type } : {}),
          tmux: {
            session: terminal.session,
            pane: terminal.pane,
            pane_pid: terminal.pane_pid,
            ...(terminal.host ? { host: terminal.host } : {}),
          },
        },
      },
      project: options.project ?? null,
      slack_channel: options.channel ?? null,
    });
    return { exitCode: 0 };
  } catch (err) {
    return { exitCode: 1, stderr: `rodizio hook: could not post the notification: ${describeBackendError(err)}\n` };
  }
}

/**
 * One run of `rodizio hook claude-code`: PreToolUse on a selected tool asks in Slack and decides allow / deny /
 * ask; Notification is posted to Slack; other events pass through untouched (exit 0, no output).
 */
export async function runClaudeCodeHook(stdin: string, options: HookOptions): Promise<HookResult> {
  let parsed: ClaudeHookInput;
  try {
    parsed = ClaudeHookInput.parse(parseJsonText(stdin, 'the hook input'));
  } catch (err) {
    const detail = err instanceof z.ZodError ? z.prettifyError(err) : (err as Error).message;
    return { exitCode: 1, stderr: `rodizio hook: stdin is not a Claude Code hook input: ${detail}\n` };
  }
  switch (parsed.hook_event_name) {
    case 'PreToolUse':
      return preToolUse(parsed, options);
    case 'Notification':
      return notification(parsed, options);
    default:
      return { exitCode: 0 };
  }
}
