import { GRANT_RETENTION_MS, type Grant } from '../domain/grant.js';
import { NotFoundError } from '../errors.js';
import { rowToGrant } from '../store/grants.js';
import { rowToToken } from '../store/tokens.js';
import type { Core } from './core.js';

/** How many live grants a list shows at most (App Home, `/rodizio grants`). */
const LIST_LIMIT = 100;

/** Standing grants: listing the live ones and revoking one (grants are made with an answer, see settle.ts). */
export function createGrantOps(core: Core) {
  const { store, clock, write, plan } = core;

  return {
    /** Grants still live now (unrevoked, unexpired), soonest to expire first. */
    async liveGrants(limit = LIST_LIMIT): Promise<Grant[]> {
      return (await store.grants.listLive(clock.now(), limit)).map(rowToGrant);
    },

    /**
     * Deletes the grants that expired more than `retentionMs` ago, in batches (the `gc` sweep); returns how many.
     * Only the rows go: their audit events stay with the tokens.
     */
    async removeExpiredGrants(retentionMs = GRANT_RETENTION_MS, batchSize = 500): Promise<number> {
      const cutoff = clock.now() - retentionMs;
      let removed = 0;
      for (;;) {
        const n = await store.grants.removeExpired(cutoff, batchSize);
        removed += n;
        if (n < batchSize) return removed;
      }
    },

    /** One grant, live or not; undefined when unknown. */
    async findGrant(id: string): Promise<Grant | undefined> {
      const row = await store.grants.get(id);
      return row ? rowToGrant(row) : undefined;
    },

    /**
     * Revokes a grant (compare-and-set: revoking twice changes nothing the second time), audited on the token
     * whose card made it and said in that card's thread. NotFoundError for an unknown id.
     */
    revokeGrant(id: string, by: string): Promise<{ changed: boolean; grant: Grant }> {
      return write(async (tx) => {
        const nowMs = clock.now();
        const revoked = await tx.grants.revoke(id, by, nowMs);
        if (!revoked) {
          const row = await tx.grants.get(id);
          if (!row) throw new NotFoundError(`no grant with id ${id}`);
          return { changed: false, grant: rowToGrant(row) };
        }
        const grant = rowToGrant(revoked);
        await tx.events.append({
          tokenId: grant.token_id,
          type: 'grant_revoked',
          atMs: nowMs,
          actor: by,
          data: {
            grant_id: grant.id,
            runner: grant.runner,
            tool: grant.tool,
            scope: grant.scope,
            value: grant.value,
            expires_at: grant.expires_at,
            uses: grant.uses,
          },
        });
        const origin = await tx.tokens.get(grant.token_id);
        if (origin) {
          const text = `🔒 <@${by}> revoked this standing grant (${grant.id}); matching requests are asked again.`;
          await plan(tx, { type: 'noted', token: rowToToken(origin), text }, nowMs);
        }
        return { changed: true, grant };
      });
    },
  };
}
