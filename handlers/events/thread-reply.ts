import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { queueSessionReply, sessionTarget } from '../../src/delivery/session-replies.js';
import type { EventRecorder, IntakeProcessor } from '../../src/slack/intake.js';
import { intakeKind } from '../../src/slack/intake.js';
import { threadResolves } from '../../src/slack/routing.js';
import type { HandlerDeps } from '../deps.js';
import { messageKey } from '../intake-keys.js';
import { tell } from '../tell.js';

type MessageArgs = SlackEventMiddlewareArgs<'message'> & AllMiddlewareArgs;

/** A person's reply in a card's thread, as the intake keeps it. */
export const ThreadReply = intakeKind(
  'thread_reply',
  z.object({
    token_id: z.string().min(1),
    channel: z.string().min(1),
    ts: z.string().min(1),
    user: z.string().min(1),
    text: z.string().min(1),
  }),
);
type ThreadReply = z.infer<typeof ThreadReply.schema>;

/** The fields of a `message` event that matter here; anything else (edits, bots, joins) fails to match. */
const PlainReply = z.object({
  subtype: z.never().optional(),
  bot_id: z.never().optional(),
  user: z.string().min(1),
  text: z.string().min(1),
  channel: z.string().min(1),
  ts: z.string().min(1),
  thread_ts: z.string().min(1),
});

/**
 * Runs before Bolt acks the event: a reply from a person in the thread of a pending card is recorded. Edits,
 * deletions, bots (including this one), top-level messages and replies to anything else are not.
 */
export function createThreadReplyRecorder(deps: HandlerDeps): EventRecorder {
  return async (event, { botUserId }) => {
    const parsed = PlainReply.safeParse(event);
    if (!parsed.success) return;
    const m = parsed.data;
    if (m.user === botUserId || m.thread_ts === m.ts) return;
    const token = await deps.purgatory.findBySlackMessage(m.channel, m.thread_ts);
    // A closed phase escalation's thread is recorded too, so the replier can be told nothing was forwarded.
    if (!token || (token.status !== 'pending' && token.kind !== 'phase_escalation')) return;
    await deps.intake.record(ThreadReply, messageKey(m.channel, m.ts), {
      token_id: token.id,
      channel: m.channel,
      ts: m.ts,
      user: m.user,
      text: m.text,
    });
  };
}

/** The listener: the reply was recorded before the ack (see the recorder); process it now. */
export function createThreadReplyHandler(deps: HandlerDeps) {
  return async ({ event }: MessageArgs): Promise<void> => {
    if (!('ts' in event) || !event.channel) return;
    await deps.intake.processKey(messageKey(event.channel, event.ts));
  };
}

/**
 * A reply is kept as a note for the reentry, and — for context and choice questions — the first reply from
 * someone allowed answers the token. On a phase escalation the reply is guidance for the agent's tmux session.
 */
export function createThreadReplyProcessor(deps: HandlerDeps): IntakeProcessor<ThreadReply> {
  return async (reply, ctx) => {
    const token = await deps.purgatory.find(reply.token_id);
    const retry = ctx.attempt > 1;
    if (token?.status !== 'pending' && token?.kind === 'phase_escalation') {
      await deps.phase.replyToClosed(token, { user: reply.user });
      return 'done';
    }
    if (token?.status !== 'pending') {
      // An earlier attempt may have answered with this very reply before its process stopped.
      const ours = retry && token?.answered_by === reply.user && token.human_input === reply.text;
      return ours ? 'done' : 'unchanged';
    }
    const name = await deps.directory.displayName(reply.user);
    const place = { userId: reply.user, channel: reply.channel };
    const phase = token.kind === 'phase_escalation';
    // A Claude Code notification card: replies are typed into the terminal, so only those allowed may send them.
    const terminal = sessionTarget(token) !== undefined;
    if (phase || terminal) {
      const permission = await deps.mayAnswer(token, reply.user);
      if (!permission.ok) {
        await tell(ctx.client, place, `${permission.message} Your reply was not forwarded.`, ctx.logger);
        return 'unchanged';
      }
    }
    // The message ts is the note's key: an earlier attempt that stopped after this point already kept it.
    const added = await deps.purgatory.addNote(token.id, {
      author: reply.user,
      authorName: name,
      text: reply.text,
      sourceKey: `slack:${reply.channel}:${reply.ts}`,
    });
    if (!added && !retry) return 'done';
    if (phase) {
      // The note and the guidance are two transactions committed back to back, so a note that exists means its
      // guidance was queued too — unless the process stopped between the two commits, when the guidance is lost
      // rather than repeated: queueing again on a retry could type it into the session twice.
      if (added) await deps.phase.queueGuidance(token, { user: reply.user, name, text: reply.text });
      return 'done';
    }
    if (terminal) {
      if (added) await queueSessionReply(deps.purgatory, token, { user: reply.user, text: reply.text });
      return 'done';
    }
    if (!threadResolves(token)) return 'done';

    const outcome = await deps.answers.answer({
      tokenId: token.id,
      user: reply.user,
      userName: name,
      via: 'thread',
      input: reply.text,
      isOption: token.options.includes(reply.text.trim()),
      retry,
    });
    if (outcome.kind === 'forbidden') {
      await tell(ctx.client, place, `${outcome.message} Your reply was kept as a note.`, ctx.logger);
    }
    return 'done';
  };
}
