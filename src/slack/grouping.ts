import { z } from 'zod';
import { renderGroupParent } from '../../blocks/group.js';
import { renderPromptOverflow, renderTokenCard } from '../../blocks/token-card.js';
import type { Config } from '../config.js';
import type { Token } from '../domain/token.js';
import { Gate } from '../outbox/gates.js';
import { PermanentJobError, RetryLater } from '../outbox/job-errors.js';
import { defineJob, type JobKind } from '../outbox/worker.js';
import type { EffectPlanner } from '../purgatory.js';
import type { GroupRow } from '../store/digests.js';
import type { CardStateReader } from './card-state.js';
import { createDigestPlanner, digestEvery, type NoiseJobDeps, throughGate } from './digest.js';
import { SLACK_RETRY, updateMessage } from './jobs.js';
import { slackLane } from './planner.js';
import { cardChannel } from './routing.js';

export const GROUP_POST = 'slack.group';
export const GROUP_PARENT = 'slack.group_parent';

/** How long a member waits for the parent message another member is posting before it looks again. */
const PARENT_WAIT_MS = 1000;

/**
 * The grouping window of a token whose card goes through its runner's group, else undefined: a question in a
 * project with `grouping`, not `critical` (that one is posted at once, on its own) and not in a digest.
 */
export function groupWindow(config: Config, token: Token): number | undefined {
  if (token.kind !== 'semaphore' || token.severity === 'critical' || !token.project) return undefined;
  if (digestEvery(config, token) !== undefined) return undefined;
  return config.file.projects[token.project]?.grouping?.window;
}

/**
 * The Slack planners with noise control: the card planner holds back the cards that digests and groups post
 * themselves (a decision made at create by a rule or grant is still noted), followed by their own planners.
 */
export function withNoiseControl(config: Config, cards: EffectPlanner): EffectPlanner[] {
  const held: EffectPlanner = (change) => {
    const { token } = change;
    const decidedAtCreate =
      change.type === 'settled' && (token.answered_via === 'rule' || token.answered_via === 'grant');
    if (!decidedAtCreate && digestEvery(config, token) !== undefined) return [];
    if (change.type === 'created' && groupWindow(config, token) !== undefined) return [];
    return cards(change);
  };
  return [held, createDigestPlanner(config), createGroupPlanner(config)];
}

const parentLane = (token: Token) => `slack:group:${token.project}:${token.runner}`;

/**
 * Plans a grouped token's Slack side: at create, `slack.group` instead of a card (src/slack/planner.ts posts
 * none); when any token of a grouping project changes, an update of its group's parent (a no-op outside one).
 */
export function createGroupPlanner(config: Config): EffectPlanner {
  return (change) => {
    const { token } = change;
    if (!token.project || !config.file.projects[token.project]?.grouping) return [];
    if (change.type === 'created') {
      const channel = cardChannel(config, token);
      if (!channel || groupWindow(config, token) === undefined) return [];
      return [{ kind: GROUP_POST, lane: slackLane(token.id), gate: Gate.post(channel) }];
    }
    if (['settled', 'updated', 'reassigned', 'escalated'].includes(change.type)) {
      return [{ kind: GROUP_PARENT, lane: parentLane(token), gate: Gate.update, priority: 0 }];
    }
    return [];
  };
}

/**
 * Where a token's thread replies go: a card inside a group's thread is itself a reply, and Slack wants the
 * thread's parent as `thread_ts`. Undefined for every other card.
 */
export function createThreadRoot(purgatory: NoiseJobDeps['purgatory']) {
  return async (token: Token): Promise<string | undefined> => {
    const group = await purgatory.store.digests.groupOf(token.id);
    if (!group?.parent_ts || token.slack?.channel !== group.channel) return undefined;
    return group.parent_ts;
  };
}

/**
 * `slack.group` posts a grouped token's card. The first token of a runner opens a group and waits a window for
 * more; then a lone token is posted on its own as usual, while several get a parent message ("3 questions from
 * nightly-migrator", posted by whichever member claims it first) and their cards in its thread. A token arriving
 * later, while the group is still within a window of its last arrival, joins the thread at once.
 * `slack.group_parent` re-renders the parent as members join and are answered.
 */
export function createGroupJobs(deps: NoiseJobDeps & { cardState: CardStateReader }): Record<string, JobKind> {
  const { client, clock, purgatory, config, gates, cardState } = deps;
  const { digests } = purgatory.store;

  /** Posts the card (top-level, or into `threadTs`) and records where, with the overflow reply, in one go. */
  async function postCard(token: Token, channel: string, threadTs?: string): Promise<void> {
    // Not recorded as posted yet, so the state cannot tell: a card posted into a thread is in the group's thread.
    const rendered = renderTokenCard(token, { ...(await cardState(token)), inGroupThread: threadTs !== undefined });
    const res = await throughGate(gates, Gate.post(channel), () =>
      client.chat.postMessage({
        channel,
        ...(threadTs ? { thread_ts: threadTs } : {}),
        text: rendered.text,
        blocks: rendered.blocks,
        unfurl_links: false,
        unfurl_media: false,
      }),
    );
    const posted = res.channel ?? channel;
    await purgatory.change(async (ctx) => {
      await ctx.tx.tokens.setSlackMessage(token.id, posted, res.ts as string);
      if (rendered.promptOverflow) {
        await ctx.enqueue({
          kind: 'slack.thread',
          tokenId: token.id,
          lane: slackLane(token.id),
          gate: Gate.post(posted),
          payload: { text: renderPromptOverflow(rendered.promptOverflow).text },
        });
      }
      if (threadTs)
        await ctx.enqueue({ kind: GROUP_PARENT, tokenId: token.id, lane: parentLane(token), gate: Gate.update });
    });
  }

  async function membersOf(group: GroupRow): Promise<Token[]> {
    const found = await Promise.all((await digests.groupMembers(group.id)).map((id) => purgatory.find(id)));
    return found.filter((t): t is Token => t !== undefined);
  }

  /**
   * The open group this token joins, or a new one it opens, in one transaction so two arrivals agree. Times are
   * the token's arrival, not the job's run, so a busy outbox does not split a group.
   */
  function joinGroup(token: Token, channel: string, window: number): Promise<GroupRow> {
    const at = Date.parse(token.received_at);
    return purgatory.change(async ({ tx }) => {
      const open =
        (await tx.digests.openGroup(token.project as string, token.runner, channel, at - window)) ??
        (await tx.digests.createGroup({ project: token.project as string, runner: token.runner, channel, nowMs: at }));
      await tx.digests.join(open.id, token.id, at);
      return (await tx.digests.groupOf(token.id)) as GroupRow;
    });
  }

  return {
    [GROUP_POST]: defineJob({
      payload: z.object({}),
      retry: SLACK_RETRY,
      async handle({ job, logger }) {
        const token = job.token_id ? await purgatory.find(job.token_id) : undefined;
        if (!token) return logger.info('token is gone (collected); nothing to show');
        if (token.slack) return;
        const channel = cardChannel(config, token);
        if (!channel) throw new PermanentJobError('no channel for this token: set SLACK_CHANNEL');
        const window = groupWindow(config, token);
        if (window === undefined) return postCard(token, channel);
        const group = (await digests.groupOf(token.id)) ?? (await joinGroup(token, channel, window));
        if (group.parent_ts) return postCard(token, group.channel, group.parent_ts);
        if (group.closed) return postCard(token, channel);
        const gathered = group.opened_ms + window;
        const now = clock.now();
        if (now < gathered) throw new RetryLater(gathered - now, 'gathering the runner’s questions');
        if (await digests.closeLone(group.id)) return postCard(token, channel);
        if (!(await digests.claimPoster(group.id, token.id))) {
          throw new RetryLater(PARENT_WAIT_MS, 'another question of the group is posting its parent message');
        }
        const parent = renderGroupParent({
          runner: token.runner,
          project: group.project,
          members: await membersOf(group),
        });
        const res = await throughGate(gates, Gate.post(group.channel), () =>
          client.chat.postMessage({
            channel: group.channel,
            text: parent.text,
            blocks: parent.blocks,
            unfurl_links: false,
          }),
        );
        await digests.setParent(group.id, res.ts as string);
        logger.info({ channel: group.channel, group: group.id }, 'group parent posted');
        await postCard(token, group.channel, res.ts as string);
      },
    }),

    [GROUP_PARENT]: defineJob({
      payload: z.object({}),
      retry: SLACK_RETRY,
      async handle({ job }) {
        const group = job.token_id ? await digests.groupOf(job.token_id) : undefined;
        if (!group?.parent_ts) return;
        const parent = renderGroupParent({
          runner: group.runner,
          project: group.project,
          members: await membersOf(group),
        });
        await updateMessage(client, gates, {
          channel: group.channel,
          ts: group.parent_ts,
          text: parent.text,
          blocks: parent.blocks,
        });
      },
    }),
  };
}
