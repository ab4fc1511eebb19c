/** The fake Slack's wire: request bodies in the two encodings the Web API takes, JSON out, and injected faults. */
import type { IncomingMessage } from 'node:http';
import { isObj, type Json } from './fake-slack-blocks.js';

/**
 * A fault to answer a call with: a 429 with Retry-After, a 5xx, a slow answer (after a delay, or once a promise
 * settles: a test holds the call for as long as it looks, and `arrived` tells it the call came), or an `ok:false`
 * platform error.
 */
export type FakeFault =
  | { status: 429; retryAfter: number }
  | { status: 500 | 502 | 503 }
  | { delayMs: number }
  | { until: Promise<unknown>; arrived?: () => void }
  | { error: string };

const MAX_BODY_BYTES = 5 * 1024 * 1024;

/** Form fields the WebClient JSON-encodes because their values are objects. */
const JSON_FIELDS = new Set(['blocks', 'view', 'attachments', 'metadata']);

/** The raw request body as text. */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.once('end', () =>
      size > limit ? reject(new Error('body too large')) : resolve(Buffer.concat(chunks).toString('utf8')),
    );
    req.once('error', reject);
  });
}

/** A method's arguments from a form or JSON body (plus the query string), with blocks and views parsed. */
export function parseArgs(raw: string, contentType: string | undefined, query: URLSearchParams): Json {
  const args: Json = Object.fromEntries(query);
  if (raw === '') return args;
  if (contentType && /^application\/json\b/i.test(contentType)) {
    const parsed: unknown = JSON.parse(raw);
    if (!isObj(parsed)) throw new Error('the JSON body must be an object');
    return { ...args, ...parsed };
  }
  for (const [key, value] of new URLSearchParams(raw)) {
    if (!JSON_FIELDS.has(key)) {
      args[key] = value;
      continue;
    }
    try {
      args[key] = JSON.parse(value);
    } catch {
      // Left as text: the validator then refuses it, as Slack refuses blocks it cannot parse.
      args[key] = value;
    }
  }
  return args;
}

export { sendJson } from '../api/http.js';

/** Faults queued per method (`'*'` for any), each for a number of calls, plus probabilistic rate limits. */
export class FaultPlan {
  #queue: { method: string; fault: FakeFault; left: number }[] = [];
  #rates = new Map<string, { fraction: number; retryAfter: number; random: () => number }>();

  inject(method: string, fault: FakeFault, times: number): void {
    if (times > 0) this.#queue.push({ method, fault, left: times });
  }

  rateLimit(method: string, fraction: number, retryAfter: number, random: () => number): void {
    this.#rates.set(method, { fraction, retryAfter, random });
  }

  clear(): void {
    this.#queue = [];
    this.#rates.clear();
  }

  /** The fault this call meets, if any; queued faults are used up first, oldest first. */
  take(method: string): FakeFault | undefined {
    const entry = this.#queue.find((e) => e.method === method || e.method === '*');
    if (entry) {
      entry.left -= 1;
      if (entry.left <= 0) this.#queue = this.#queue.filter((e) => e !== entry);
      return entry.fault;
    }
    const rate = this.#rates.get(method) ?? this.#rates.get('*');
    if (rate && rate.random() < rate.fraction) return { status: 429, retryAfter: rate.retryAfter };
    return undefined;
  }
}
