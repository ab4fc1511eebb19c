import type { WebClient } from '@slack/web-api';
import { renderNoticeModal } from '../blocks/answer-modal.js';
import { alreadyClosedText, voteRecordedText } from '../blocks/notices.js';
import { endSentence } from '../blocks/text.js';
import type { Token } from '../src/domain/token.js';
import type { Logger } from '../src/logger.js';
import type { AnswerAttempt, AnswerOutcome } from '../src/slack/answer-service.js';
import type { IntakeContext, IntakeResult } from '../src/slack/intake.js';
import type { HandlerDeps } from './deps.js';

/**
 * Where the person acted: a channel (ephemeral replies work) or a view such as App Home (they do not; a notice
 * modal needs a fresh trigger id, and a direct message is the fallback once it has expired).
 */
export interface Place {
  userId: string;
  channel?: string;
  triggerId?: string;
}

/** The sentence a person should see after their answer, or undefined when the card itself says it all. */
export function outcomeText(outcome: AnswerOutcome): string | undefined {
  switch (outcome.kind) {
    case 'resolved':
    case 'recorded':
      return undefined;
    case 'vote':
      return voteRecordedText(outcome.option, outcome.count, outcome.needed);
    case 'closed':
      return alreadyClosedText(outcome.token);
    case 'forbidden':
    case 'invalid':
      return `${endSentence(outcome.message)} Nothing changed.`;
    case 'missing':
      return `This card's request (${outcome.tokenId}) no longer exists.`;
  }
}

/** Whether an answer's outcome changed anything (its intake row is kept) or not (refused, too late). */
export function intakeResult(outcome: AnswerOutcome): IntakeResult {
  return outcome.kind === 'resolved' || outcome.kind === 'vote' || outcome.kind === 'recorded' ? 'done' : 'unchanged';
}

/** Who submitted a modal answer, as its intake row records it. */
export interface FormSubmitter {
  token_id: string;
  user: string;
  user_name: string | null;
  channel: string | null;
}

/**
 * Processes a recorded modal answer (a form, Edit…, Deny…, Allow for…): remembers the person's name, answers
 * through the answer service with `answer`'s input and extras, and tells the person when nothing changed.
 */
export async function answerFromForm(
  deps: HandlerDeps,
  ctx: IntakeContext,
  who: FormSubmitter,
  answer: Pick<AnswerAttempt, 'input' | 'isOption' | 'editedInput' | 'message' | 'grant'>,
): Promise<IntakeResult> {
  deps.directory.rememberName(who.user, who.user_name ?? undefined);
  const outcome = await deps.answers.answer({
    tokenId: who.token_id,
    user: who.user,
    userName: who.user_name,
    via: 'form',
    ...answer,
    retry: ctx.attempt > 1,
  });
  const text = outcomeText(outcome);
  if (text) await tell(ctx.client, { userId: who.user, channel: who.channel ?? undefined }, text, ctx.logger);
  return intakeResult(outcome);
}

/**
 * Says something only the acting person sees: an ephemeral message in a channel, else a small modal (while the
 * trigger id is fresh), else a direct message from the bot.
 */
export async function tell(client: WebClient, place: Place, text: string, logger: Logger): Promise<void> {
  try {
    if (place.channel) {
      await client.chat.postEphemeral({ channel: place.channel, user: place.userId, text });
      return;
    }
    if (place.triggerId) {
      try {
        await client.views.open({ trigger_id: place.triggerId, view: renderNoticeModal('rodizio', text) });
        return;
      } catch (err) {
        // Trigger ids live 3 seconds: after a slow permission check or a restart, a DM still reaches them.
        logger.info({ err, user: place.userId }, 'cannot open a notice modal; sending a direct message');
      }
    }
    await client.chat.postMessage({ channel: place.userId, text });
  } catch (err) {
    logger.warn({ err, user: place.userId }, 'cannot tell the user');
  }
}

/** Answers a slash command after its ack, through its `response_url` (valid 30 minutes, also after a restart). */
export async function respondEphemeral(responseUrl: string, text: string, logger: Logger): Promise<void> {
  try {
    const res = await fetch(responseUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ response_type: 'ephemeral', text }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) logger.warn({ status: res.status }, 'the response_url refused the reply');
  } catch (err) {
    logger.warn({ err }, 'cannot reply through the response_url');
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
  const token = tokenId ? await deps.purgatory.find(tokenId) : undefined;
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
    await tell(client, place, `${endSentence(permission.message)} Nothing changed.`, deps.logger);
    return undefined;
  }
  return token;
}
