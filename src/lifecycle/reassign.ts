import { type ParsedReassignBody, type Placement, ReassignBody, targetAnswerers } from '../domain/reassign.js';
import type { Token } from '../domain/token.js';
import { ForbiddenError, NotPendingError } from '../errors.js';
import { rowToToken } from '../store/tokens.js';
import { parseOrThrow } from '../validation.js';
import type { Core } from './core.js';
import type { Actor } from './types.js';

export interface ReassignResult {
  /** False when the token already had this target (a retried request): nothing was written. */
  changed: boolean;
  token: Token;
}

/** How a reassignment arrived; recorded in the event. */
export type ReassignVia = 'slack' | 'api' | 'cli';

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Routing a pending token to another human: a person or user group becomes its answerers, or its card moves to
 * another channel (where anyone may answer). One transaction: the compare-and-set, a `reassigned` event with where
 * it was and where it went, and the card jobs. The follow-up columns (received_ms, last reminder, blocked) stay as
 * they were, so reminders and the 24-hour clock carry on; a live claim is cleared.
 */
export function createReassignOps(core: Core) {
  const { write, clock, plan, mustGet, reentryOf } = core;

  const reassignTx = (id: string, { to, note }: ParsedReassignBody, actor: Actor & { by: string; via: ReassignVia }) =>
    write(async (tx): Promise<ReassignResult> => {
      const row = await mustGet(tx, id);
      const before = rowToToken(row);
      if (!actor.admin && before.runner !== actor.runner) {
        throw new ForbiddenError(`token ${id} belongs to another runner`);
      }
      if (row.status !== 'pending') {
        throw new NotPendingError(id, row.status, { token: before, reentry: await reentryOf(tx, row) }, 'reassign');
      }
      const from: Placement = { answerers: before.answerers, channel: before.slack?.channel ?? before.slack_channel };
      const next: Placement = { answerers: targetAnswerers(to), channel: to.channel ?? from.channel };
      if (same(from, next)) return { changed: false, token: before };

      // Spread the stored JSON rather than rebuild it, so extension keys added later survive.
      const ext: Record<string, unknown> = { ...(JSON.parse(row.ext) as Record<string, unknown>) };
      ext.answerers = next.answerers;
      const moving = to.channel !== undefined && to.channel !== from.channel;
      if (to.channel) ext.slack_channel = to.channel;
      // A card already posted elsewhere is left behind: the token forgets it, so the card job posts a new one.
      const movedFrom = moving && before.slack ? before.slack : null;
      await tx.tokens.reassign({
        id,
        ext: JSON.stringify(ext),
        slack_channel_id: movedFrom ? null : row.slack_channel_id,
        slack_ts: movedFrom ? null : row.slack_ts,
      });
      const nowMs = clock.now();
      await tx.events.append({
        tokenId: id,
        type: 'reassigned',
        atMs: nowMs,
        actor: actor.by,
        data: {
          from: { ...from, ...(movedFrom ? { ts: movedFrom.ts } : {}) },
          to: next,
          target: to,
          by: actor.by,
          note: note || null,
          via: actor.via,
        },
      });
      const token = rowToToken(await mustGet(tx, id));
      await plan(tx, { type: 'reassigned', token, target: to, by: actor.by, note: note || null, movedFrom }, nowMs);
      return { changed: true, token };
    });

  return {
    /**
     * Reassigns a pending token (`body` is checked against ReassignBody: ValidationError names each bad field).
     * NotPendingError once it has left pending; ForbiddenError for another runner's token unless admin.
     */
    async reassign(
      id: string,
      body: unknown,
      actor: Actor & { by?: string; via: ReassignVia },
    ): Promise<ReassignResult> {
      const parsed = parseOrThrow(ReassignBody, body, 'the body');
      const by = parsed.by ?? actor.by ?? actor.runner;
      return reassignTx(id, parsed, { ...actor, by });
    },
  };
}
