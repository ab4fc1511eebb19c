import { EventEmitter } from 'node:events';
import type { Clock } from '../clock.js';
import type { Outcome, Reentry, TokenStatus } from '../domain/token.js';
import { NotFoundError } from '../errors.js';
import { hookEventStore } from '../events/append-hook.js';
import { type ApprovalStore, createApprovalStore } from '../store/approvals.js';
import type { Db } from '../store/database.js';
import { createEventStore, type EventStore } from '../store/events.js';
import { createNoteStore, type NoteStore } from '../store/notes.js';
import { createOutboxStore, type OutboxStore } from '../store/outbox.js';
import { createTokenStore, rowToToken, type TokenRow, type TokenStore } from '../store/tokens.js';
import { formatIsoTime } from '../time.js';
import { createTimeReader, type TimeReader } from './time-zones.js';
import type { Change, PurgatoryOptions } from './types.js';

export const OUTCOME_OF: Record<Exclude<TokenStatus, 'pending'>, Outcome> = {
  resolved: 'resolved',
  cancelled: 'cancelled',
  expired: 'expired',
};

/**
 * What every lifecycle operation shares: the stores, the event bus that wakes long-polls and the outbox, the
 * planners that turn a change into outbox jobs, and the reentry a closed token reads as.
 */
export function createCore({ db, clock, planners = [], runnerTimeZone, logger, eventPlanner }: PurgatoryOptions): Core {
  const tokens = createTokenStore(db);
  const outbox = createOutboxStore(db);
  const notes = createNoteStore(db);
  const approvals = createApprovalStore(db);
  const bus = new EventEmitter();
  bus.setMaxListeners(0);
  // Every audit event passes this hook: it wakes the event feed and plans subscription deliveries (src/events/).
  const events = hookEventStore(createEventStore(db), {
    db,
    outbox,
    bus,
    owner: (id) => tokens.get(id),
    planner: eventPlanner,
  });
  const times = createTimeReader({ runnerTimeZone, logger });

  function plan(change: Change, nowMs: number): number {
    let n = 0;
    for (const planner of planners) {
      for (const job of planner(change)) {
        outbox.enqueue({ tokenId: change.token.id, ...job }, nowMs);
        n++;
      }
    }
    return n;
  }

  function mustGet(id: string): TokenRow {
    const row = tokens.get(id);
    if (!row) throw new NotFoundError(`no token with id ${id}`);
    return row;
  }

  function reentryOf(row: TokenRow): Reentry | undefined {
    if (row.status === 'pending') return undefined;
    const token = rowToToken(row);
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
      notes: notes.forToken(row.id).map((n) => ({
        by: n.author,
        by_name: n.author_name,
        text: n.text,
        at: formatIsoTime(n.at_ms),
      })),
      ...(token.required_approvals > 1 && row.status === 'resolved'
        ? {
            approvals: approvals
              .forToken(row.id)
              .filter((a) => a.option === token.human_input)
              .map((a) => a.user_id),
          }
        : {}),
    };
  }

  return { db, clock, tokens, events, outbox, notes, approvals, bus, times, plan, mustGet, reentryOf };
}

export interface Core {
  db: Db;
  clock: Clock;
  tokens: TokenStore;
  events: EventStore;
  outbox: OutboxStore;
  notes: NoteStore;
  approvals: ApprovalStore;
  /** `settled` (token id) wakes long-polls; `outbox` wakes the worker; `event` (seq) wakes the event feed. */
  bus: EventEmitter;
  /** Reads naive times with the runner's time zone or an inferred offset (see time-zones.ts). */
  times: TimeReader;
  /** Enqueues the planners' jobs for a change; returns how many. */
  plan(change: Change, nowMs: number): number;
  mustGet(id: string): TokenRow;
  reentryOf(row: TokenRow): Reentry | undefined;
}
