import { githubErrorText, reminderText, warningText } from '../../blocks/followups.js';
import { movedHereReply, reassignedReply } from '../../blocks/reassign.js';
import { renderDecisionReply } from '../../blocks/token-card.js';
import type { Config } from '../config.js';
import { targetMention } from '../domain/reassign.js';
import { tokenDeadlineMs } from '../domain/token.js';
import { escalationMention } from '../followups/mentions.js';
import { effectivePolicy } from '../followups/policy.js';
import { Gate } from '../outbox/gates.js';
import type { EffectPlanner } from '../purgatory.js';
import type { NewJob } from '../store/outbox.js';
import { formatDuration } from '../time.js';
import { cardChannel, escalationChannel } from './routing.js';

/**
 * The outbox lane of a token's Slack jobs: its card is posted before it is updated or replied to, and it never
 * waits behind another token's jobs (pacing is the gates' business, not the lane's).
 */
export const slackLane = (tokenId: string) => `slack:${tokenId}`;

/** What happens at the deadline, in words, for the "deadline soon" warning. */
function thenText(
  config: Config,
  token: Parameters<typeof effectivePolicy>[1] & Parameters<typeof escalationMention>[1],
): string {
  const policy = effectivePolicy(config, token);
  if (policy.kind === 'expire') return 'it expires and the agent is told nobody answered';
  if (policy.kind === 'resolve') return `it is answered “${policy.option}” automatically`;
  const target = escalationMention(config, token);
  return target ? `it is escalated to ${target.text}` : 'it is escalated to the on-call channel';
}

/**
 * Slack side effects of state changes: a new token posts its card; later changes re-render it
 * (`chat.update`); leaving pending records the decision in the thread; follow-ups post a reminder, a warning,
 * an escalation in the escalation channel, or a note about GitHub.
 */
export function createSlackPlanner(config: Config): EffectPlanner {
  return (change) => {
    const { token } = change;
    // Decided at create by a rule or a grant: no card. A grant notes it in its own thread; a rule says nothing.
    if (change.type === 'settled' && (token.answered_via === 'rule' || token.answered_via === 'grant')) {
      const thread = change.grantThread;
      if (!thread) return [];
      return [
        {
          kind: 'slack.grant_note',
          lane: `slack:grant:${thread.grantId}`,
          gate: Gate.post(thread.channel),
          payload: { grant_id: thread.grantId, channel: thread.channel, ts: thread.ts },
        },
      ];
    }
    const channel = token.slack?.channel ?? cardChannel(config, token);
    if (!channel) return [];
    const lane = slackLane(token.id);
    // Someone acted on the token: its flip and reply go before new cards waiting for the channel.
    const priority = change.type === 'settled' || change.type === 'updated' || change.type === 'reassigned' ? 0 : 1;
    const card: NewJob = { kind: 'slack.card', lane, priority, gate: token.slack ? Gate.update : Gate.post(channel) };
    const thread = (text: string, broadcast = false, decision = false): NewJob => ({
      kind: 'slack.thread',
      lane,
      priority,
      gate: Gate.post(channel),
      payload: { text, broadcast, ...(decision ? { decision } : {}) },
    });
    switch (change.type) {
      case 'created':
      case 'updated':
      case 'blocked':
        return [card];
      case 'settled':
        // A phase escalation the phase bridge closed gets the bridge's own note (what the session did) instead.
        if (token.kind === 'phase_escalation' && token.answered_via === 'phase') return [card];
        // Rendered again when sent, with the quorum's approvers (a planner sees only the token).
        return [card, thread(renderDecisionReply(token).text, false, true)];
      case 'escalated': {
        const to = escalationChannel(config, token) ?? channel;
        return [
          card,
          { kind: 'slack.escalation', lane, gate: Gate.post(to), payload: { channel: to, target: change.target } },
        ];
      }
      case 'warned': {
        const deadlineMs = tokenDeadlineMs(token) ?? 0;
        return [
          thread(
            warningText({ dueIn: formatDuration(change.dueInMs), deadlineMs, afterwards: thenText(config, token) }),
          ),
        ];
      }
      case 'reminded':
        return [thread(reminderText({ waited: formatDuration(change.waitedMs), mention: change.mention }), true)];
      case 'github_error':
        return [thread(githubErrorText(token.github_issue, change.error)), card];
      case 'noted':
        return [thread(change.text)];
      case 'reassigned': {
        const { by, note, movedFrom } = change;
        if (!movedFrom) return [card, thread(reassignedReply({ to: targetMention(change.target), by, note }))];
        // A channel move: the new card is posted first, so the old one can link to it and its thread to the old.
        return [
          card,
          {
            kind: 'slack.moved',
            lane,
            priority,
            gate: Gate.update,
            payload: { channel: movedFrom.channel, ts: movedFrom.ts, to: channel, by, note },
          },
          {
            kind: 'slack.thread',
            lane,
            priority,
            gate: Gate.post(channel),
            // Rendered when sent, with the old card's permalink; `text` is the fallback.
            payload: {
              text: movedHereReply({ from: movedFrom.channel, by, note, permalink: null }),
              moved_from: { ...movedFrom, by, note },
            },
          },
        ];
      }
    }
  };
}
