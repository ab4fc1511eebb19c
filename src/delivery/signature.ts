import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header names of a signed reentry delivery. */
export const TIMESTAMP_HEADER = 'x-rodizio-timestamp';
export const SIGNATURE_HEADER = 'x-rodizio-signature';

/** `v1=<hex HMAC-SHA256 of "v1:{timestamp}:{body}">` with the runner's secret. */
export function signRodizioPayload(secret: string, timestampSec: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`v1:${timestampSec}:${body}`).digest('hex')}`;
}

export interface VerifyOptions {
  /** The runner's secret (its RODIZIO_API_TOKENS entry). */
  secret: string;
  /** The raw request body, exactly as received. */
  body: string | Buffer;
  /** The `X-Rodizio-Timestamp` header. */
  timestamp: string | null | undefined;
  /** The `X-Rodizio-Signature` header. */
  signature: string | null | undefined;
  /** Seconds a delivery stays acceptable (default 300). */
  toleranceSeconds?: number;
  /** For tests: the current time in ms. */
  now?: number;
}

/**
 * Checks a reentry delivery's signature in constant time and refuses timestamps older (or newer) than the
 * tolerance, so a captured request cannot be replayed later. Receivers should still dedupe on `token_id`.
 *
 * ```ts
 * if (!verifyRodizioSignature({ secret, body: rawBody, timestamp: req.headers['x-rodizio-timestamp'],
 *   signature: req.headers['x-rodizio-signature'] })) return res.writeHead(401).end();
 * ```
 */
export function verifyRodizioSignature(options: VerifyOptions): boolean {
  const { secret, timestamp, signature } = options;
  if (!timestamp || !signature || !/^\d{1,12}$/.test(timestamp)) return false;
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  if (Math.abs(now - Number(timestamp)) > (options.toleranceSeconds ?? 300)) return false;
  const body = typeof options.body === 'string' ? options.body : options.body.toString('utf8');
  const expected = Buffer.from(signRodizioPayload(secret, Number(timestamp), body));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
