import { z } from 'zod';
import type { Config } from '../config.js';
import { AddressRefusedError, postGuarded } from '../delivery/guarded-http.js';
import { DELIVERY_RETRY } from '../delivery/jobs.js';
import { SIGNATURE_HEADER, signRodizioPayload, TIMESTAMP_HEADER } from '../delivery/signature.js';
import { webhookPolicy } from '../delivery/targets.js';
import { PermanentJobError } from '../outbox/job-errors.js';
import { defineJob, type JobKind } from '../outbox/worker.js';
import { packageVersion } from '../package-info.js';
import { FeedEvent } from './event.js';
import { EVENT_DELIVERY_KIND, type Subscriptions } from './subscriptions.js';

/** Header carrying the event's id (its feed cursor): receivers dedupe on it, a retry may come twice. */
export const EVENT_ID_HEADER = 'x-rodizio-event-id';

const EventDeliveryPayload = z.object({ subscription_id: z.string(), url: z.string(), event: FeedEvent });

export interface EventDeliveryDeps {
  subscriptions: Subscriptions;
  config: Pick<Config, 'apiTokens' | 'file' | 'sandbox'>;
  /** Per-request timeout (default 10 s, as for reentries). */
  timeoutMs?: number;
}

/**
 * `deliver.event`: POSTs one audit event to one subscription, signed like a reentry (runner secret, `v1=` HMAC),
 * with the same retries and dead-letter rule. The URL is judged again against the runner's rules as they are
 * now and at connect time; a subscription deleted meanwhile gets nothing.
 */
export function createEventDeliveryJobs(deps: EventDeliveryDeps): Record<string, JobKind> {
  const { subscriptions, config } = deps;
  return {
    [EVENT_DELIVERY_KIND]: defineJob({
      payload: EventDeliveryPayload,
      retry: DELIVERY_RETRY,
      async handle({ payload, logger }) {
        const sub = subscriptions.get(payload.subscription_id);
        if (!sub || sub.url !== payload.url) return logger.info('subscription is gone; nothing to deliver');
        const secret = config.apiTokens.get(sub.runner);
        if (!secret)
          throw new PermanentJobError(`runner "${sub.runner}" has no secret in RODIZIO_API_TOKENS to sign with`);
        // The operator wrote config-file subscriptions, as a runner's default delivery: trusted as they are.
        const policy =
          sub.source === 'config'
            ? { refused: undefined, refuse: () => undefined, pool: 'trusted' }
            : webhookPolicy(config, sub.runner, sub.url);
        if (policy.refused !== undefined) throw new PermanentJobError(`webhook refused: ${policy.refused}`);
        const body = JSON.stringify({ ...payload.event, subscription_id: sub.id });
        // Wall-clock time, not the injected clock: the receiver checks it against its own clock.
        const timestamp = Math.floor(Date.now() / 1000);
        let res: { status: number };
        try {
          res = await postGuarded({
            url: sub.url,
            headers: {
              'content-type': 'application/json',
              'user-agent': `rodizio/${packageVersion()}`,
              [EVENT_ID_HEADER]: payload.event.id,
              ...(payload.event.token_id ? { 'x-rodizio-token-id': payload.event.token_id } : {}),
              [TIMESTAMP_HEADER]: String(timestamp),
              [SIGNATURE_HEADER]: signRodizioPayload(secret, timestamp, body),
            },
            body,
            timeoutMs: deps.timeoutMs ?? 10_000,
            refuse: policy.refuse,
            pool: policy.pool,
          });
        } catch (err) {
          if (err instanceof AddressRefusedError) {
            throw new PermanentJobError(`webhook refused: ${err.message}`, { cause: err });
          }
          throw new Error(`webhook unreachable: ${(err as Error).message}`, { cause: err });
        }
        if (res.status === 410)
          return logger.warn({ url: sub.url }, 'subscription receiver answered 410: it gave up on this event');
        if (res.status < 200 || res.status >= 300) throw new Error(`webhook answered ${res.status}`);
        logger.debug({ status: res.status, event_id: payload.event.id }, 'event delivered to subscription');
      },
    }),
  };
}
