import { EventEmitter } from 'node:events';
import type { Clock } from './clock.js';
import { validateAnswer } from './domain/answer-schema.js';
import {
  type AnswerVia,
  type Outcome,
  type ParsedTokenInput,
  type Reentry,
  type Token,
  TokenInput,
  type TokenStatus,
} from './domain/token.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from './errors.js';
import { generateTokenId } from './ids.js';
import { contentHash } from './json.js';
import { createApprovalStore } from './store/approvals.js';
import type { Db } from './store/database.js';
import { createEventStore, type EventType } from './store/events.js';
import { createNoteStore } from './store/notes.js';
import { createOutboxStore, type NewJob } from './store/outbox.js';
import {
  createTokenStore,
  type NewTokenRow,
  newRowToToken,
  rowToToken,
  type TokenExt,
  type TokenRow,
} from './store/tokens.js';
import { formatIsoTime, parseIsoTime } from './time.js';
import { zodIssues } from './validation.js';

/** Who is acting through the API or CLI. */
export interface Actor {
  runner: string;
  admin: boolean;
}

/** A committed state change, handed to effect planners so they can enqueue side effects in the same transaction. */
export type Change =
  | { type: 'created'; token: Token }
  | { type: 'settled'; token: Token; outcome: Outcome }
  | { type: 'updated'; token: Token; what: string }
  | { type: 'escalated'; token: Token; target: string | null }
  | { type: 'warned'; token: Token; dueInMs: number }
  | { type: 'reminded'; token: Token; waitedMs: number; mention: string | null }
  | { type: 'blocked'; token: Token }
  | { type: 'github_error'; token: Token; error: string }
  | { type: 'noted'; token: Token; text: string };

/** Inside `purgatory.change(...)`: read, record and plan within one transaction. */
export interface ChangeContext {
  nowMs: number;
  /** The token as the transaction sees it now (after any updates made so far). */
  token(id: string): Token;
  /** Appends an audit event. */
  event(e: { tokenId: string | null; type: EventType; actor?: string | null; data?: Record<string, unknown> }): void;
  /** Enqueues the side effects of a change. */
  plan(change: Change): void;
  /** Enqueues one job directly (e.g. a redelivery), bypassing the planners. */
  enqueue(job: NewJob): void;
}

/** Turns a change into outbox jobs (Slack posts, reentry deliveries, GitHub calls). Must not do I/O. */
export type EffectPlanner = (change: Change) => NewJob[];

export interface Answer {
  humanInput: unknown;
  by: string;
  byName?: string | null;
  via: AnswerVia;
}

export interface Vote {
  option: string;
  by: string;
  byName?: string | null;
  via: AnswerVia;
}

export interface VoteResult {
  /** False when the token had already left pending: nothing was recorded. */
  changed: boolean;
  /** True when this vote completed the quorum and resolved the token. */
  settled: boolean;
  /** People who now chose this option. */
  count: number;
  token: Token;
  reentry: Reentry | undefined;
}

export interface SettleResult {
  /** True when this call moved the token out of pending; false when it had already left. */
  changed: boolean;
  token: Token;
  reentry: Reentry;
}

export interface ListResult {
  tokens: Token[];
  next_cursor: string | null;
}

export interface PurgatoryOptions {
  db: Db;
  clock: Clock;
  planners?: EffectPlanner[];
}

const OUTCOME_OF: Record<Exclude<TokenStatus, 'pending'>, Outcome> = {
  resolved: 'resolved',
  cancelled: 'cancelled',
  expired: 'expired',
};

/**
 * The lifecycle of semaphore tokens. Every state change is one SQLite transaction: a compare-and-set on
 * `status = 'pending'`, an audit event, and the outbox rows for its side effects.
 */
export function createPurgatory({ db, clock, planners = [] }: PurgatoryOptions) {
  const tokens = createTokenStore(db);
  const events = createEventStore(db);
  const outbox = createOutboxStore(db);
  const notes = createNoteStore(db);
  const approvals = createApprovalStore(db);
  const bus = new EventEmitter();
  bus.setMaxListeners(0);

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

  const voteTx = db.transaction((id: string, vote: Vote): VoteResult & { jobs: number } => {
    const row = mustGet(id);
    if (row.status !== 'pending') {
      return { changed: false, settled: false, count: 0, token: rowToToken(row), reentry: reentryOf(row), jobs: 0 };
    }
    const nowMs = clock.now();
    const needed = rowToToken(row).required_approvals;
    approvals.record(id, vote.by, vote.byName ?? null, vote.option, nowMs);
    const count = approvals.forToken(id).filter((a) => a.option === vote.option).length;
    events.append({
      tokenId: id,
      type: 'approval',
      atMs: nowMs,
      actor: vote.by,
      data: { option: vote.option, count, needed },
    });
    if (count >= needed) {
      const { jobs, ...settled } = settleTx(
        id,
        'resolved',
        { humanInput: vote.option, by: vote.by, byName: vote.byName ?? null, via: vote.via },
        'resolved',
        { via: vote.via, human_input: vote.option, approvals: count },
      );
      return { ...settled, settled: true, count, jobs: jobs ?? 0 };
    }
    const token = rowToToken(row);
    const jobs = plan({ type: 'updated', token, what: 'approval' }, nowMs);
    return { changed: true, settled: false, count, token, reentry: undefined, jobs };
  });

  const settleTx = db.transaction(
    (
      id: string,
      status: Exclude<TokenStatus, 'pending'>,
      answer: { humanInput: unknown; by: string | null; byName: string | null; via: AnswerVia | null },
      eventType: EventType,
      eventData: Record<string, unknown>,
    ): SettleResult & { jobs?: number } => {
      const row = mustGet(id);
      if (row.status !== 'pending') {
        return { changed: false, token: rowToToken(row), reentry: reentryOf(row) as Reentry };
      }
      const nowMs = clock.now();
      const changed = tokens.settle({
        id,
        status,
        at: formatIsoTime(nowMs),
        atMs: nowMs,
        humanInput: answer.humanInput,
        by: answer.by,
        byName: answer.byName,
        via: answer.via,
      });
      const after = mustGet(id);
      if (!changed) return { changed: false, token: rowToToken(after), reentry: reentryOf(after) as Reentry };
      events.append({ tokenId: id, type: eventType, atMs: nowMs, actor: answer.by, data: eventData });
      const token = rowToToken(after);
      const jobs = plan({ type: 'settled', token, outcome: OUTCOME_OF[status] }, nowMs);
      return { changed: true, token, reentry: reentryOf(after) as Reentry, jobs };
    },
  );

  function settle(...args: Parameters<typeof settleTx>): SettleResult {
    const { jobs, ...result } = settleTx(...args);
    if (result.changed) bus.emit('settled', result.token.id);
    if (jobs) bus.emit('outbox');
    return result;
  }

  const createTx = db.transaction(
    (input: ParsedTokenInput, runner: string): { token: Token; created: boolean; jobs: number } => {
      const id = input.id ?? freshId();
      const { id: _id, runner: _runner, ...content } = input;
      const hash = contentHash({ ...content, id, runner });
      const nowMs = clock.now();
      const ext: TokenExt = {
        delivery: input.delivery,
        slack_channel: input.slack_channel,
        answerers: input.answerers,
        answer_schema: input.answer_schema,
        expiry_policy: input.expiry_policy,
        requested_by: input.requested_by,
        required_approvals: input.required_approvals,
        destructive_options: input.destructive_options,
        thread_resolves: input.thread_resolves,
      };
      const row: NewTokenRow = {
        id,
        kind: input.kind,
        reason: input.reason,
        prompt: input.prompt,
        options: JSON.stringify(input.options),
        severity: input.severity,
        frozen_state: input.frozen_state,
        original_event: JSON.stringify(input.original_event),
        required_type: input.required_type,
        deadline: input.deadline,
        deadline_ms: input.deadline === null ? null : (parseIsoTime(input.deadline) ?? null),
        escalation: input.escalation,
        created_at: input.created_at ?? formatIsoTime(nowMs),
        received_ms: nowMs,
        runner,
        project: input.project,
        github_issue: input.github_issue,
        ext: JSON.stringify(ext),
        content_hash: hash,
      };
      if (!tokens.insert(row)) {
        // The id is taken: a replay of the same content, or a conflict.
        const existing = mustGet(id);
        if (existing.content_hash === hash) return { token: rowToToken(existing), created: false, jobs: 0 };
        throw new ConflictError(`token ${id} already exists with different content; use a new id`);
      }
      const token = newRowToToken(row);
      events.append({
        tokenId: id,
        type: 'ejected',
        atMs: nowMs,
        actor: runner,
        data: { reason: token.reason, severity: token.severity },
      });
      const jobs = plan({ type: 'created', token }, nowMs);
      return { token, created: true, jobs };
    },
  );

  function createOne(raw: unknown, actor: Actor) {
    const parsed = TokenInput.safeParse(raw);
    if (!parsed.success) throw new ValidationError('the token is invalid', zodIssues(parsed.error));
    const input = parsed.data;
    if (!actor.admin && input.runner !== undefined && input.runner !== actor.runner) {
      throw new ForbiddenError(`runner "${actor.runner}" cannot create tokens for runner "${input.runner}"`);
    }
    return createTx(input, actor.admin ? (input.runner ?? actor.runner) : actor.runner);
  }

  interface Queued {
    raw: unknown;
    actor: Actor;
    resolve: (value: { token: Token; created: boolean }) => void;
    reject: (err: unknown) => void;
  }
  const queue: Queued[] = [];

  function flushQueue(): void {
    const batch = queue.splice(0);
    let outcomes: ({ ok: true; token: Token; created: boolean; jobs: number } | { ok: false; err: unknown })[];
    try {
      outcomes = db.transaction(() =>
        batch.map((q) => {
          try {
            return { ok: true as const, ...createOne(q.raw, q.actor) };
          } catch (err) {
            return { ok: false as const, err };
          }
        }),
      )();
    } catch (err) {
      for (const q of batch) q.reject(err);
      return;
    }
    if (outcomes.some((o) => o.ok && o.jobs > 0)) bus.emit('outbox');
    outcomes.forEach((o, i) => {
      const q = batch[i] as Queued;
      if (o.ok) q.resolve({ token: o.token, created: o.created });
      else q.reject(o.err);
    });
  }

  function freshId(): string {
    for (;;) {
      const id = generateTokenId();
      if (!tokens.get(id)) return id;
    }
  }

  return {
    /**
     * Stores a token. Idempotent on `id`: the same id with the same content returns the stored token with
     * `created: false`; the same id with different content is a ConflictError.
     */
    create(raw: unknown, actor: Actor): { token: Token; created: boolean } {
      const { token, created, jobs } = createOne(raw, actor);
      if (jobs > 0) bus.emit('outbox');
      return { token, created };
    },

    /**
     * `create` with group commit: calls made in the same event-loop turn share one SQLite transaction (each in
     * its own savepoint, so one bad token fails alone). Resolves after the commit, so a 201 is as durable as
     * with `create`; under concurrent load it saves a WAL commit per token.
     */
    createQueued(raw: unknown, actor: Actor): Promise<{ token: Token; created: boolean }> {
      return new Promise((resolve, reject) => {
        queue.push({ raw, actor, resolve, reject });
        if (queue.length === 1) setImmediate(flushQueue);
      });
    },

    /** The token, or NotFoundError. */
    get(id: string): Token {
      return rowToToken(mustGet(id));
    },

    find(id: string): Token | undefined {
      const row = tokens.get(id);
      return row ? rowToToken(row) : undefined;
    },

    list(filter: {
      status?: TokenStatus;
      project?: string;
      runner?: string;
      limit?: number;
      cursor?: string;
    }): ListResult {
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
      const rows = tokens.list({ ...filter, before, limit: limit + 1 });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        tokens: page.map(rowToToken),
        next_cursor: rows.length > limit && last ? String(last.seq) : null,
      };
    },

    /** Records the first answer; later calls change nothing and get the recorded answer back. */
    resolve(id: string, answer: Answer): SettleResult {
      const row = mustGet(id);
      const schema = rowToToken(row).answer_schema;
      if (row.status === 'pending' && schema) {
        const checked = validateAnswer(schema, answer.humanInput);
        if (!checked.ok) {
          throw new ValidationError(
            'human_input does not match the token answer_schema',
            checked.issues.map((i) => ({ path: `human_input${i.path ? `.${i.path}` : ''}`, message: i.message })),
          );
        }
      }
      return settle(
        id,
        'resolved',
        { humanInput: answer.humanInput, by: answer.by, byName: answer.byName ?? null, via: answer.via },
        'resolved',
        { via: answer.via, human_input: answer.humanInput },
      );
    },

    cancel(id: string, by: { actor: string; via: AnswerVia; reason?: string }): SettleResult {
      return settle(
        id,
        'cancelled',
        { humanInput: null, by: by.actor, byName: null, via: by.via },
        'cancelled',
        by.reason ? { reason: by.reason } : {},
      );
    },

    /** Voids a pending token (`voided_at`); the agent receives a reentry with outcome `expired`. */
    expire(id: string, by: { actor: string; via: AnswerVia | null }): SettleResult {
      return settle(id, 'expired', { humanInput: null, by: by.actor, byName: null, via: by.via }, 'expired', {});
    },

    /**
     * One person's choice toward `required_approvals`: recorded (a person may change their mind), and when
     * enough distinct people chose the same option the token resolves with it, in the same transaction.
     */
    vote(id: string, vote: Vote): VoteResult {
      const { jobs, ...result } = voteTx(id, vote);
      if (result.settled) bus.emit('settled', id);
      if (jobs) bus.emit('outbox');
      return result;
    },

    /** Current quorum votes, oldest first. */
    approvals(id: string): { user: string; userName: string | null; option: string }[] {
      return approvals.forToken(id).map((a) => ({ user: a.user_id, userName: a.user_name, option: a.option }));
    },

    /**
     * Keeps a note (a thread reply) for the reentry. Returns false when `sourceKey` was seen before, so a
     * retried Slack event is recorded once.
     */
    addNote(
      id: string,
      note: { author: string; authorName: string | null; text: string; sourceKey?: string },
    ): boolean {
      return db.transaction(() => {
        const nowMs = clock.now();
        const added = notes.add({ tokenId: id, ...note, atMs: nowMs });
        if (added)
          events.append({
            tokenId: id,
            type: 'note',
            atMs: nowMs,
            actor: note.author,
            data: { length: note.text.length },
          });
        return added;
      })();
    },

    /** The token whose Slack card is `channel`/`ts`. */
    findBySlackMessage(channel: string, ts: string): Token | undefined {
      const row = tokens.bySlackMessage(channel, ts);
      return row ? rowToToken(row) : undefined;
    },

    /** Records where the token's card was posted. */
    setSlackMessage(id: string, channel: string, ts: string): void {
      tokens.setSlackMessage(id, channel, ts);
    },

    /** Pending tokens whose deadline has passed. */
    due(limit = 500): Token[] {
      return tokens.due(clock.now(), limit).map(rowToToken);
    },

    /** The reentry of a token that has left pending; undefined while it is pending. */
    reentry(id: string): Reentry | undefined {
      return reentryOf(mustGet(id));
    },

    /**
     * Deletes terminal tokens that left pending more than `retentionMs` ago, in batches. Their audit events,
     * notes and outbox rows go with them (export the log first to keep it); one `gc` event records the run.
     */
    gc(retentionMs: number, batchSize = 500): number {
      const cutoff = clock.now() - retentionMs;
      let deleted = 0;
      const batch = db.transaction((ids: string[]) => {
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

    /**
     * Runs `fn` in one transaction with what a state change needs — the current token, audit events, planned
     * side effects — and wakes the outbox once it commits. Follow-up rules (escalate, remind, claim, label)
     * are built on it; `fn` does its compare-and-set through the store and returns what happened.
     */
    change<T>(fn: (tx: ChangeContext) => T): T {
      let jobs = 0;
      const run = db.transaction(() => {
        const nowMs = clock.now();
        return fn({
          nowMs,
          token: (id) => rowToToken(mustGet(id)),
          event: (e) => events.append({ ...e, atMs: nowMs }),
          plan: (c) => {
            jobs += plan(c, nowMs);
          },
          enqueue: (job) => {
            outbox.enqueue(job, nowMs);
            jobs++;
          },
        });
      });
      const result = run();
      if (jobs > 0) bus.emit('outbox');
      return result;
    },

    /** Called with the id of every token this process moves out of pending. */
    onSettled(listener: (tokenId: string) => void): () => void {
      bus.on('settled', listener);
      return () => bus.off('settled', listener);
    },

    /** Called whenever this process enqueues outbox jobs. */
    onOutbox(listener: () => void): () => void {
      bus.on('outbox', listener);
      return () => bus.off('outbox', listener);
    },

    stores: { tokens, events, outbox, notes, approvals },
  };
}

export type Purgatory = ReturnType<typeof createPurgatory>;
