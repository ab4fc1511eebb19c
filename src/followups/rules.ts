import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Token } from '../domain/token.js';
import type { Logger } from '../logger.js';
import type { Purgatory } from '../purgatory.js';
import { escalationChannel } from '../slack/routing.js';
import type { FollowupStore } from '../store/followups.js';
import { answerersMention, escalationMention } from './mentions.js';
import { effectivePolicy } from './policy.js';

export type DeadlineAction = 'escalated' | 'expired' | 'resolved' | 'none';

export type ClaimResult =
  | { kind: 'claimed'; token: Token; untilMs: number }
  | { kind: 'taken'; token: Token; by: string; untilMs: number }
  | { kind: 'closed'; token: Token }
  | { kind: 'missing' };

export interface FollowupDeps {
  purgatory: Purgatory;
  store: FollowupStore;
  config: Config;
  clock: Clock;
  logger: Logger;
}

/**
 * The follow-up rules as single actions on one token. Each records its action once — a compare-and-set on
 * the token's follow-up columns, an audit event and the planned side effects in one transaction — so a sweep
 * that runs twice, or two processes sweeping at once, act once.
 */
export function createFollowupRules({ purgatory, store, config, clock, logger }: FollowupDeps) {
  const { followups } = config;

  return {
    /** A pending token past its deadline: escalate (stays pending), expire, or answer with its chosen option. */
    applyDeadline(token: Token): DeadlineAction {
      const policy = effectivePolicy(config, token);
      if (policy.kind === 'expire') {
        return purgatory.expire(token.id, { actor: 'rodizio', via: 'deadline' }).changed ? 'expired' : 'none';
      }
      if (policy.kind === 'resolve') {
        const result = purgatory.resolve(token.id, {
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
      const done = purgatory.change((tx) => {
        if (!store.markEscalated(token.id, tx.nowMs, target)) return false;
        // The same from/to shape as `reassigned`, so one consumer reads both; `target` stays for older readers.
        tx.event({
          tokenId: token.id,
          type: 'escalated',
          actor: 'rodizio',
          data: {
            target,
            from: { answerers: token.answerers, channel: token.slack?.channel ?? token.slack_channel },
            to: { target, channel: escalationChannel(config, token) ?? null },
          },
        });
        tx.plan({ type: 'escalated', token: tx.token(token.id), target });
        return true;
      });
      return done ? 'escalated' : 'none';
    },

    /** "The deadline is near" in the card's thread, once. */
    warn(token: Token, deadlineMs: number): boolean {
      return purgatory.change((tx) => {
        if (!store.markWarned(token.id, tx.nowMs)) return false;
        tx.event({ tokenId: token.id, type: 'warned', actor: 'rodizio', data: { deadline: token.deadline } });
        tx.plan({ type: 'warned', token: tx.token(token.id), dueInMs: deadlineMs - tx.nowMs });
        return true;
      });
    },

    /** A reminder in the card's thread, broadcast to the channel, at most once per interval. */
    remind(token: Token, receivedMs: number): boolean {
      const mention = answerersMention(config, token);
      return purgatory.change((tx) => {
        if (!store.markReminded(token.id, tx.nowMs, followups.renotifyIntervalMs)) return false;
        const waitedMs = tx.nowMs - receivedMs;
        tx.event({ tokenId: token.id, type: 'reminded', actor: 'rodizio', data: { waited_ms: waitedMs } });
        tx.plan({ type: 'reminded', token: tx.token(token.id), waitedMs, mention });
        return true;
      });
    },

    /** "I'm on it": pauses reminders for the lease; the deadline keeps running. */
    claim(tokenId: string, user: string, userName: string | null): ClaimResult {
      return purgatory.change((tx): ClaimResult => {
        const before = purgatory.find(tokenId);
        if (!before) return { kind: 'missing' };
        if (before.status !== 'pending') return { kind: 'closed', token: before };
        const untilMs = tx.nowMs + followups.claimLeaseMs;
        if (!store.claim(tokenId, user, userName, untilMs, tx.nowMs)) {
          const holder = before.followup;
          return {
            kind: 'taken',
            token: before,
            by: holder.claimed_by ?? 'someone',
            untilMs: holder.claimed_until ? Date.parse(holder.claimed_until) : tx.nowMs,
          };
        }
        tx.event({ tokenId, type: 'claimed', actor: user, data: { until_ms: untilMs } });
        const token = tx.token(tokenId);
        tx.plan({ type: 'updated', token, what: 'claimed' });
        return { kind: 'claimed', token, untilMs };
      });
    },

    /** Clears claims whose lease ended (or whose token was answered) and refreshes their cards. */
    releaseEndedClaims(limit = 500): number {
      let released = 0;
      for (const row of store.claimsEnded(clock.now(), limit)) {
        const done = purgatory.change((tx) => {
          if (!store.releaseClaim(row.id)) return false;
          tx.event({ tokenId: row.id, type: 'claim_ended', actor: 'rodizio', data: { user: row.claim_user } });
          const token = tx.token(row.id);
          if (token.status === 'pending') tx.plan({ type: 'updated', token, what: 'claim_ended' });
          return true;
        });
        if (done) released++;
      }
      return released;
    },

    /** Decides to label the token's GitHub issue `blocked`; the outbox does the GitHub calls. */
    block(token: Token): boolean {
      return purgatory.change((tx) => {
        if (!store.markBlocked(token.id, tx.nowMs)) return false;
        tx.event({ tokenId: token.id, type: 'github_blocked', actor: 'rodizio', data: { issue: token.github_issue } });
        tx.plan({ type: 'blocked', token: tx.token(token.id) });
        return true;
      });
    },

    /** GitHub refused for good (403/404/422): remembered on the token and said in its thread, not retried. */
    recordGithubError(tokenId: string, error: string): boolean {
      return purgatory.change((tx) => {
        if (!store.recordGithubError(tokenId, error)) return false;
        tx.event({ tokenId, type: 'github_error', actor: 'rodizio', data: { error } });
        tx.plan({ type: 'github_error', token: tx.token(tokenId), error });
        return true;
      });
    },

    /** The `blocked` label came off after the token was answered or closed. */
    recordUnblocked(tokenId: string): boolean {
      return purgatory.change((tx) => {
        if (!store.markUnblocked(tokenId, tx.nowMs)) return false;
        tx.event({ tokenId, type: 'github_unblocked', actor: 'rodizio' });
        return true;
      });
    },
  };
}

export type FollowupRules = ReturnType<typeof createFollowupRules>;
