import { escapeMrkdwn } from '../../blocks/text.js';
import type { Config } from '../config.js';
import type { Token } from '../domain/token.js';
import { answerersFor } from '../slack/routing.js';

/** How an escalation target appears in Slack, and whether rodizio knew who it was. */
export interface Mention {
  text: string;
  known: boolean;
}

/** A Slack id as a mention: users `<@U…>`, user groups `<!subteam^S…>`, channels `<#C…>`. */
export function mentionForId(id: string): string | undefined {
  if (/^[UW][A-Z0-9]{2,}$/.test(id)) return `<@${id}>`;
  if (/^S[A-Z0-9]{2,}$/.test(id)) return `<!subteam^${id}>`;
  if (/^[CG][A-Z0-9]{2,}$/.test(id)) return `<#${id}>`;
  return undefined;
}

/**
 * The token's `escalation` target (or its project's on-call) as a mention. Names are looked up in the config
 * file's `escalation_targets`; a name nobody mapped is shown as plain text (and reported as unknown).
 */
export function escalationMention(config: Config, token: Pick<Token, 'escalation' | 'project'>): Mention | null {
  const name = token.escalation ?? (token.project ? config.file.projects[token.project]?.oncall : undefined) ?? null;
  if (!name) return null;
  const id = config.file.escalation_targets[name] ?? name;
  const mention = mentionForId(id);
  return mention ? { text: mention, known: true } : { text: escapeMrkdwn(name), known: false };
}

/** Who may answer, as mentions; null when anyone in the channel may. */
export function answerersMention(config: Config, token: Pick<Token, 'answerers' | 'project'>): string | null {
  const list = answerersFor(config, token);
  if (!list) return null;
  return [...list.users.map((u) => `<@${u}>`), ...list.groups.map((g) => `<!subteam^${g}>`)].join(' ');
}
