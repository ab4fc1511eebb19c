import { z } from 'zod';
import type { Config } from '../config.js';
import { DELIVERY_RETRY } from '../delivery/jobs.js';
import { sendSignedWebhook } from '../delivery/signed-webhook.js';
import { type WebhookPolicy, webhookPolicy } from '../delivery/targets.js';
import { PermanentJobError } from '../outbox/job-errors.js';
import { defineJob, type JobKind } from '../outbox/worker.js';
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
        const sub = await subscriptions.get(payload.subscription_id);
        if (!sub || sub.url !== payload.url) return logger.info('subscription is gone; nothing to deliver');
        const secret = config.apiTokens.get(sub.runner);
        if (!secret)
          throw new PermanentJobError(`runner "${sub.runner}" has no secret in RODIZIO_API_TOKENS to sign with`);
        // The operator wrote config-file subscriptions, as a runner's default delivery: trusted as they are.
        const policy: WebhookPolicy =
          sub.source === 'config'
            ? { refuse: () => undefined, pool: 'trusted' }
            : webhookPolicy(config, sub.runner, sub.url);
        const outcome = await sendSignedWebhook({
          url: sub.url,
          secret,
          body: JSON.stringify({ ...payload.event, subscription_id: sub.id }),
          headers: {
            [EVENT_ID_HEADER]: payload.event.id,
            ...(payload.event.token_id ? { 'x-rodizio-token-id': payload.event.token_id } : {}),
          },
          policy,
          timeoutMs: deps.timeoutMs ?? 10_000,
        });
        if (outcome === 'gave_up')
          return logger.warn({ url: sub.url }, 'subscription receiver answered 410: it gave up on this event');
        logger.debug({ event_id: payload.event.id }, 'event delivered to subscription');
      },
    }),
  };
}
