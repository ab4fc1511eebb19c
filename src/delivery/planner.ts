import type { Config } from '../config.js';
import type { Delivery, Token } from '../domain/token.js';
import { Gate } from '../outbox/gates.js';
import type { EffectPlanner } from '../purgatory.js';
import type { NewJob } from '../store/outbox.js';

/** Where a token's reentry goes besides long-poll: its own `delivery`, else its runner's default. */
export function deliveryFor(config: Config, token: Pick<Token, 'delivery' | 'runner'>): Delivery | null {
  return token.delivery ?? config.file.runners[token.runner]?.delivery ?? null;
}

/**
 * The outbox job that delivers a token's reentry to `target`. A tmux or file target is bound to its host (its
 * own `host`, else the runner's), so with several replicas only the replica on that machine delivers it.
 */
export function deliveryJob(config: Config, token: Pick<Token, 'id' | 'runner'>, target: Delivery): NewJob {
  const gate = target.type === 'webhook' ? Gate.webhook(target.url) : null;
  const host = target.type === 'webhook' ? null : (target.host ?? config.file.runners[token.runner]?.host ?? null);
  return {
    kind: `deliver.${target.type}`,
    tokenId: token.id,
    lane: `deliver:${token.id}`,
    gate,
    host,
    payload: { target },
  };
}

/** When a token leaves pending, its reentry is delivered (at least once) to where it asked. */
export function createDeliveryPlanner(config: Config): EffectPlanner {
  return (change) => {
    if (change.type !== 'settled' || change.token.kind !== 'semaphore') return [];
    const target = deliveryFor(config, change.token);
    return target ? [deliveryJob(config, change.token, target)] : [];
  };
}
