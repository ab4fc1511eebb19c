import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import { renderEscalation } from '../../blocks/followups.js';
import { grantNoteText } from '../../blocks/grants.js';
import { renderPhaseCard } from '../../blocks/phase-card.js';
import { movedHereReply, renderMovedCard } from '../../blocks/reassign.js';
import { renderDecisionReply, renderPromptOverflow, renderTokenCard } from '../../blocks/token-card.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { type Token, tokenDeadlineMs } from '../domain/token.js';
import { Gate, type Gates } from '../outbox/gates.js';
import { PermanentJobError, RetryLater } from '../outbox/job-errors.js';
import { defineJob, type JobKind, type RetryPolicy } from '../outbox/worker.js';
import { phaseCardInput } from '../phase/card.js';
import type { Purgatory } from '../purgatory.js';
import { formatDuration } from '../time.js';
import type { CardStateReader } from './card-state.js';
import { NOTICE_KIND, NoticePayload } from './notice.js';
import { slackLane } from './planner.js';
import { cardChannel } from './routing.js';
import { classifySlackError, platformError } from './web-errors.js';

/** Slack calls retry for about half an hour (5xx, timeouts) before a job is marked dead. */
/**
 * Replaces a message in place through the workspace's update gate. False when the message is gone in Slack
 * (`message_not_found`); a 429 pauses the gate, and any other failure is thrown for the job to retry.
 */
export async function updateMessage(
  client: WebClient,
  gates: Gates,
  message: { channel: string; ts: string; text: string; blocks: KnownBlock[] },
): Promise<boolean> {
  await gates.take(Gate.update);
  try {
    await client.chat.update(message);
    return true;
  } catch (err) {
    if (platformError(err) === 'message_not_found') return false;
    classifySlackError(err, (ms) => gates.pause(Gate.update, ms));
  }
}

export const SLACK_RETRY: RetryPolicy = { maxAttempts: 12, baseMs: 2000, maxMs: 5 * 60_000 };

export interface SlackJobDeps {
  client: WebClient;
  clock: Clock;
  purgatory: Purgatory;
  config: Config;
  cardState: CardStateReader;
  gates: Gates;
  /** The thread a card's replies go to when the card is itself a reply (a group's thread, src/slack/grouping.ts). */
  threadRoot?: (token: Token) => Promise<string | undefined>;
}

/** `slack.card` carries nothing: it renders the token as it is when the job runs. */
const CardPayload = z.object({});
const EscalationPayload = z.object({ channel: z.string().min(1), target: z.string().nullable().optional() });
const ThreadPayload = z.object({
  text: z.string().min(1),
  broadcast: z.boolean().optional(),
  /** The decision reply: rendered when sent, so a quorum's reply names every approver; `text` is the fallback. */
  decision: z.boolean().optional(),
  /** The first reply after a channel move: rendered when sent, with a link to the card it came from. */
  moved_from: z
    .object({ channel: z.string().min(1), ts: z.string().min(1), by: z.string(), note: z.string().nullable() })
    .optional(),
});
/** A request a standing grant answered, noted in the grant's thread. */
const GrantNotePayload = z.object({ grant_id: z.string().min(1), channel: z.string().min(1), ts: z.string().min(1) });
/** The card a channel move left behind, and where the token went. */
const MovedPayload = z.object({
  channel: z.string().min(1),
  ts: z.string().min(1),
  to: z.string().min(1),
  by: z.string(),
  note: z.string().nullable(),
});

/**
 * Outbox job kinds that talk to Slack. `slack.card` posts a token's card the first time and updates it after;
 * it always renders the token as it is now, so a late or repeated job shows the latest state.
 */
export function createSlackJobs({
  client,
  clock,
  purgatory,
  config,
  cardState,
  gates,
  threadRoot,
}: SlackJobDeps): Record<string, JobKind> {
  /** One Slack call through a gate: waits its turn (RetryLater), and a 429 pauses the whole gate. */
  async function through<T>(gate: string, call: () => Promise<T>): Promise<T> {
    await gates.take(gate);
    try {
      return await call();
    } catch (err) {
      return classifySlackError(err, (ms) => gates.pause(gate, ms));
    }
  }

  /**
   * Posts the card and records where, in one transaction with the thread reply that carries a prompt too long
   * for the card, so a crash cannot keep one without the other.
   */
  async function postCard(token: Token, rendered: ReturnType<typeof renderTokenCard>, note?: string): Promise<string> {
    const channel = token.slack?.channel ?? cardChannel(config, token);
    if (!channel) throw new PermanentJobError('no channel for this token: set SLACK_CHANNEL');
    const res = await through(Gate.post(channel), () =>
      client.chat.postMessage({
        channel,
        text: rendered.text,
        blocks: rendered.blocks,
        unfurl_links: false,
        unfurl_media: false,
      }),
    );
    const posted = res.channel ?? channel;
    const threads = [note, rendered.promptOverflow ? renderPromptOverflow(rendered.promptOverflow).text : undefined];
    await purgatory.change(async (ctx) => {
      await ctx.tx.tokens.setSlackMessage(token.id, posted, res.ts as string);
      for (const text of threads) {
        if (!text) continue;
        await ctx.enqueue({
          kind: 'slack.thread',
          tokenId: token.id,
          lane: slackLane(token.id),
          gate: Gate.post(posted),
          payload: { text },
        });
      }
    });
    return posted;
  }

  /** A card someone deleted in Slack is posted again (people do delete messages); the new thread links the old. */
  async function repost(token: Token, rendered: ReturnType<typeof renderTokenCard>): Promise<string> {
    const old = token.slack as { channel: string; ts: string };
    let link: string | undefined;
    try {
      link = (await client.chat.getPermalink({ channel: old.channel, message_ts: old.ts })).permalink;
    } catch {
      link = undefined;
    }
    const note = `♻️ This card was posted again because the earlier one was deleted.${link ? ` Its thread: ${link}` : ''}`;
    return postCard(token, rendered, note);
  }

  /** A message's permalink, or null when Slack cannot give one (the reply then goes without a link). */
  async function permalinkOf(channel: string, ts: string): Promise<string | null> {
    try {
      return (await client.chat.getPermalink({ channel, message_ts: ts })).permalink ?? null;
    } catch (err) {
      classifySlackError(err);
      return null;
    }
  }

  /** The phase escalation card: how it closed comes from its last audit event, queued replies from the outbox. */
  async function renderPhase(token: Token) {
    let closedHow: string | null = null;
    if (token.status === 'resolved') closedHow = 'the agent reported PHASE:done';
    else if (token.status !== 'pending') {
      const last = (await purgatory.history(token.id)).findLast((e) => e.type === token.status);
      closedHow = typeof last?.data.reason === 'string' ? last.data.reason : token.status;
    }
    const queued = (
      await purgatory.store.outbox.list({
        tokenId: token.id,
        kind: 'phase.guidance',
        status: 'pending',
        limit: 100,
      })
    ).length;
    const input = phaseCardInput(token, config, { queued, closedHow });
    const card = input ? renderPhaseCard(input) : renderTokenCard(token, await cardState(token));
    return { ...card, promptOverflow: null };
  }

  return {
    'slack.card': defineJob({
      payload: CardPayload,
      retry: SLACK_RETRY,
      async handle({ job, logger }) {
        const token = job.token_id ? await purgatory.find(job.token_id) : undefined;
        if (!token) return logger.info('token is gone (collected); nothing to show');
        const rendered =
          token.kind === 'phase_escalation' ? await renderPhase(token) : renderTokenCard(token, await cardState(token));
        if (!token.slack) {
          const channel = await postCard(token, rendered);
          return logger.info({ channel }, 'card posted');
        }
        const { channel, ts } = token.slack;
        if (!(await updateMessage(client, gates, { channel, ts, text: rendered.text, blocks: rendered.blocks }))) {
          logger.warn({ channel, ts }, 'the card was deleted in Slack; posting it again');
          await repost(token, rendered);
        }
      },
    }),

    'slack.escalation': defineJob({
      payload: EscalationPayload,
      retry: SLACK_RETRY,
      async handle({ payload, job }) {
        const token = job.token_id ? await purgatory.find(job.token_id) : undefined;
        if (token?.status !== 'pending') return;
        let permalink: string | null = null;
        if (token.slack) {
          try {
            const res = await client.chat.getPermalink({ channel: token.slack.channel, message_ts: token.slack.ts });
            permalink = res.permalink ?? null;
          } catch (err) {
            classifySlackError(err);
          }
        }
        const deadlineMs = tokenDeadlineMs(token);
        const received = Date.parse(token.received_at);
        const message = renderEscalation(token, {
          target: payload.target ?? null,
          permalink,
          deadlineMs,
          waited: formatDuration(clock.now() - received),
        });
        const { channel } = payload;
        await through(Gate.post(channel), () => client.chat.postMessage({ channel, ...message, unfurl_links: false }));
      },
    }),

    'slack.moved': defineJob({
      payload: MovedPayload,
      retry: SLACK_RETRY,
      async handle({ job, payload, logger }) {
        const token = job.token_id ? await purgatory.find(job.token_id) : undefined;
        if (!token) return logger.info('token is gone (collected); nothing to show');
        // The new card comes first in the token's lane; link to it once it is there.
        const permalink = token.slack ? await permalinkOf(token.slack.channel, token.slack.ts) : null;
        const moved = renderMovedCard(token, await cardState(token), {
          to: payload.to,
          by: payload.by,
          note: payload.note,
          at: job.created_ms,
          permalink,
        });
        const message = { channel: payload.channel, ts: payload.ts, text: moved.text, blocks: moved.blocks };
        // Somebody deleted the old card: there is nothing left to point at the new one.
        if (!(await updateMessage(client, gates, message))) logger.info('the old card was deleted; nothing to update');
      },
    }),

    'slack.grant_note': defineJob({
      payload: GrantNotePayload,
      retry: SLACK_RETRY,
      async handle({ job, payload, logger }) {
        const token = job.token_id ? await purgatory.find(job.token_id) : undefined;
        if (!token) return logger.info('token is gone (collected); nothing to note');
        const grant = await purgatory.findGrant(payload.grant_id);
        const { channel, ts } = payload;
        await through(Gate.post(channel), () =>
          client.chat.postMessage({ channel, thread_ts: ts, text: grantNoteText(token, grant), unfurl_links: false }),
        );
      },
    }),

    /** An agent's notice (`notify_human`, `POST /v1/notify`) to a channel, outside any card. */
    [NOTICE_KIND]: defineJob({
      payload: NoticePayload,
      retry: SLACK_RETRY,
      async handle({ payload: { channel, text } }) {
        await through(Gate.post(channel), () => client.chat.postMessage({ channel, text, unfurl_links: false }));
      },
    }),

    'slack.thread': defineJob({
      payload: ThreadPayload,
      retry: SLACK_RETRY,
      async handle({ job, payload }) {
        const token = job.token_id ? await purgatory.find(job.token_id) : undefined;
        if (!token) return;
        // The card comes first in the token's lane; it is missing only while an older card job is dead.
        if (!token.slack) throw new RetryLater(60_000, 'the card is not posted yet', { countsAsAttempt: true });
        const { channel, ts } = token.slack;
        const from = payload.moved_from;
        const text =
          payload.decision && token.status !== 'pending'
            ? renderDecisionReply(token, (await cardState(token)).approvals).text
            : from
              ? movedHereReply({
                  from: from.channel,
                  by: from.by,
                  note: from.note,
                  permalink: await permalinkOf(from.channel, from.ts),
                })
              : payload.text;
        const root = (await threadRoot?.(token)) ?? ts;
        await through(Gate.post(channel), () =>
          client.chat.postMessage({
            channel,
            thread_ts: root,
            text,
            reply_broadcast: payload.broadcast === true,
            unfurl_links: false,
          }),
        );
      },
    }),
  };
}
