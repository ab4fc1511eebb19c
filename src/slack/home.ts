import type { WebClient } from '@slack/web-api';
import { HOME_LIMIT, renderHome } from '../../blocks/home.js';
import type { Token } from '../domain/token.js';
import type { Logger } from '../logger.js';
import type { Purgatory } from '../purgatory.js';
import type { AnswererCheck } from './answerers.js';
import type { CardStateReader } from './card-state.js';

/** How many pending tokens App Home looks through for ones this person may answer. */
const SCAN = 1000;

/** Finds the pending tokens a person may answer, newest first (for App Home and `/rodizio list`). */
export async function answerableBy(
  purgatory: Purgatory,
  mayAnswer: AnswererCheck,
  userId: string,
  limit: number,
): Promise<{ tokens: Token[]; total: number }> {
  const { tokens } = await purgatory.list({ status: 'pending', limit: SCAN });
  const mine: Token[] = [];
  for (const token of tokens) {
    if (token.kind === 'semaphore' && (await mayAnswer(token, userId)).ok) mine.push(token);
  }
  return { tokens: mine.slice(0, limit), total: mine.length };
}

/** Publishes a person's App Home: the pending tokens they may answer, with their buttons. */
export function createHomePublisher(deps: {
  purgatory: Purgatory;
  mayAnswer: AnswererCheck;
  cardState: CardStateReader;
  logger: Logger;
}) {
  return async function publishHome(client: WebClient, userId: string): Promise<void> {
    const { tokens, total } = await answerableBy(deps.purgatory, deps.mayAnswer, userId, HOME_LIMIT);
    const view = renderHome(
      await Promise.all(tokens.map(async (token) => ({ token, state: await deps.cardState(token) }))),
      total,
      await deps.purgatory.liveGrants(),
    );
    try {
      await client.views.publish({ user_id: userId, view });
    } catch (err) {
      deps.logger.warn({ err, user: userId }, 'cannot publish App Home');
    }
  };
}

export type HomePublisher = ReturnType<typeof createHomePublisher>;
