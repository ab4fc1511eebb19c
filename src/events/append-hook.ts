import type { EventEmitter } from 'node:events';
import { type Db, writeTransaction } from '../store/database.js';
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
 * the token up only when called, so a planner with nothing to match costs nothing. Must not do I/O.
 */
export type EventPlanner = (event: AppendedEvent, owner: () => TokenOwner | undefined) => NewJob[];

export interface EventHookDeps {
  db: Db;
  outbox: OutboxStore;
  /** `event` (seq) tells in-process feed readers to look; `outbox` wakes the worker. */
  bus: EventEmitter;
  owner(tokenId: string): TokenOwner | undefined;
  planner?: EventPlanner;
}

/**
 * Every audit event goes through `append`, whichever lifecycle operation writes it, so this is the one place
 * the feed hears of new events and subscriptions are planned. The append and its jobs share a transaction (a
 * savepoint inside the caller's), so an event is never committed without its deliveries. The bus is told
 * during the transaction: listeners must read later (after a tick), by then it has committed or rolled back,
 * and they read the table by cursor, so a rolled-back event is simply never found.
 */
export function hookEventStore(events: EventStore, deps: EventHookDeps): EventStore {
  const { db, outbox, bus, planner } = deps;
  const append = writeTransaction(db, (e: NewEvent): number => {
    const seq = events.append(e);
    if (planner && e.tokenId !== null) {
      const tokenId = e.tokenId;
      const jobs = planner(
        { seq, tokenId, type: e.type, atMs: e.atMs, actor: e.actor ?? null, data: e.data ?? {} },
        () => deps.owner(tokenId),
      );
      for (const job of jobs) outbox.enqueue(job, e.atMs);
      if (jobs.length > 0) bus.emit('outbox');
    }
    bus.emit('event', seq);
    return seq;
  });
  return { ...events, append };
}
