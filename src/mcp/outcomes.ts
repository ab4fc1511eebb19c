import { z } from 'zod';
import type { Reentry } from '../domain/token.js';

/** What an ask came to. `no_answer` (the deadline passed) is never a refusal: nobody said no. */
export const AskOutcome = z.enum(['answered', 'cancelled', 'no_answer']);
export type AskOutcome = z.infer<typeof AskOutcome>;

/** The structured result of `ask_human`. */
export const AskResult = z.object({
  outcome: AskOutcome,
  /** The option chosen, the text typed, or the form's object; null unless answered. */
  answer: z.unknown(),
  answered_by: z.string().nullable(),
  answered_by_name: z.string().nullable(),
  /** button, form, thread, cli, api, slash_command, deadline, grant, rule… */
  answered_via: z.string().nullable(),
  answered_at: z.string(),
  token_id: z.string(),
  /** Thread replies people left on the card. */
  notes: z.array(z.object({ by: z.string(), by_name: z.string().nullable(), text: z.string(), at: z.string() })),
  /** The answerer's edit of what was proposed, when they used Edit…. */
  edited_input: z.unknown().optional(),
  /** A reason typed with the answer (a Deny). */
  message: z.string().optional(),
});
export type AskResult = z.infer<typeof AskResult>;

const OUTCOMES: Record<Reentry['outcome'], AskOutcome> = {
  resolved: 'answered',
  cancelled: 'cancelled',
  expired: 'no_answer',
};

/** The reentry as `ask_human` returns it; `answer` maps the raw answer (defaults, titled options). */
export function askResult(reentry: Reentry, answer: (raw: unknown) => unknown = (raw) => raw): AskResult {
  const outcome = OUTCOMES[reentry.outcome];
  return {
    outcome,
    answer: outcome === 'answered' ? answer(reentry.human_input) : null,
    // Nobody answered: the bridge closing it at the deadline is not an answerer.
    answered_by: outcome === 'no_answer' ? null : reentry.answered_by,
    answered_by_name: outcome === 'no_answer' ? null : reentry.answered_by_name,
    answered_via: reentry.via,
    answered_at: reentry.answered_at,
    token_id: reentry.token_id,
    notes: reentry.notes,
    ...(reentry.edited_input !== undefined ? { edited_input: reentry.edited_input } : {}),
    ...(reentry.message !== undefined ? { message: reentry.message } : {}),
  };
}

const who = (r: { answered_by: string | null; answered_by_name: string | null }) =>
  r.answered_by_name && r.answered_by ? `${r.answered_by_name} (${r.answered_by})` : (r.answered_by ?? 'someone');

/** The same result in words, for clients that read only the text content. */
export function askResultText(result: AskResult, deadline: string | null): string {
  const lines: string[] = [];
  if (result.outcome === 'answered') {
    const answer = typeof result.answer === 'string' ? result.answer : JSON.stringify(result.answer);
    lines.push(`Answered by ${who(result)}${result.answered_via ? ` via ${result.answered_via}` : ''}: ${answer}`);
    if (result.message) lines.push(`Their reason: ${result.message}`);
  } else if (result.outcome === 'cancelled') {
    lines.push(`Cancelled by ${who(result)} before anyone answered. There is no answer; do not assume one.`);
  } else {
    lines.push(
      `No answer: nobody answered in Slack${deadline ? ` by the deadline (${deadline})` : ''}. ` +
        'This is not a refusal; decide whether to go on without it, ask again, or stop.',
    );
  }
  for (const note of result.notes) lines.push(`Note from ${note.by_name ?? note.by}: ${note.text}`);
  lines.push(`(token ${result.token_id})`);
  return lines.join('\n');
}

/** Claude Code's `--permission-prompt-tool` answer, read from the tool result's first text block. */
export const PermissionDecision = z.union([
  z.object({ behavior: z.literal('allow'), updatedInput: z.record(z.string(), z.unknown()) }),
  z.object({ behavior: z.literal('deny'), message: z.string() }),
]);
export type PermissionDecision = z.infer<typeof PermissionDecision>;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A permission request's reentry as Claude Code expects it: Deny (with the reason typed in Slack) → deny; any
 * other answer → allow with the edited input when someone used Edit…, else the input as asked; no answer by the
 * deadline and cancellations → deny with a message that says what happened, never that someone refused.
 */
export function permissionDecision(
  reentry: Reentry,
  input: Record<string, unknown>,
  deadline: string | null,
): PermissionDecision {
  if (reentry.outcome === 'expired') {
    return {
      behavior: 'deny',
      message:
        `Nobody answered in Slack${deadline ? ` by ${deadline}` : ''}, so this was not approved. ` +
        'Nobody refused it either: ask again later or continue without it.',
    };
  }
  if (reentry.outcome === 'cancelled') {
    return {
      behavior: 'deny',
      message: `The permission request was cancelled (by ${who(reentry)}) before anyone answered it.`,
    };
  }
  if (reentry.human_input === 'Deny') {
    const rule = reentry.decided_by && 'rule' in reentry.decided_by ? reentry.decided_by : undefined;
    const by = rule ? `by rodizio's rule #${rule.rule} (${rule.match})` : `in Slack by ${who(reentry)}`;
    return { behavior: 'deny', message: reentry.message || `Denied ${by}.` };
  }
  const edited = reentry.edited_input;
  if (edited !== undefined && !isRecord(edited)) {
    return {
      behavior: 'deny',
      message: 'The input was edited in Slack into something that is not a JSON object, so it cannot be used.',
    };
  }
  return { behavior: 'allow', updatedInput: edited ?? input };
}
