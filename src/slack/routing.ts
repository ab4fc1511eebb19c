import type { Config } from '../config.js';
import type { Answerers, Token } from '../domain/token.js';

/** Where a token's card goes: its own channel, its project's, or the default. */
export function cardChannel(config: Config, token: Pick<Token, 'slack_channel' | 'project'>): string | undefined {
  return (
    token.slack_channel ??
    (token.project ? config.file.projects[token.project]?.channel : undefined) ??
    config.slack?.channel
  );
}

/**
 * Where escalations go: the project's escalation channel, else the one for the token's severity, else
 * SLACK_ESCALATION_CHANNEL, else the card's own channel.
 */
export function escalationChannel(
  config: Config,
  token: Pick<Token, 'slack_channel' | 'project' | 'severity'>,
): string | undefined {
  return (
    (token.project ? config.file.projects[token.project]?.escalation_channel : undefined) ??
    config.file.severity_channels[token.severity] ??
    config.slack?.escalationChannel ??
    cardChannel(config, token)
  );
}

/** Who may answer: the token's own list, else its project's, else anyone (null). */
export function answerersFor(config: Config, token: Pick<Token, 'answerers' | 'project'>): Answerers | null {
  const list = token.answerers ?? (token.project ? config.file.projects[token.project]?.answerers : undefined) ?? null;
  if (!list || (list.users.length === 0 && list.groups.length === 0)) return null;
  return list;
}

/**
 * Thread replies answer `context_required` and `ambiguous_choice` tokens unless the token says otherwise. Never a
 * permission request's: it is answered with its buttons, so a reply cannot be read as "allow".
 */
export function threadResolves(
  token: Pick<Token, 'thread_resolves' | 'reason' | 'answer_schema' | 'required_approvals' | 'kind' | 'permission'>,
): boolean {
  if (token.kind !== 'semaphore' || token.answer_schema || token.required_approvals > 1 || token.permission) {
    return false;
  }
  return token.thread_resolves ?? (token.reason === 'context_required' || token.reason === 'ambiguous_choice');
}
