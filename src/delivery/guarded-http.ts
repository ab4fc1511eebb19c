import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { RodizioError } from '../errors.js';
import { ipLiteral } from './addresses.js';

/** The address the bridge was about to connect to is one this request may not reach: retrying cannot help. */
export class AddressRefusedError extends RodizioError {
  constructor(message: string) {
    super('address_refused', message);
    this.name = 'AddressRefusedError';
  }
}

export interface GuardedPost {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  /**
   * Judges one address the bridge would connect to (an IP literal, or each address a name resolves to, with
   * the name as `via`): a reason to refuse, or undefined to go ahead.
   */
  refuse(address: string, via?: string): string | undefined;
  /** Requests that judge addresses alike share pooled connections; others never do. */
  pool: string;
}

const agents = new Map<string, HttpAgent>();

/** One keep-alive agent per scheme and pool, so a socket opened under laxer rules never serves a stricter request. */
function agentFor(https: boolean, pool: string): HttpAgent {
  const name = `${https ? 'https' : 'http'}:${pool}`;
  let agent = agents.get(name);
  if (!agent) {
    // As many idle sockets as the webhook budget runs requests at once, so a busy target reuses every connection.
    const options = { keepAlive: true, maxFreeSockets: 64 };
    agent = https ? new HttpsAgent(options) : new HttpAgent(options);
    agents.set(name, agent);
  }
  return agent;
}

/** A `lookup` that resolves every address of the name and fails the connection if any of them is refused. */
function guardedLookup(refuse: GuardedPost['refuse']): LookupFunction {
  return (hostname, options, callback) => {
    const all: LookupAllOptions = { ...options, all: true };
    dnsLookup(hostname, all, (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => {
      if (err) return callback(err, '');
      for (const a of addresses) {
        const reason = refuse(a.address, hostname);
        if (reason !== undefined) return callback(new AddressRefusedError(reason), '');
      }
      if (options.all) return callback(null, addresses);
      const first = addresses[0];
      if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '');
      callback(null, first.address, first.family);
    });
  };
}

/**
 * POSTs `body` with node:http(s), checking the address at connect time: an IP literal before the request, a
 * name in the socket's own DNS lookup (so what is checked is what is connected to; no second resolution a
 * rebinding DNS server could answer differently). Redirects are not followed. Resolves with the status once
 * the response has been read; rejects with AddressRefusedError, or the network error, or a timeout.
 */
export function postGuarded(post: GuardedPost): Promise<{ status: number }> {
  const url = new URL(post.url);
  const https = url.protocol === 'https:';
  if (!https && url.protocol !== 'http:')
    return Promise.reject(new AddressRefusedError(`${url.protocol} is not http(s)`));
  const literal = ipLiteral(url.hostname);
  const refused = literal === undefined ? undefined : post.refuse(literal);
  if (refused !== undefined) return Promise.reject(new AddressRefusedError(refused));

  const options: RequestOptions = {
    method: 'POST',
    headers: { ...post.headers, 'content-length': String(Buffer.byteLength(post.body)) },
    agent: agentFor(https, post.pool),
    lookup: guardedLookup(post.refuse),
    signal: AbortSignal.timeout(post.timeoutMs),
  };
  return new Promise((resolve, reject) => {
    const onResponse = (res: IncomingMessage) => {
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
      res.on('close', () => {
        if (!res.complete) reject(new Error('the response was cut off'));
      });
      res.resume(); // the body is not needed, only read to free the connection
    };
    const req = https ? httpsRequest(url, options, onResponse) : httpRequest(url, options, onResponse);
    req.on('error', (err) =>
      reject(err.name === 'AbortError' ? new Error(`no answer within ${post.timeoutMs} ms`) : err),
    );
    req.end(post.body);
  });
}
