import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Token } from '../domain/token.js';
import type { Logger } from '../logger.js';
import type { Purgatory } from '../purgatory.js';
import { escalationChannel } from '../slack/routing.js';
import { rowToToken } from '../store/tokens.js';
import { answerersMention, escalationMention } from './mentions.js';
import { effectivePolicy } from './policy.js';

export type DeadlineAction = 'escalated' | 'expired' | 'resolved' | 'none';

export type ClaimResult =
  | { kind: 'claimed'; token: Token; untilMs: number }
  | { kind: 'taken'; token: Token; by: string; untilMs: number }
  | { kind: 'closed'; token: Token }
  | { kind: 'missing' };

export interface FollowupDeps {
  /**
   * Its `store.followups` picks due tokens (outside any transaction). Each action's compare-and-set goes through
   * the change's `ctx.tx.followups`, so it commits with the action's event and jobs.
   */
  purgatory: Purgatory;
  config: Config;
  clock: Clock;
  logger: Logger;
}

/**
 * The follow-up rules as single actions on one token. Each records its action once — a compare-and-set on
 * the token's follow-up columns, an audit event and the planned side effects in one transaction — so a sweep
 * that runs twice, or two processes sweeping at once, act once.
 */
export function createFollowupRules({ purgatory, config, clock, logger }: FollowupDeps) {
  const { followups } = config;

  return {
    /** A pending token past its deadline: escalate (stays pending), expire, or answer with its chosen option. */
    async applyDeadline(token: Token): Promise<DeadlineAction> {
      const policy = effectivePolicy(config, token);
      if (policy.kind === 'expire') {
        return (await purgatory.expire(token.id, { actor: 'rodizio', via: 'deadline' })).changed ? 'expired' : 'none';
      }
      if (policy.kind === 'resolve') {
        const result = await purgatory.resolve(token.id, {
          humanInput: policy.option,
          by: 'rodizio',
          byName: 'the deadline',
          via: 'deadline',
        });
        return result.changed ? 'resolved' : 'none';
      }
      const mention = escalationMention(config, token);
      if (mention && !mention.known) {
        logger.warn(
          { token_id: token.id, target: token.escalation },
          'escalation target is not a Slack id nor in escalation_targets; shown as text',
        );
      }
      const target = mention?.text ?? null;
      const done = await purgatory.change(async (ctx) => {
        if (!(await ctx.tx.followups.markEscalated(token.id, ctx.nowMs, target))) return false;
        // The same from/to shape as `reassigned`, so one consumer reads both; `target` stays for older readers.
        await ctx.event({
          tokenId: token.id,
          type: 'escalated',
          actor: 'rodizio',
          data: {
            target,
            from: { answerers: token.answerers, channel: token.slack?.channel ?? token.slack_channel },
            to: { target, channel: escalationChannel(config, token) ?? null },
          },
        });
        await ctx.plan({ type: 'escalated', token: await ctx.token(token.id), target });
        return true;
      });
      return done ? 'escalated' : 'none';
    },

    /** "The deadline is near" in the card's thread, once. */
    warn(token: Token, deadlineMs: number): Promise<boolean> {
      return purgatory.change(async (ctx) => {
        if (!(await ctx.tx.followups.markWarned(token.id, ctx.nowMs))) return false;
        await ctx.event({ tokenId: token.id, type: 'warned', actor: 'rodizio', data: { deadline: token.deadline } });
        await ctx.plan({ type: 'warned', token: await ctx.token(token.id), dueInMs: deadlineMs - ctx.nowMs });
        return true;
      });
    },

    /** A reminder in the card's thread, broadcast to the channel, at most once per interval. */
    remind(token: Token, receivedMs: number): Promise<boolean> {
      const mention = answerersMention(config, token);
      return purgatory.change(async (ctx) => {
        if (!(await ctx.tx.followups.markReminded(token.id, ctx.nowMs, followups.renotifyIntervalMs))) return false;
        const waitedMs = ctx.nowMs - receivedMs;
        await ctx.event({ tokenId: token.id, type: 'reminded', actor: 'rodizio', data: { waited_ms: waitedMs } });
        await ctx.plan({ type: 'reminded', token: await ctx.token(token.id), waitedMs, mention });
        return true;
      });
    },

    /** "I'm on it": pauses reminders for the lease; the deadline keeps running. */
    claim(tokenId: string, user: string, userName: string | null): Promise<ClaimResult> {
      return purgatory.change(async (ctx): Promise<ClaimResult> => {
        const row = await ctx.tx.tokens.get(tokenId);
        if (!row) return { kind: 'missing' };
        const before = rowToToken(row);
        if (before.status !== 'pending') return { kind: 'closed', token: before };
        const untilMs = ctx.nowMs + followups.claimLeaseMs;
        if (!(await ctx.tx.followups.claim(tokenId, user, userName, untilMs, ctx.nowMs))) {
          const holder = before.followup;
          return {
            kind: 'taken',
            token: before,
            by: holder.claimed_by ?? 'someone',
            untilMs: holder.claimed_until ? Date.parse(holder.claimed_until) : ctx.nowMs,
          };
        }
        await ctx.event({ tokenId, type: 'claimed', actor: user, data: { until_ms: untilMs } });
        const token = await ctx.token(tokenId);
        await ctx.plan({ type: 'updated', token, what: 'claimed' });
        return { kind: 'claimed', token, untilMs };
      });
    },

    /** Clears claims whose lease ended (or whose token was answered) and refreshes their cards. */
    async releaseEndedClaims(limit = 500): Promise<number> {
      let released = 0;
      for (const row of await purgatory.store.followups.claimsEnded(clock.now(), limit)) {
        const done = await purgatory.change(async (ctx) => {
          if (!(await ctx.tx.followups.releaseClaim(row.id))) return false;
          await ctx.event({ tokenId: row.id, type: 'claim_ended', actor: 'rodizio', data: { user: row.claim_user } });
          const token = await ctx.token(row.id);
          if (token.status === 'pending') await ctx.plan({ type: 'updated', token, what: 'claim_ended' });
          return true;
        });
        if (done) released++;
      }
      return released;
    },

    /** Decides to label the token's GitHub issue `blocked`; the outbox does the GitHub calls. */
    block(token: Token): Promise<boolean> {
      return purgatory.change(async (ctx) => {
        if (!(await ctx.tx.followups.markBlocked(token.id, ctx.nowMs))) return false;
        await ctx.event({
          tokenId: token.id,
          type: 'github_blocked',
          actor: 'rodizio',
          data: { issue: token.github_issue },
        });
        await ctx.plan({ type: 'blocked', token: await ctx.token(token.id) });
        return true;
      });
    },

    /** GitHub refused for good (403/404/422): remembered on the token and said in its thread, not retried. */
    recordGithubError(tokenId: string, error: string): Promise<boolean> {
      return purgatory.change(async (ctx) => {
        if (!(await ctx.tx.followups.recordGithubError(tokenId, error))) return false;
        await ctx.event({ tokenId, type: 'github_error', actor: 'rodizio', data: { error } });
        await ctx.plan({ type: 'github_error', token: await ctx.token(tokenId), error });
        return true;
      });
    },

    /** The `blocked` label came off after the token was answered or closed. */
    recordUnblocked(tokenId: string): Promise<boolean> {
      return purgatory.change(async (ctx) => {
        if (!(await ctx.tx.followups.markUnblocked(tokenId, ctx.nowMs))) return false;
        await ctx.event({ tokenId, type: 'github_unblocked', actor: 'rodizio' });
        return true;
      });
    },
  };
}

export type FollowupRules = ReturnType<typeof createFollowupRules>;
