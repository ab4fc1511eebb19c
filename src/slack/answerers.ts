import { who } from '../../blocks/display.js';
import type { Config } from '../config.js';
import type { Token } from '../domain/token.js';
import type { SlackDirectory } from './directory.js';
import { answerersFor } from './routing.js';

export type Permission = { ok: true } | { ok: false; message: string };

/**
 * Decides who may answer (or claim, or cancel) a token: the token's allowed users and user groups, else its
 * project's, else anyone — except that whoever requested a critical token may not approve it themselves.
 */
export function createAnswererCheck(config: Config, directory: SlackDirectory) {
  return async function mayAnswer(token: Token, userId: string): Promise<Permission> {
    if (token.severity === 'critical' && token.requested_by === userId) {
      return { ok: false, message: 'You asked for this critical action, so someone else has to answer it.' };
    }
    const list = answerersFor(config, token);
    if (!list) return { ok: true };
    if (list.users.includes(userId)) return { ok: true };
    for (const group of list.groups) {
      if ((await directory.groupMembers(group)).has(userId)) return { ok: true };
    }
    const names = [...list.users.map((u) => who(u)), ...list.groups.map((g) => `<!subteam^${g}>`)];
    return { ok: false, message: `Only ${names.join(', ')} may answer this one.` };
  };
}

export type AnswererCheck = ReturnType<typeof createAnswererCheck>;
