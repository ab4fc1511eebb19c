import { appendGcAnchor } from '../audit/anchor.js';
import type { RemovedEvent } from '../store/events.js';
import { formatIsoTime } from '../time.js';
import type { Core } from './core.js';

/** Retention, the audit log, and counts. */
export function createHousekeeping(core: Core) {
  const { store, write, clock } = core;

  return {
    /**
     * Deletes terminal tokens that left pending more than `retentionMs` ago, in batches. Their audit events,
     * notes and outbox rows go with them (export the log first to keep it); one `gc` event records the run.
     * Each batch appends an `audit_anchor` event recording the events it removed, so the chain still verifies.
     */
    async gc(retentionMs: number, batchSize = 500): Promise<number> {
      const cutoff = clock.now() - retentionMs;
      let deleted = 0;
      for (;;) {
        // Collected and deleted in one transaction, so a second process running GC cannot count them twice.
        const n = await write(async (tx) => {
          const ids = await tx.tokens.collectable(cutoff, batchSize);
          const removed: RemovedEvent[] = [];
          for (const id of ids) {
            removed.push(...(await tx.events.removeForToken(id)));
            await tx.notes.removeForToken(id);
            await tx.approvals.removeForToken(id);
            await tx.githubRefs.removeForToken(id);
            await tx.outbox.removeForToken(id);
            await tx.tokens.remove(id);
          }
          await appendGcAnchor(tx, removed, ids.length, clock.now());
          return ids.length;
        });
        deleted += n;
        if (n < batchSize) break;
      }
      await write((tx) =>
        tx.events.append({
          tokenId: null,
          type: 'gc',
          atMs: clock.now(),
          data: { deleted, closed_before: formatIsoTime(cutoff) },
        }),
      );
      return deleted;
    },

    /** Every audit event at or after `sinceMs`, oldest first, read page by page (for `rodizio export`). */
    async *exportEvents(sinceMs: number, pageSize = 1000) {
      let after = 0;
      for (;;) {
        const page = await store.events.page(sinceMs, after, pageSize);
        for (const e of page) {
          yield {
            seq: e.seq,
            token_id: e.token_id,
            type: e.type,
            at: formatIsoTime(e.at_ms),
            actor: e.actor,
            data: JSON.parse(e.data) as Record<string, unknown>,
            // The audit chain (src/audit): `rodizio audit verify --file` checks an archive with these.
            hash: e.hash,
            prev_hash: e.prev_hash,
            token_prev_hash: e.token_prev_hash,
          };
        }
        if (page.length < pageSize) return;
        after = page.at(-1)?.seq ?? after;
      }
    },

    /** The audit trail of one token, oldest first. */
    async history(id: string) {
      return (await store.events.forToken(id)).map((e) => ({
        type: e.type,
        at: formatIsoTime(e.at_ms),
        actor: e.actor,
        data: JSON.parse(e.data) as Record<string, unknown>,
      }));
    },

    counts(): Promise<Record<string, number>> {
      return store.tokens.countByStatus();
    },
  };
}
