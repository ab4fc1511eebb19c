import type { CardState } from '../../blocks/token-card.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Token } from '../domain/token.js';
import type { Purgatory } from '../purgatory.js';
import { parseIsoTime } from '../time.js';
import { threadResolves } from './routing.js';

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
      deadlineMs: token.deadline ? (parseIsoTime(token.deadline) ?? null) : null,
      threadResolves: threadResolves(token),
      approvals: token.required_approvals > 1 ? purgatory.approvals(token.id) : [],
      githubWebBase: config.githubWebUrl,
    };
  };
}

export type CardStateReader = ReturnType<typeof createCardStateReader>;
