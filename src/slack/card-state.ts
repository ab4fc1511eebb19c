import type { CardState } from '../../blocks/token-card.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { type Token, tokenDeadlineMs } from '../domain/token.js';
import type { Purgatory } from '../purgatory.js';
import { threadResolves } from './routing.js';

function liveClaim(token: Token, nowMs: number): CardState['claim'] {
  const { claimed_by, claimed_until } = token.followup;
  if (!claimed_by || !claimed_until) return null;
  const until = Date.parse(claimed_until);
  return until > nowMs ? { user: claimed_by, until } : null;
}

/** Gathers what a card shows besides the token (votes, deadline, claim…) from the store. */
export function createCardStateReader({
  purgatory,
  config,
  clock,
}: {
  purgatory: Purgatory;
  config: Config;
  clock: Clock;
}) {
  return function cardState(token: Token): CardState {
    return {
      now: clock.now(),
      // Naive deadlines are read with the offset the token records (the agent's local time), not as UTC.
      deadlineMs: tokenDeadlineMs(token),
      threadResolves: threadResolves(token),
      approvals: token.required_approvals > 1 ? purgatory.approvals(token.id) : [],
      githubWebBase: config.githubWebUrl,
      claimable: token.kind === 'semaphore',
      claim: liveClaim(token, clock.now()),
      escalated: token.followup.escalated_at
        ? { at: Date.parse(token.followup.escalated_at), target: token.followup.escalated_to }
        : null,
      blockedAt:
        token.followup.github_blocked_at && !token.followup.github_unblocked_at
          ? Date.parse(token.followup.github_blocked_at)
          : null,
    };
  };
}

export type CardStateReader = ReturnType<typeof createCardStateReader>;
