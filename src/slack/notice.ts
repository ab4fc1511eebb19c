import { z } from 'zod';
import type { Config } from '../config.js';
import { TokenId } from '../domain/token.js';
import { ConflictError, ForbiddenError, UnavailableError } from '../errors.js';
import { Gate } from '../outbox/gates.js';
import type { Actor, Purgatory } from '../purgatory.js';
import { parseOrThrow } from '../validation.js';
import { slackLane } from './planner.js';
import { cardChannel } from './routing.js';

/** The outbox kind that posts a notice to a channel (a notice in a card's thread is a `slack.thread` job). */
export const NOTICE_KIND = 'slack.notice';

/** Slack shows up to 40,000 characters of a message; a notice is a line or a paragraph, not a log. */
export const MAX_NOTICE_TEXT = 4000;

/** `POST /v1/notify`: a message for people, posted without waiting for anyone (an agent's "done", "blocked"). */
export const NotifyBody = z
  .strictObject({
    text: z.string().trim().min(1, 'text is required').max(MAX_NOTICE_TEXT),
    /** A channel id or name; default: the project's channel, else SLACK_CHANNEL. */
    channel: z.string().min(1).max(100).optional(),
    /** Post in this token's card thread instead of a channel. */
    token_id: TokenId.optional(),
    /** Picks the project's channel when no channel is named. */
    project: z
      .string()
      .regex(/^[\w.-]{1,100}$/, 'may hold letters, digits, ".", "_" and "-" only')
      .optional(),
  })
  .refine((b) => b.token_id === undefined || (b.channel === undefined && b.project === undefined), {
    message: 'give token_id (its card thread) or channel/project, not both',
    path: ['token_id'],
  });
export type NotifyBody = z.input<typeof NotifyBody>;

/** What was queued: the channel (when known now) and the token whose thread gets it. */
export interface NotifyResult {
  queued: true;
  channel: string | null;
  token_id: string | null;
}

/**
 * Queues notices through the outbox, with an audit event, in one transaction: a notice is posted once Slack
 * takes it, through the same pacing and retries as cards.
 */
export function createNotifier(deps: { purgatory: Purgatory; config: Config }) {
  const { purgatory, config } = deps;
  return {
    async notify(raw: unknown, actor: Actor): Promise<NotifyResult> {
      const body = parseOrThrow(NotifyBody, raw, 'the body');
      if (!config.slack) throw new UnavailableError('Slack is off on this bridge: there is nowhere to post a notice');
      const text = body.text;
      if (body.token_id !== undefined) {
        const token = await purgatory.get(body.token_id);
        if (!actor.admin && token.runner !== actor.runner) {
          throw new ForbiddenError(`token ${token.id} belongs to another runner`);
        }
        const channel = token.slack?.channel ?? cardChannel(config, token);
        // A grant or a rule decides without a card; any other token has one, or its card job is queued.
        const cardless = !token.slack && (token.answered_via === 'grant' || token.answered_via === 'rule');
        if (!channel || cardless) throw new ConflictError(`token ${token.id} has no Slack card to reply under`);
        await purgatory.change(async (ctx) => {
          await ctx.enqueue({
            kind: 'slack.thread',
            tokenId: token.id,
            lane: slackLane(token.id),
            gate: Gate.post(channel),
            payload: { text },
          });
          await ctx.event({ tokenId: token.id, type: 'notified', actor: actor.runner, data: { length: text.length } });
        });
        return { queued: true, channel: token.slack?.channel ?? null, token_id: token.id };
      }
      const channel = body.channel ?? cardChannel(config, { slack_channel: null, project: body.project ?? null });
      if (!channel) throw new UnavailableError('no channel to post in: name one, or set SLACK_CHANNEL');
      await purgatory.change(async (ctx) => {
        await ctx.enqueue({
          kind: NOTICE_KIND,
          lane: `notice:${channel}`,
          gate: Gate.post(channel),
          payload: { channel, text },
        });
        await ctx.event({
          tokenId: null,
          type: 'notified',
          actor: actor.runner,
          data: { channel, length: text.length },
        });
      });
      return { queued: true, channel, token_id: null };
    },
  };
}

export type Notifier = ReturnType<typeof createNotifier>;

/** The payload of a `slack.notice` job. */
export const NoticePayload = z.object({ channel: z.string().min(1), text: z.string().min(1) });
