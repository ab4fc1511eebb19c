import { RodizioApiError, type RodizioClient } from '../client/index.js';
import type { Reentry } from '../domain/token.js';
import type { RodizioBackend } from './backend.js';

/** The backend of `rodizio mcp` over stdio and of the hook: the bridge's HTTP API with the runner's secret. */
export function createHttpBackend(client: RodizioClient, now: () => number = Date.now): RodizioBackend {
  return {
    create: (input) => client.createToken(input),
    wait: (tokenId, signal) => client.waitForReentry(tokenId, { signal, pollSeconds: 30 }),
    async cancel(tokenId, reason) {
      try {
        return (await client.cancel(tokenId, reason)).reentry;
      } catch (err) {
        // 409: it left pending first (someone answered); the body carries the reentry that stands.
        if (err instanceof RodizioApiError && err.status === 409) {
          return (err.body as { reentry?: Reentry } | undefined)?.reentry;
        }
        throw err;
      }
    },
    notify: (body) => client.notify(body),
    now,
  };
}
