import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { threadResolves } from '../../src/slack/routing.js';
import type { HandlerDeps } from '../deps.js';
import { tell } from '../tell.js';

type MessageArgs = SlackEventMiddlewareArgs<'message'> & AllMiddlewareArgs;

/**
 * A reply in a card's thread: kept as a note for the reentry (once, however often Slack retries the event),
 * and — for context and choice questions — the first reply from someone allowed answers the token. On a
 * phase escalation the reply is guidance for the agent's tmux session.
 * Edits, deletions, bots (including this one) and top-level messages are ignored.
 */
export function createThreadReplyHandler(deps: HandlerDeps) {
  return async ({ event, client, context }: MessageArgs): Promise<void> => {
    if (event.subtype !== undefined || !('user' in event) || !event.user) return;
    if ('bot_id' in event && event.bot_id) return;
    if (event.user === context.botUserId) return;
    const threadTs = 'thread_ts' in event ? event.thread_ts : undefined;
    if (!threadTs || threadTs === event.ts || !event.text) return;

    const token = deps.purgatory.findBySlackMessage(event.channel, threadTs);
    if (token?.status !== 'pending') return;
    const name = await deps.directory.displayName(event.user);
    const phase = token.kind === 'phase_escalation';
    if (phase) {
      const permission = await deps.mayAnswer(token, event.user);
      if (!permission.ok) {
        const place = { userId: event.user, channel: event.channel };
        await tell(client, place, `${permission.message} Your reply was not forwarded.`, deps.logger);
        return;
      }
    }
    // Recorded once however often Slack retries the event: the message ts is the note's key.
    const added = deps.purgatory.addNote(token.id, {
      author: event.user,
      authorName: name,
      text: event.text,
      sourceKey: `slack:${event.channel}:${event.ts}`,
    });
    if (!added) return;
    if (phase) {
      deps.phase.queueGuidance(token, { user: event.user, name, text: event.text });
      return;
    }
    if (!threadResolves(token)) return;

    const outcome = await deps.answers.answer({
      tokenId: token.id,
      user: event.user,
      userName: name,
      via: 'thread',
      input: event.text,
      isOption: token.options.includes(event.text.trim()),
    });
    if (outcome.kind === 'forbidden') {
      await tell(
        client,
        { userId: event.user, channel: event.channel },
        `${outcome.message} Your reply was kept as a note.`,
        deps.logger,
      );
    }
  };
}
