import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import { renderDigest } from '../../blocks/digest.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Token } from '../domain/token.js';
import { Gate, type Gates } from '../outbox/gates.js';
import { defineJob, type JobKind } from '../outbox/worker.js';
import type { EffectPlanner, Purgatory } from '../purgatory.js';
import type { NewJob } from '../store/outbox.js';
import { rowToToken } from '../store/tokens.js';
import { SLACK_RETRY, updateMessage } from './jobs.js';
import { slackLane } from './planner.js';
import { cardChannel, escalationChannel } from './routing.js';
import { classifySlackError } from './web-errors.js';

export const DIGEST_FLUSH = 'slack.digest';
export const DIGEST_UPDATE = 'slack.digest_update';

/** Tokens one digest gathers at most; any beyond wait for the next interval's digest. */
export const DIGEST_MAX_TOKENS = 2000;

/**
 * The digest interval of a token that waits for its project's digest instead of a card, else undefined. Only a
 * plain `info` question one person answers in the project's own channel: a permission request, a quorum, a
 * phase escalation or a token that names its own channel keeps its card.
 */
export function digestEvery(config: Config, token: Token): number | undefined {
  if (token.severity !== 'info' || token.kind !== 'semaphore' || !token.project) return undefined;
  if (token.slack_channel || token.permission || token.required_approvals > 1 || token.slack) return undefined;
  return config.file.projects[token.project]?.digest?.every;
}

/** The end of the interval `atMs` falls in: digests go out on the interval's boundaries (every hour on the hour). */
export function digestDueAt(atMs: number, everyMs: number): number {
  return (Math.floor(atMs / everyMs) + 1) * everyMs;
}

/** Lanes: the flushes of a project run one after another; updates of its digests in a lane of their own. */
const flushLane = (project: string) => `slack:digest:${project}`;
const updateLane = (project: string) => `slack:digest-update:${project}`;

/**
 * Plans a digest token's Slack side: at create, a flush at the end of its interval; when it changes, an update
 * of the digest listing it; an escalation still goes to the on-call channel. Reminders, warnings and notes stay
 * off Slack for it: the digest is its reminder. src/slack/planner.ts posts no card for these tokens.
 */
export function createDigestPlanner(config: Config): EffectPlanner {
  return (change) => {
    const { token } = change;
    if (!token.project || token.severity !== 'info' || !config.file.projects[token.project]?.digest) return [];
    const update: NewJob = { kind: DIGEST_UPDATE, lane: updateLane(token.project), gate: Gate.update, priority: 0 };
    const every = digestEvery(config, token);
    // Moved to a channel of its own (reassigned): its line in the digest says so; its card is the planner's.
    if (every === undefined) return change.type === 'reassigned' ? [update] : [];
    const channel = cardChannel(config, token);
    if (!channel) return [];
    switch (change.type) {
      case 'created':
        return [
          {
            kind: DIGEST_FLUSH,
            lane: flushLane(token.project),
            gate: Gate.post(channel),
            runAtMs: digestDueAt(Date.parse(token.received_at), every),
            payload: { project: token.project },
          },
        ];
      case 'settled':
      case 'updated':
      case 'blocked':
      case 'reassigned':
        return [update];
      case 'escalated': {
        const to = escalationChannel(config, token) ?? channel;
        return [
          update,
          {
            kind: 'slack.escalation',
            lane: slackLane(token.id),
            gate: Gate.post(to),
            payload: { channel: to, target: change.target },
          },
        ];
      }
      default:
        return [];
    }
  };
}

/** One Slack call through a gate: waits its turn (RetryLater), and a 429 pauses the whole gate. */
export async function throughGate<T>(gates: Gates, gate: string, call: () => Promise<T>): Promise<T> {
  await gates.take(gate);
  try {
    return await call();
  } catch (err) {
    return classifySlackError(err, (ms) => gates.pause(gate, ms));
  }
}

export interface NoiseJobDeps {
  client: WebClient;
  clock: Clock;
  purgatory: Purgatory;
  config: Config;
  gates: Gates;
}

const FlushPayload = z.object({ project: z.string().min(1) });

/**
 * `slack.digest` posts one message listing the project's waiting digest tokens (the first of an interval's
 * flushes finds them; the others find none and do nothing); `slack.digest_update` re-renders the digest that
 * lists the job's token, from the store as it is when the job runs.
 */
export function createDigestJobs({ client, clock, purgatory, config, gates }: NoiseJobDeps): Record<string, JobKind> {
  const { digests } = purgatory.store;

  async function members(ids: string[]): Promise<Token[]> {
    const found = await Promise.all(ids.map((id) => purgatory.find(id)));
    return found.filter((t): t is Token => t !== undefined);
  }

  const sinceOf = (tokens: Token[]) => Math.min(...tokens.map((t) => Date.parse(t.received_at)));

  async function update(digestId: number, channel: string, ts: string, project: string) {
    const listed = await members(await digests.digestMembers(digestId));
    if (listed.length === 0) return;
    const rendered = renderDigest({ project, members: listed, sinceMs: sinceOf(listed) });
    // Deleted in Slack (false): its tokens are still in /rodizio list and App Home; a digest is not posted twice.
    await updateMessage(client, gates, { channel, ts, text: rendered.text, blocks: rendered.blocks });
  }

  return {
    [DIGEST_FLUSH]: defineJob({
      payload: FlushPayload,
      retry: SLACK_RETRY,
      async handle({ payload: { project }, logger }) {
        const rows = await digests.undigested(project, DIGEST_MAX_TOKENS);
        const tokens = rows.map(rowToToken).filter((t) => digestEvery(config, t) !== undefined);
        const first = tokens[0];
        if (!first) return;
        const channel = cardChannel(config, first);
        if (!channel) return logger.warn({ project }, 'no channel for this digest: set SLACK_CHANNEL');
        const rendered = renderDigest({ project, members: tokens, sinceMs: sinceOf(tokens) });
        const res = await throughGate(gates, Gate.post(channel), () =>
          client.chat.postMessage({ channel, text: rendered.text, blocks: rendered.blocks, unfurl_links: false }),
        );
        const posted = res.channel ?? channel;
        const ts = res.ts as string;
        const id = await digests.addDigest(
          { project, channel: posted, ts, created_ms: clock.now() },
          tokens.map((t) => t.id),
        );
        logger.info({ project, channel: posted, tokens: tokens.length }, 'digest posted');
        // Answered while the message was on its way (its update found no digest yet): show that now.
        const now = await members(tokens.map((t) => t.id));
        if (now.some((t, i) => t.status !== tokens[i]?.status)) await update(id, posted, ts, project);
      },
    }),

    [DIGEST_UPDATE]: defineJob({
      payload: z.object({}),
      retry: SLACK_RETRY,
      async handle({ job }) {
        const digest = job.token_id ? await digests.digestOf(job.token_id) : undefined;
        // Not listed yet: the flush shows the token as it is then.
        if (!digest) return;
        await update(digest.id, digest.channel, digest.ts, digest.project);
      },
    }),
  };
}
