import { PermanentJobError } from '../outbox/job-errors.js';
import { packageVersion } from '../package-info.js';
import { AddressRefusedError, postGuarded } from './guarded-http.js';
import { SIGNATURE_HEADER, signRodizioPayload, TIMESTAMP_HEADER } from './signature.js';
import type { WebhookPolicy } from './targets.js';

export interface SignedWebhook {
  url: string;
  /** The runner's secret: the receiver checks the signature with it. */
  secret: string;
  body: string;
  /** Extra headers (token id, event id). */
  headers: Record<string, string>;
  /** The runner's rules for this URL, as they are now (webhookPolicy). */
  policy: WebhookPolicy;
  timeoutMs: number;
}

/**
 * POSTs a signed JSON body to an agent's receiver, checking every address as the socket connects. Resolves with
 * `delivered` or `gave_up` (410: the receiver does not want it); a refused address or target is a permanent
 * failure, anything else (a timeout, a 5xx) an error the outbox retries.
 */
export async function sendSignedWebhook(hook: SignedWebhook): Promise<'delivered' | 'gave_up'> {
  const { policy } = hook;
  if (policy.refused !== undefined) throw new PermanentJobError(`webhook refused: ${policy.refused}`);
  // Wall-clock time, not the injected clock: the receiver checks it against its own clock.
  const timestamp = Math.floor(Date.now() / 1000);
  let res: { status: number };
  try {
    res = await postGuarded({
      url: hook.url,
      headers: {
        'content-type': 'application/json',
        'user-agent': `rodizio/${packageVersion()}`,
        ...hook.headers,
        [TIMESTAMP_HEADER]: String(timestamp),
        [SIGNATURE_HEADER]: signRodizioPayload(hook.secret, timestamp, hook.body),
      },
      body: hook.body,
      timeoutMs: hook.timeoutMs,
      refuse: policy.refuse,
      pool: policy.pool,
    });
  } catch (err) {
    if (err instanceof AddressRefusedError) {
      throw new PermanentJobError(`webhook refused: ${err.message}`, { cause: err });
    }
    throw new Error(`webhook unreachable: ${(err as Error).message}`, { cause: err });
  }
  if (res.status === 410) return 'gave_up';
  if (res.status < 200 || res.status >= 300) throw new Error(`webhook answered ${res.status}`);
  return 'delivered';
}
