import type { WebClient } from '@slack/web-api';
import { renderNoticeModal } from '../blocks/answer-modal.js';
import { alreadyClosedText, voteRecordedText } from '../blocks/notices.js';
import type { Token } from '../src/domain/token.js';
import type { Logger } from '../src/logger.js';
import type { AnswerOutcome } from '../src/slack/answer-service.js';
import type { HandlerDeps } from './deps.js';

/** Where the person acted: a channel (ephemeral replies work) or a view such as App Home (they do not). */
export interface Place {
  userId: string;
  channel?: string;
  triggerId?: string;
}

/** The sentence a person should see after their answer, or undefined when the card itself says it all. */
export function outcomeText(outcome: AnswerOutcome): string | undefined {
  switch (outcome.kind) {
    case 'resolved':
      return undefined;
    case 'vote':
      return voteRecordedText(outcome.option, outcome.count, outcome.needed);
    case 'closed':
      return alreadyClosedText(outcome.token);
    case 'forbidden':
    case 'invalid':
      return `${outcome.message} Nothing changed.`;
    case 'missing':
      return `This card's request (${outcome.tokenId}) no longer exists.`;
  }
}

/** Says something only the acting person sees: an ephemeral message in a channel, a small modal elsewhere. */
export async function tell(client: WebClient, place: Place, text: string, logger: Logger): Promise<void> {
  try {
    if (place.channel) {
      await client.chat.postEphemeral({ channel: place.channel, user: place.userId, text });
    } else if (place.triggerId) {
      await client.views.open({ trigger_id: place.triggerId, view: renderNoticeModal('rodizio', text) });
    }
  } catch (err) {
    logger.warn({ err, user: place.userId }, 'cannot tell the user');
  }
}

/**
 * The checks every button on a token makes before acting: the token exists, is still pending, and the
 * clicker may answer it. Tells the clicker why not and returns undefined; otherwise returns the token.
 */
export async function admitClick(
  deps: HandlerDeps,
  client: WebClient,
  place: Place,
  tokenId: string | undefined,
): Promise<Token | undefined> {
  const token = tokenId ? deps.purgatory.find(tokenId) : undefined;
  if (!token) {
    await tell(client, place, 'This request no longer exists.', deps.logger);
    return undefined;
  }
  if (token.status !== 'pending') {
    await tell(client, place, alreadyClosedText(token), deps.logger);
    return undefined;
  }
  const permission = await deps.mayAnswer(token, place.userId);
  if (!permission.ok) {
    await tell(client, place, `${permission.message} Nothing changed.`, deps.logger);
    return undefined;
  }
  return token;
}
