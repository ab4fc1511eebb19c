import type { Config } from '../config.js';
import type { Delivery, Token } from '../domain/token.js';
import { Gate } from '../outbox/gates.js';
import type { EffectPlanner } from '../purgatory.js';
import type { NewJob } from '../store/outbox.js';

/** Where a token's reentry goes besides long-poll: its own `delivery`, else its runner's default. */
export function deliveryFor(config: Config, token: Pick<Token, 'delivery' | 'runner'>): Delivery | null {
  return token.delivery ?? config.file.runners[token.runner]?.delivery ?? null;
}

/** The outbox job that delivers a token's reentry to `target`. */
export function deliveryJob(tokenId: string, target: Delivery): NewJob {
  const gate = target.type === 'webhook' ? Gate.webhook(target.url) : null;
  return { kind: `deliver.${target.type}`, tokenId, lane: `deliver:${tokenId}`, gate, payload: { target } };
}

/** When a token leaves pending, its reentry is delivered (at least once) to where it asked. */
export function createDeliveryPlanner(config: Config): EffectPlanner {
  return (change) => {
    if (change.type !== 'settled' || change.token.kind !== 'semaphore') return [];
    const target = deliveryFor(config, change.token);
    return target ? [deliveryJob(change.token.id, target)] : [];
  };
}
