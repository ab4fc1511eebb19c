import type { WebClient } from '@slack/web-api';
import { renderEscalation } from '../../blocks/followups.js';
import { renderPhaseCard } from '../../blocks/phase-card.js';
import { renderPromptOverflow, renderTokenCard } from '../../blocks/token-card.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Token } from '../domain/token.js';
import type { JobKind, RetryPolicy } from '../outbox/worker.js';
import { phaseCardInput } from '../phase/card.js';
import type { Purgatory } from '../purgatory.js';
import { formatDuration, parseIsoTime } from '../time.js';
import type { CardStateReader } from './card-state.js';
import type { ChannelPacer } from './pacer.js';
import { cardChannel } from './routing.js';
import { classifySlackError } from './web-errors.js';

/** Slack calls retry for about half an hour (5xx, timeouts) before a job is marked dead. */
export const SLACK_RETRY: RetryPolicy = { maxAttempts: 12, baseMs: 2000, maxMs: 5 * 60_000 };

export interface SlackJobDeps {
  client: WebClient;
  clock: Clock;
  purgatory: Purgatory;
  config: Config;
  cardState: CardStateReader;
  pacer: ChannelPacer;
}

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
  pacer,
}: SlackJobDeps): Record<string, JobKind> {
  async function post(channel: string, call: () => Promise<void>): Promise<void> {
    pacer.take(channel);
    try {
      await call();
    } catch (err) {
      classifySlackError(err, (ms) => pacer.pause(channel, ms));
    }
  }

  /** The phase escalation card: how it closed comes from its last audit event, queued replies from the outbox. */
  function renderPhase(token: Token) {
    let closedHow: string | null = null;
    if (token.status === 'resolved') closedHow = 'the agent reported PHASE:done';
    else if (token.status !== 'pending') {
      const last = purgatory.history(token.id).findLast((e) => e.type === token.status);
      closedHow = typeof last?.data.reason === 'string' ? last.data.reason : token.status;
    }
    const queued = purgatory.stores.outbox.list({
      tokenId: token.id,
      kind: 'phase.guidance',
      status: 'pending',
      limit: 100,
    }).length;
    const input = phaseCardInput(token, config, { queued, closedHow });
    const card = input ? renderPhaseCard(input) : renderTokenCard(token, cardState(token));
    return { ...card, promptOverflow: null };
  }

  return {
    'slack.card': {
      retry: SLACK_RETRY,
      async handle({ job, logger }) {
        const token = job.token_id ? purgatory.find(job.token_id) : undefined;
        if (!token) return logger.info('token is gone (collected); nothing to show');
        const rendered =
          token.kind === 'phase_escalation' ? renderPhase(token) : renderTokenCard(token, cardState(token));
        const message = { text: rendered.text, blocks: rendered.blocks };
        if (token.slack) {
          try {
            await client.chat.update({ channel: token.slack.channel, ts: token.slack.ts, ...message });
          } catch (err) {
            classifySlackError(err, (ms) => pacer.pause(token.slack?.channel ?? '', ms));
          }
          return;
        }
        const channel = cardChannel(config, token);
        if (!channel) throw new Error('no channel for this token: set SLACK_CHANNEL');
        await post(channel, async () => {
          const res = await client.chat.postMessage({ channel, ...message, unfurl_links: false, unfurl_media: false });
          purgatory.setSlackMessage(token.id, res.channel ?? channel, res.ts as string);
          logger.info({ channel: res.channel, ts: res.ts }, 'card posted');
        });
        if (rendered.promptOverflow) {
          purgatory.stores.outbox.enqueue(
            {
              kind: 'slack.thread',
              tokenId: token.id,
              lane: job.lane,
              payload: { text: renderPromptOverflow(rendered.promptOverflow).text },
            },
            clock.now(),
          );
        }
      },
    },

    'slack.escalation': {
      retry: SLACK_RETRY,
      async handle({ payload, job }) {
        const token = job.token_id ? purgatory.find(job.token_id) : undefined;
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
        const deadlineMs = token.deadline ? (parseIsoTime(token.deadline) ?? null) : null;
        const received = Date.parse(token.received_at);
        const message = renderEscalation(token, {
          target: typeof payload.target === 'string' ? payload.target : null,
          permalink,
          deadlineMs,
          waited: formatDuration(clock.now() - received),
        });
        const channel = String(payload.channel);
        await post(channel, async () => {
          await client.chat.postMessage({ channel, ...message, unfurl_links: false });
        });
      },
    },

    'slack.thread': {
      retry: SLACK_RETRY,
      async handle({ job, payload }) {
        const token = job.token_id ? purgatory.find(job.token_id) : undefined;
        if (!token) return;
        if (!token.slack) throw new Error('the card is not posted yet');
        const { channel, ts } = token.slack;
        await post(channel, async () => {
          await client.chat.postMessage({
            channel,
            thread_ts: ts,
            text: String(payload.text),
            reply_broadcast: payload.broadcast === true,
            unfurl_links: false,
          });
        });
      },
    },
  };
}
