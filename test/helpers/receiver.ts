import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { verifyRodizioSignature } from '../../src/index.js';
import { afterTest } from './cleanup.js';

export type Behaviour = 'ok' | 503 | 500 | 410 | 'hang';

export interface ReceivedDelivery {
  tokenId: string;
  body: string;
  timestamp: string | undefined;
  signature: string | undefined;
  verified: boolean;
}

/** Where a receiver on `port` takes deliveries. */
export const receiverUrl = (port: number) => `http://127.0.0.1:${port}/rodizio`;

/**
 * An agent's webhook receiver on loopback, written the way the README tells receivers to: verify the
 * signature with the SDK helper, dedupe on token id, answer 2xx. `plan` scripts its first answers; `port` (a free
 * one by default) lets a test point a token at a receiver that only comes up later.
 */
export async function startReceiver(secret: string, plan: Behaviour[] = [], port = 0) {
  const received: ReceivedDelivery[] = [];
  const accepted = new Map<string, unknown>();
  const hanging: ServerResponse[] = [];
  let listener: ((d: ReceivedDelivery) => void) | undefined;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const timestamp = req.headers['x-rodizio-timestamp'] as string | undefined;
      const signature = req.headers['x-rodizio-signature'] as string | undefined;
      const verified = verifyRodizioSignature({ secret, body, timestamp, signature });
      const delivery = { tokenId: String(req.headers['x-rodizio-token-id']), body, timestamp, signature, verified };
      received.push(delivery);
      listener?.(delivery);
      const behaviour = plan.shift() ?? 'ok';
      if (behaviour === 'hang') {
        hanging.push(res);
        return;
      }
      if (!verified) {
        res.writeHead(401).end();
        return;
      }
      if (behaviour !== 'ok') {
        res.writeHead(behaviour).end();
        return;
      }
      const reentry = JSON.parse(body) as { token_id: string };
      if (!accepted.has(reentry.token_id)) accepted.set(reentry.token_id, reentry); // dedupe on the token id
      res.writeHead(204).end();
    });
  });
  afterTest(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const address = server.address();
  const listening = typeof address === 'object' && address ? address.port : 0;
  return {
    url: receiverUrl(listening),
    received,
    accepted,
    /** Resolves at the next delivery that arrives. */
    next: () => new Promise<ReceivedDelivery>((resolve) => (listener = resolve)),
    /** Changes what the following requests get. */
    script(more: Behaviour[]) {
      plan.splice(0, plan.length, ...more);
    },
    hanging,
  };
}
