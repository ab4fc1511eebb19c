import { z } from 'zod';
import type { CardState } from '../../blocks/token-card.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { ReassignTarget, targetMention } from '../domain/reassign.js';
import { type Token, tokenDeadlineMs } from '../domain/token.js';
import { liveQuiet } from '../followups/quiet-hours.js';
import { liveSnooze } from '../followups/snooze.js';
import { readRefState } from '../github/refs.js';
import type { Purgatory } from '../purgatory.js';
import { createThreadRoot } from './grouping.js';
import { threadResolves } from './routing.js';

function liveClaim(token: Token, nowMs: number): CardState['claim'] {
  const { claimed_by, claimed_until } = token.followup;
  if (!claimed_by || !claimed_until) return null;
  const until = Date.parse(claimed_until);
  return until > nowMs ? { user: claimed_by, until } : null;
}

/** The part of a `reassigned` event's data the card shows. */
const ReassignedData = z.object({ target: ReassignTarget, by: z.string(), note: z.string().nullable() });

/** The latest reassignment of the token, from its audit trail (rare enough that reading it per render is cheap). */
async function lastReassigned(purgatory: Purgatory, token: Token): Promise<CardState['reassigned']> {
  const event = (await purgatory.history(token.id)).findLast((e) => e.type === 'reassigned');
  const data = event ? ReassignedData.safeParse(event.data) : undefined;
  if (!event || !data?.success) return null;
  return { to: targetMention(data.data.target), by: data.data.by, note: data.data.note, at: Date.parse(event.at) };
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
  const threadRoot = createThreadRoot(purgatory);
  return async function cardState(token: Token): Promise<CardState> {
    return {
      now: clock.now(),
      // Naive deadlines are read with the offset the token records (the agent's local time), not as UTC.
      deadlineMs: tokenDeadlineMs(token),
      threadResolves: threadResolves(token),
      // Only a project with grouping configured has groups to look up.
      inGroupThread:
        token.status === 'pending' &&
        token.project !== null &&
        config.file.projects[token.project]?.grouping !== undefined &&
        (await threadRoot(token)) !== undefined,
      approvals: token.required_approvals > 1 ? await purgatory.approvals(token.id) : [],
      githubWebBase: config.githubWebUrl,
      claimable: token.kind === 'semaphore',
      reassignable: token.kind === 'semaphore',
      reassigned: token.status === 'pending' ? await lastReassigned(purgatory, token) : null,
      claim: liveClaim(token, clock.now()),
      snoozable: token.status === 'pending',
      snooze: liveSnooze(token, clock.now()),
      quiet: liveQuiet(config, token, clock.now()),
      escalated: token.followup.escalated_at
        ? { at: Date.parse(token.followup.escalated_at), target: token.followup.escalated_to }
        : null,
      githubRef: await readRefState(purgatory.store.githubRefs, token),
      blockedAt:
        token.followup.github_blocked_at && !token.followup.github_unblocked_at
          ? Date.parse(token.followup.github_blocked_at)
          : null,
    };
  };
}

export type CardStateReader = ReturnType<typeof createCardStateReader>;
