import type { Reentry, Token, TokenStatus } from './domain/token.js';
import { NotFoundError, ValidationError } from './errors.js';
import { createCore } from './lifecycle/core.js';
import { createCreateOps } from './lifecycle/create.js';
import { createGrantOps } from './lifecycle/grants.js';
import { createHousekeeping } from './lifecycle/housekeeping.js';
import { createImportOps } from './lifecycle/import.js';
import { createPatchOps } from './lifecycle/patch.js';
import { createReassignOps } from './lifecycle/reassign.js';
import { createSettleOps } from './lifecycle/settle.js';
import type { ChangeContext, ListResult, PurgatoryOptions } from './lifecycle/types.js';
import type { NewEvent } from './store/events.js';
import type { NoteRow } from './store/notes.js';
import type { EnqueuedJobs } from './store/store.js';
import { rowToToken, type TokenRow } from './store/tokens.js';

export type { PatchResult } from './lifecycle/patch.js';
export type { ReassignResult, ReassignVia } from './lifecycle/reassign.js';
export type {
  Actor,
  Answer,
  Change,
  ChangeContext,
  EffectPlanner,
  ListResult,
  PurgatoryOptions,
  SettleResult,
  Vote,
  VoteResult,
} from './lifecycle/types.js';

/** What a delivery sends: a closed token's reentry, and its runner (whose rules and secret apply). */
export interface Deliverable {
  runner: string;
  reentry: Reentry;
}

/**
 * The lifecycle of semaphore tokens. Every state change is one store transaction: a compare-and-set on
 * `status = 'pending'`, an audit event, and the outbox rows for its side effects (see src/lifecycle/).
 */
export function createPurgatory(options: PurgatoryOptions) {
  const core = createCore(options);
  const { store, clock, bus, write, plan, mustGet, reentryOf } = core;

  const deliverableOf = async (row: TokenRow, notes: NoteRow[]): Promise<Deliverable | undefined> => {
    const reentry = await reentryOf(store, row, notes);
    return reentry && { runner: row.runner, reentry };
  };

  /** The token and, once it has left pending, its reentry: one read. NotFoundError for an unknown id. */
  async function withReentry(id: string): Promise<{ token: Token; reentry: Reentry | undefined }> {
    const found = await store.tokens.getWithNotes(id);
    if (!found) throw new NotFoundError(`no token with id ${id}`);
    return { token: rowToToken(found.row), reentry: await reentryOf(store, found.row, found.notes) };
  }
  const {
    insertIn,
    store: _store,
    ...createOps
  } = createCreateOps(core, options.checkDelivery, options.permissionRules);

  return {
    ...createOps,
    // Imported pending tokens are created through insertIn, so they get everything a new token gets.
    ...createImportOps(core, insertIn, options.checkDelivery),
    ...createSettleOps(core),
    ...createHousekeeping(core),
    ...createPatchOps(core),
    ...createReassignOps(core),
    ...createGrantOps(core),

    /** The token, or NotFoundError. */
    async get(id: string): Promise<Token> {
      return rowToToken(await mustGet(store, id));
    },

    async find(id: string): Promise<Token | undefined> {
      const row = await store.tokens.get(id);
      return row ? rowToToken(row) : undefined;
    },

    async list(filter: {
      status?: TokenStatus;
      project?: string;
      runner?: string;
      limit?: number;
      cursor?: string;
    }): Promise<ListResult> {
      const limit = filter.limit ?? 50;
      let before: number | undefined;
      if (filter.cursor !== undefined) {
        before = Number(filter.cursor);
        if (!Number.isSafeInteger(before) || before < 1) {
          throw new ValidationError('the cursor is invalid', [
            { path: 'cursor', message: 'use next_cursor from a previous page' },
          ]);
        }
      }
      const rows = await store.tokens.list({ ...filter, before, limit: limit + 1 });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        tokens: page.map(rowToToken),
        next_cursor: rows.length > limit && last ? String(last.seq) : null,
      };
    },

    /** Current quorum votes, oldest first. */
    async approvals(id: string): Promise<{ user: string; userName: string | null; option: string }[]> {
      return (await store.approvals.forToken(id)).map((a) => ({
        user: a.user_id,
        userName: a.user_name,
        option: a.option,
      }));
    },

    /**
     * Keeps a note (a thread reply) for the reentry. Returns false when `sourceKey` was seen before, so a
     * retried Slack event is recorded once.
     */
    addNote(
      id: string,
      note: { author: string; authorName: string | null; text: string; sourceKey?: string },
    ): Promise<boolean> {
      return write(async (tx) => {
        const nowMs = clock.now();
        const added = await tx.notes.add({ tokenId: id, ...note, atMs: nowMs });
        if (added)
          await tx.events.append({
            tokenId: id,
            type: 'note',
            atMs: nowMs,
            actor: note.author,
            data: { length: note.text.length },
          });
        return added;
      });
    },

    /** The token whose Slack card is `channel`/`ts`. */
    async findBySlackMessage(channel: string, ts: string): Promise<Token | undefined> {
      const row = await store.tokens.bySlackMessage(channel, ts);
      return row ? rowToToken(row) : undefined;
    },

    /** Records where the token's card was posted. */
    setSlackMessage(id: string, channel: string, ts: string): Promise<void> {
      return store.tokens.setSlackMessage(id, channel, ts);
    },

    /** Pending tokens whose deadline has passed. */
    async due(limit = 500): Promise<Token[]> {
      return (await store.tokens.due(clock.now(), limit)).map(rowToToken);
    },

    /** The reentry of a token that has left pending; undefined while it is pending. */
    async reentry(id: string): Promise<Reentry | undefined> {
      return (await withReentry(id)).reentry;
    },

    withReentry,

    /**
     * What a delivery sends, read once: the reentry of a token that has left pending, with its runner (whose
     * rules and secret apply). Undefined when the token is gone or still pending.
     */
    async deliverable(id: string): Promise<Deliverable | undefined> {
      const found = await store.tokens.getWithNotes(id);
      return found && deliverableOf(found.row, found.notes);
    },

    /** `deliverable` for several tokens in one read: ids that are gone or still pending are left out. */
    async deliverables(ids: readonly string[]): Promise<Map<string, Deliverable>> {
      const out = new Map<string, Deliverable>();
      for (const { row, notes } of await store.tokens.getManyWithNotes(ids)) {
        const found = await deliverableOf(row, notes);
        if (found) out.set(row.id, found);
      }
      return out;
    },

    /**
     * Runs `fn` in one transaction with what a state change needs — the current token, audit events, planned
     * side effects — and wakes the outbox once it commits. Follow-up rules (escalate, remind, claim, label)
     * are built on it; `fn` does its compare-and-set through the store and returns what happened.
     */
    change<T>(fn: (ctx: ChangeContext) => Promise<T>): Promise<T> {
      return write((tx) => {
        const nowMs = clock.now();
        return fn({
          nowMs,
          tx,
          token: async (id) => rowToToken(await mustGet(tx, id)),
          event: async (e) => {
            await tx.events.append({ ...e, atMs: nowMs });
          },
          plan: async (c) => {
            await plan(tx, c, nowMs);
          },
          enqueue: async (job) => {
            await tx.outbox.enqueue(job, nowMs);
          },
        });
      });
    },

    /**
     * Called with the id of every token this process moves out of pending, its row as the change left it, and
     * its reentry when the change computed it (answers, cancels and expiries do).
     */
    onSettled(listener: (tokenId: string, row: TokenRow, reentry?: Reentry) => void): () => void {
      bus.on('settled', listener);
      return () => bus.off('settled', listener);
    },

    /**
     * Called with the seq and content of every audit event this process appended, once its transaction has
     * committed; read the table after a tick (the event feed does), never inside the listener.
     */
    onEvent(listener: (seq: number, event: NewEvent) => void): () => void {
      bus.on('event', listener);
      return () => bus.off('event', listener);
    },

    /** Called whenever this process enqueues outbox jobs, once their transaction has committed: what they wait on. */
    onOutbox(listener: (jobs: readonly EnqueuedJobs[]) => void): () => void {
      bus.on('outbox', listener);
      return () => bus.off('outbox', listener);
    },

    /** The store, for the modules that keep tables of their own (intake, follow-ups, phase files) and reads. */
    store,
  };
}

export type Purgatory = ReturnType<typeof createPurgatory>;
