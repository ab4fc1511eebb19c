import type { Config } from '../config.js';
import { ConflictError, ValidationError } from '../errors.js';
import type { Purgatory } from '../purgatory.js';
import { deliveryFor, deliveryJob } from './planner.js';

/** Queues a fresh delivery of a closed token's reentry to its target (after a dead one, or on request). */
export function redeliver(purgatory: Purgatory, config: Config, tokenId: string, actor: string): Promise<string> {
  return purgatory.change(async (ctx) => {
    const token = await ctx.token(tokenId);
    if (token.status === 'pending')
      throw new ConflictError(`${tokenId} is still pending: there is no reentry to deliver yet`);
    const target = deliveryFor(config, token);
    if (!target) {
      throw new ValidationError(`${tokenId} has no delivery target (long-poll only): nothing to redeliver`);
    }
    await ctx.event({ tokenId, type: 'redelivery', actor, data: { target: target.type } });
    await ctx.enqueue(deliveryJob(config, token, target));
    return target.type;
  });
}
