import { renderDecisionReply } from '../../blocks/token-card.js';
import type { Config } from '../config.js';
import type { EffectPlanner } from '../purgatory.js';
import type { NewJob } from '../store/outbox.js';
import { cardChannel } from './routing.js';

/** The outbox lane of a Slack channel: its jobs run in order, which keeps cards in order and paces posts. */
export const slackLane = (channel: string) => `slack:${channel}`;

/**
 * Slack side effects of state changes: a new token posts its card; any later change re-renders it
 * (`chat.update`); leaving pending also records the decision in the card's thread.
 */
export function createSlackPlanner(config: Config): EffectPlanner {
  return (change) => {
    const { token } = change;
    if (token.kind !== 'semaphore') return [];
    const channel = token.slack?.channel ?? cardChannel(config, token);
    if (!channel) return [];
    const lane = slackLane(channel);
    const jobs: NewJob[] = [{ kind: 'slack.card', lane }];
    if (change.type === 'settled')
      jobs.push({ kind: 'slack.thread', lane, payload: { text: renderDecisionReply(token).text } });
    return jobs;
  };
}
