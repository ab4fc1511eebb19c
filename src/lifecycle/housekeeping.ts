import { writeTransaction } from '../store/database.js';
import { formatIsoTime } from '../time.js';
import type { Core } from './core.js';

/** Retention, the audit log, and counts. */
export function createHousekeeping(core: Core) {
  const { db, clock, tokens, events, outbox, notes, approvals } = core;

  return {
    /**
     * Deletes terminal tokens that left pending more than `retentionMs` ago, in batches. Their audit events,
     * notes and outbox rows go with them (export the log first to keep it); one `gc` event records the run.
     */
    gc(retentionMs: number, batchSize = 500): number {
      const cutoff = clock.now() - retentionMs;
      let deleted = 0;
      const batch = writeTransaction(db, (ids: string[]) => {
        for (const id of ids) {
          events.removeForToken(id);
          notes.removeForToken(id);
          approvals.removeForToken(id);
          outbox.removeForToken(id);
          tokens.remove(id);
        }
      });
      for (;;) {
        const ids = tokens.collectable(cutoff, batchSize);
        if (ids.length === 0) break;
        batch(ids);
        deleted += ids.length;
        if (ids.length < batchSize) break;
      }
      events.append({
        tokenId: null,
        type: 'gc',
        atMs: clock.now(),
        data: { deleted, closed_before: formatIsoTime(cutoff) },
      });
      return deleted;
    },

    /** Every audit event at or after `sinceMs`, oldest first, read page by page (for `rodizio export`). */
    *exportEvents(sinceMs: number, pageSize = 1000) {
      let after = 0;
      for (;;) {
        const page = events.page(sinceMs, after, pageSize);
        for (const e of page) {
          yield {
            seq: e.seq,
            token_id: e.token_id,
            type: e.type,
            at: formatIsoTime(e.at_ms),
            actor: e.actor,
            data: JSON.parse(e.data) as Record<string, unknown>,
          };
        }
        if (page.length < pageSize) return;
        after = page.at(-1)?.seq ?? after;
      }
    },

    /** The audit trail of one token, oldest first. */
    history(id: string) {
      return events.forToken(id).map((e) => ({
        type: e.type,
        at: formatIsoTime(e.at_ms),
        actor: e.actor,
        data: JSON.parse(e.data) as Record<string, unknown>,
      }));
    },

    counts(): Record<string, number> {
      return tokens.countByStatus();
    },
  };
}
