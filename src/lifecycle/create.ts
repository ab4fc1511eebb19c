import { type ParsedTokenInput, type TimeOffset, type Token, TokenInput } from '../domain/token.js';
import { ConflictError, ForbiddenError, ValidationError } from '../errors.js';
import { generateTokenId } from '../ids.js';
import { contentHash } from '../json.js';
import { writeTransaction } from '../store/database.js';
import { type NewTokenRow, newRowToToken, rowToToken, type TokenExt, type TokenRow } from '../store/tokens.js';
import { formatIsoTime } from '../time.js';
import { zodIssues } from '../validation.js';
import type { Core } from './core.js';
import type { Actor, DeliveryCheck } from './types.js';

/**
 * Why a re-posted id is refused, and what to do instead: the Python purgatory's `save()` overwrites a token to move
 * its deadline; here that is `PATCH /v1/tokens/:id` while the token is pending and belongs to the caller.
 */
function conflictMessage(existing: TokenRow, runner: string): string {
  const id = existing.id;
  if (existing.runner !== runner) return `token ${id} already exists (another runner's); use a new id`;
  if (existing.status !== 'pending') {
    return `token ${id} already exists with different content and is ${existing.status}; use a new id`;
  }
  return (
    `token ${id} already exists with different content; to change its deadline, escalation, severity, prompt or ` +
    `options send PATCH /v1/tokens/${encodeURIComponent(id)} (rodizio patch ${id}), otherwise use a new id`
  );
}

/** The extensions a token keeps in its `ext` column, from what the agent sent and the time offset assumed. */
export function tokenExt(input: ParsedTokenInput, timeOffset: TimeOffset | null): TokenExt {
  return {
    delivery: input.delivery,
    slack_channel: input.slack_channel,
    answerers: input.answerers,
    answer_schema: input.answer_schema,
    expiry_policy: input.expiry_policy,
    requested_by: input.requested_by,
    required_approvals: input.required_approvals,
    destructive_options: input.destructive_options,
    thread_resolves: input.thread_resolves,
    time_offset: timeOffset,
  };
}

export interface CreateOptions {
  /** Infer a naive created_at's offset from its arrival time (default); imports turn it off. */
  inferOffset?: boolean;
}

/** Storing tokens: validation, runner checks, idempotency on `id`, and group commit for the API. */
export function createCreateOps(core: Core, checkDelivery?: DeliveryCheck) {
  const { db, clock, tokens, events, bus, times, plan, mustGet } = core;

  const createTx = writeTransaction(
    db,
    (input: ParsedTokenInput, runner: string, infer: boolean): { token: Token; created: boolean; jobs: number } => {
      const id = input.id ?? freshId();
      const { id: _id, runner: _runner, ...content } = input;
      const hash = contentHash({ ...content, id, runner });
      const nowMs = clock.now();
      // Naive times are the agent's local time: read them in its declared zone or an offset its created_at shows.
      const read = times.atCreate(input, runner, nowMs, infer);
      const ext = tokenExt(input, read.timeOffset);
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
        deadline_ms: read.deadlineMs,
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
        throw new ConflictError(conflictMessage(existing, runner));
      }
      const token = newRowToToken(row);
      if (read.timeOffset) times.inferred(runner, id, read.timeOffset);
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

  function createOne(raw: unknown, actor: Actor, options: CreateOptions = {}) {
    const parsed = TokenInput.safeParse(raw);
    if (!parsed.success) throw new ValidationError('the token is invalid', zodIssues(parsed.error));
    const input = parsed.data;
    if (!actor.admin && input.runner !== undefined && input.runner !== actor.runner) {
      throw new ForbiddenError(`runner "${actor.runner}" cannot create tokens for runner "${input.runner}"`);
    }
    const runner = actor.admin ? (input.runner ?? actor.runner) : actor.runner;
    // Every path that stores a token passes here, so a runner cannot name a target its rules refuse.
    if (input.delivery && checkDelivery) checkDelivery(runner, input.delivery);
    return createTx(input, runner, options.inferOffset ?? true);
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
      outcomes = writeTransaction(db, () =>
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
    create(raw: unknown, actor: Actor, options?: CreateOptions): { token: Token; created: boolean } {
      const { token, created, jobs } = createOne(raw, actor, options);
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
  };
}
