import type { EventStore, NewEvent } from '../store/events.js';
import type { NewJob, OutboxStore } from '../store/outbox.js';

/** An audit event just appended, inside the transaction that appended it. */
export interface AppendedEvent {
  seq: number;
  tokenId: string | null;
  type: string;
  atMs: number;
  actor: string | null;
  data: Record<string, unknown>;
}

/** The runner and project of the token an event concerns. */
export interface TokenOwner {
  runner: string;
  project: string | null;
}

/**
 * Turns an appended event into outbox jobs (subscription deliveries), in the same transaction. `owner` looks
 * the token up only when called, so a planner with nothing to match costs nothing. Must not do I/O but the
 * store's.
 */
export type EventPlanner = (event: AppendedEvent, owner: () => Promise<TokenOwner | undefined>) => Promise<NewJob[]>;

export interface EventHookDeps {
  /** The outbox of the same transaction. */
  outbox: OutboxStore;
  owner(tokenId: string): Promise<TokenOwner | undefined>;
  planner?: EventPlanner;
  /** Told of every appended event; the caller passes it on once the transaction has committed. */
  appended(seq: number, event: NewEvent): void;
}

/** The hooked log, and `follow` for an event another repo appended in the same transaction (a settle's). */
export interface HookedEventStore extends EventStore {
  follow(e: NewEvent, seq: number): Promise<void>;
}

/**
 * Every audit event goes through `append` (or `follow`, for one appended with a settle), whichever lifecycle
 * operation writes it, so this is the one place the feed hears of new events and subscriptions are planned. The
 * append and its jobs share the caller's transaction, so an event is never committed without its deliveries.
 */
export function hookEventStore(events: EventStore, deps: EventHookDeps): HookedEventStore {
  const { outbox, planner } = deps;
  /** After an event is in: its subscription deliveries are planned in the same transaction, then it is counted. */
  async function follow(e: NewEvent, seq: number): Promise<void> {
    if (planner && e.tokenId !== null) {
      const tokenId = e.tokenId;
      const jobs = await planner(
        { seq, tokenId, type: e.type, atMs: e.atMs, actor: e.actor ?? null, data: e.data ?? {} },
        () => deps.owner(tokenId),
      );
      for (const job of jobs) await outbox.enqueue(job, e.atMs);
    }
    deps.appended(seq, e);
  }
  return {
    ...events,
    follow,
    async append(e: NewEvent): Promise<number> {
      const seq = await events.append(e);
      await follow(e, seq);
      return seq;
    },
    async appendMany(batch: readonly NewEvent[]): Promise<number[]> {
      const seqs = await events.appendMany(batch);
      for (const [i, e] of batch.entries()) await follow(e, seqs[i] as number);
      return seqs;
    },
  };
}
