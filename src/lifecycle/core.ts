import { AsyncLocalStorage } from 'node:async_hooks';
import { EventEmitter } from 'node:events';
import type { Clock } from '../clock.js';
import type { Outcome, Reentry, TokenStatus } from '../domain/token.js';
import { NotFoundError } from '../errors.js';
import { hookEventStore } from '../events/append-hook.js';
import type { NewEvent } from '../store/events.js';
import type { NoteRow } from '../store/notes.js';
import type { NewJob } from '../store/outbox.js';
import type { EnqueuedJobs, Repos, Signal, Store, Tx } from '../store/store.js';
import { rowToToken, type TokenRow } from '../store/tokens.js';
import { formatIsoTime } from '../time.js';
import { createTimeReader, type TimeReader } from './time-zones.js';
import type { Change, PurgatoryOptions } from './types.js';

export const OUTCOME_OF: Record<Exclude<TokenStatus, 'pending'>, Outcome> = {
  resolved: 'resolved',
  cancelled: 'cancelled',
  expired: 'expired',
};

/** What a committed transaction tells this process's listeners (long-polls, the worker, the event feed). */
interface Wakes {
  /** Tokens moved out of pending, as they were left. */
  /** With each one's reentry as the write computed it (see `settledWith`): sent with its wake, so no one reads it. */
  settled: Map<string, { row: TokenRow; reentry?: Reentry }>;
  /** The jobs enqueued, one entry per gate and place in their lane, so a worker can tell a wake it cannot act on. */
  outbox: Map<string, EnqueuedJobs>;
  events: { seq: number; event: NewEvent }[];
  /** The open transaction's `atCommit` (see TransactionBody): where `plan` leaves its enqueue. */
  atCommit?: (call: Promise<unknown>) => void;
}

/**
 * What every lifecycle operation shares: the store, the event bus that wakes long-polls and the outbox, the
 * planners that turn a change into outbox jobs, and the reentry a closed token reads as.
 */
export function createCore({
  store,
  clock,
  planners = [],
  runnerTimeZone,
  logger,
  eventPlanner,
}: PurgatoryOptions): Core {
  const bus = new EventEmitter();
  bus.setMaxListeners(0);
  const times = createTimeReader({ runnerTimeZone, logger });

  /**
   * The transaction's repos, instrumented: every settled token, enqueued job and appended event is remembered
   * so this process's listeners are told after the commit, and the other processes with it (`signalAll`).
   * Every audit event passes the event hook: it plans subscription deliveries in the same transaction.
   */
  function instrument(tx: Tx, wakes: Wakes): Tx {
    const enqueued = (job: NewJob, laneHead: boolean) => {
      const kind: EnqueuedJobs = { ...(job.gate ? { gate: job.gate } : {}), ...(laneHead ? {} : { behind: true }) };
      wakes.outbox.set(`${job.gate ?? ''}\n${laneHead}`, kind);
    };
    const outbox = {
      ...tx.outbox,
      async enqueue(job: NewJob, nowMs: number) {
        const { id, laneHead } = await tx.outbox.enqueueInLane(job, nowMs);
        enqueued(job, laneHead);
        return id;
      },
      async enqueueMany(jobs: readonly NewJob[], nowMs: number) {
        const out = await tx.outbox.enqueueMany(jobs, nowMs);
        for (const [i, { laneHead }] of out.entries()) enqueued(jobs[i] as NewJob, laneHead);
        return out;
      },
    };
    const events = hookEventStore(tx.events, {
      outbox,
      owner: (id) => tx.tokens.get(id),
      planner: eventPlanner,
      appended: (seq, event) => {
        wakes.events.push({ seq, event });
      },
    });
    const tokens = {
      ...tx.tokens,
      async settle(...args: Parameters<Tx['tokens']['settle']>) {
        const settled = await tx.tokens.settle(...args);
        if (settled) wakes.settled.set(settled.row.id, { row: settled.row });
        const event = args[1];
        if (event && settled?.eventSeq !== undefined) await events.follow(event, settled.eventSeq);
        return settled;
      },
    };
    return { ...tx, outbox, tokens, events };
  }

  /**
   * What the other processes hear of a write, sent with its commit: settled tokens (a long-poll elsewhere answers
   * from the reentry carried here), then one word of new events. Enqueued jobs are told by the store's enqueue
   * itself, which knows where each went in its lane without a round trip back here (see `plan`).
   */
  function signalAll(wakes: Wakes, signal: (s: Signal) => void): void {
    for (const [id, { reentry }] of wakes.settled)
      signal({ kind: 'settled', tokenId: id, ...(reentry ? { reentry } : {}) });
    if (wakes.events.length > 0) signal({ kind: 'event' });
  }

  /** The wakes of the outermost write this call runs inside, if any. */
  const writing = new AsyncLocalStorage<Wakes>();

  async function write<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const outer = writing.getStore();
    // Inside another write (a phase close resolving its token): the store joins that transaction, and its
    // listeners hear of both once the outer one has committed, never of a write that may still roll back.
    if (outer) return store.transaction((tx) => fn(instrument(tx, outer)));
    const fresh = (): Wakes => ({ settled: new Map(), outbox: new Map(), events: [] });
    let wakes = fresh();
    const result = await store.transaction(async (tx, signal, atCommit) => {
      // A retried transaction starts over: forget what the failed attempt did.
      wakes = { ...fresh(), atCommit };
      const done = await writing.run(wakes, () => fn(instrument(tx, wakes)));
      signalAll(wakes, signal);
      return done;
    });
    for (const { seq, event } of wakes.events) bus.emit('event', seq, event);
    for (const [id, { row, reentry }] of wakes.settled) bus.emit('settled', id, row, reentry);
    if (wakes.outbox.size > 0) bus.emit('outbox', [...wakes.outbox.values()]);
    return result;
  }

  /**
   * The planners' jobs in one statement, in planner order (a lane's jobs run in that order). Inside a write, the
   * statement is left for the commit: nothing after it needs its result before then, and on Postgres it goes out
   * with the COMMIT, one round trip fewer while an answer holds the audit log's head (see TransactionBody).
   */
  async function plan(tx: Tx, change: Change, nowMs: number): Promise<number> {
    const jobs = planners.flatMap((planner) => planner(change).map((job) => ({ tokenId: change.token.id, ...job })));
    if (jobs.length === 0) return 0;
    const enqueuing = tx.outbox.enqueueMany(jobs, nowMs);
    const atCommit = writing.getStore()?.atCommit;
    if (atCommit) atCommit(enqueuing);
    else await enqueuing;
    return jobs.length;
  }

  /** The reentry a settle in the running write computed: sent with the token's wake (see `signalAll`). */
  function settledWith(reentry: Reentry): void {
    const settled = writing.getStore()?.settled.get(reentry.token_id);
    if (settled) settled.reentry = reentry;
  }

  async function mustGet(repos: Repos, id: string): Promise<TokenRow> {
    const row = await repos.tokens.get(id);
    if (!row) throw new NotFoundError(`no token with id ${id}`);
    return row;
  }

  /** `notes`: the token's notes when the caller read them with it (tokens.getWithNotes). */
  async function reentryOf(repos: Repos, row: TokenRow, notesRead?: NoteRow[]): Promise<Reentry | undefined> {
    if (row.status === 'pending') return undefined;
    const token = rowToToken(row);
    const notes = notesRead ?? (await repos.notes.forToken(row.id));
    const approvals =
      token.required_approvals > 1 && row.status === 'resolved' ? await repos.approvals.forToken(row.id) : [];
    const approvedSha = token.github_ref ? (await repos.githubRefs.get(row.id))?.approved_sha : null;
    return {
      token_id: token.id,
      frozen_state: token.frozen_state,
      human_input: token.human_input,
      original_event: token.original_event,
      outcome: OUTCOME_OF[row.status as Exclude<TokenStatus, 'pending'>],
      answered_by: token.answered_by,
      answered_by_name: token.answered_by_name,
      answered_at: token.resolved_at ?? token.cancelled_at ?? token.voided_at ?? formatIsoTime(row.closed_ms ?? 0),
      via: token.answered_via,
      ...(token.edited_input !== undefined ? { edited_input: token.edited_input } : {}),
      ...(token.message !== undefined ? { message: token.message } : {}),
      ...(token.decided_by !== undefined ? { decided_by: token.decided_by } : {}),
      notes: notes.map((n) => ({
        by: n.author,
        by_name: n.author_name,
        text: n.text,
        at: formatIsoTime(n.at_ms),
      })),
      ...(token.required_approvals > 1 && row.status === 'resolved'
        ? { approvals: approvals.filter((a) => a.option === token.human_input).map((a) => a.user_id) }
        : {}),
      ...(approvedSha ? { approved_sha: approvedSha } : {}),
    };
  }

  return { store, clock, bus, times, write, plan, settledWith, mustGet, reentryOf };
}

export interface Core {
  /** Reads outside any transaction (each call on its own). */
  store: Store;
  clock: Clock;
  /**
   * `settled` (token id, row, and the reentry when the write computed it) wakes long-polls; `outbox` (the jobs
   * enqueued, EnqueuedJobs[]) wakes the worker; `event` (seq) wakes the event feed.
   */
  bus: EventEmitter;
  /** Reads naive times with the runner's time zone or an inferred offset (see time-zones.ts). */
  times: TimeReader;
  /**
   * One write transaction through the instrumented repos; this process's listeners are told what it did once
   * it has committed, and the other processes through the store's signals.
   */
  write<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Enqueues the planners' jobs for a change; returns how many. */
  plan(tx: Tx, change: Change, nowMs: number): Promise<number>;
  /** Called inside a write with the reentry of a token it settled: its wake carries it (see Signal). */
  settledWith(reentry: Reentry): void;
  mustGet(repos: Repos, id: string): Promise<TokenRow>;
  reentryOf(repos: Repos, row: TokenRow, notes?: NoteRow[]): Promise<Reentry | undefined>;
}
