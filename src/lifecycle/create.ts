import type { PermissionRules } from '../domain/permission.js';
import { type ParsedTokenInput, type TimeOffset, type Token, TokenInput } from '../domain/token.js';
import { ConflictError, ForbiddenError, RodizioError, ValidationError } from '../errors.js';
import { generateTokenId } from '../ids.js';
import { contentHash } from '../json.js';
import type { Tx } from '../store/store.js';
import { type NewTokenRow, newRowToToken, rowToToken, type TokenExt, type TokenRow } from '../store/tokens.js';
import { formatIsoTime } from '../time.js';
import { zodIssues } from '../validation.js';
import { decideAtCreate } from './auto-decide.js';
import type { Core } from './core.js';
import { watchRefIn } from './github-refs.js';
import type { Actor, AutoDecision, DeliveryCheck } from './types.js';

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
    ...(input.proposed_input !== null ? { proposed_input: input.proposed_input } : {}),
    ...(input.permission !== null ? { permission: input.permission } : {}),
    ...(input.answerer_permission ? { answerer_permission: input.answerer_permission } : {}),
    ...(input.github_ref ? { github_ref: input.github_ref } : {}),
  };
}

/**
 * What the content hash covers: everything the agent sent but the id and runner, without the edit-before-approve
 * keys when they are unset, so a token stored before they existed still hashes the same when it is sent again.
 */
export function hashedContent(input: ParsedTokenInput): Record<string, unknown> {
  const { id: _id, runner: _runner, proposed_input, permission, ...content } = input;
  return {
    ...content,
    ...(proposed_input !== null ? { proposed_input } : {}),
    ...(permission !== null ? { permission } : {}),
  };
}

interface Queued {
  input: ParsedTokenInput;
  runner: string;
  resolve: (value: { token: Token; created: boolean }) => void;
  reject: (err: unknown) => void;
}

type Outcome = { ok: true; token: Token; created: boolean } | { ok: false; err: unknown };

/** Tokens per group-commit transaction at most, so one transaction stays short. */
const MAX_BATCH = 100;

export interface CreateOptions {
  /** Infer a naive created_at's offset from its arrival time (default); imports turn it off. */
  inferOffset?: boolean;
}

/** Storing tokens: validation, runner checks, idempotency on `id`, and group commit for the API. */
export function createCreateOps(core: Core, checkDelivery?: DeliveryCheck, rules?: PermissionRules) {
  const { store, clock, write, times, plan, mustGet } = core;

  /** Validates what the agent sent and decides the runner; throws before anything is written. */
  function prepare(raw: unknown, actor: Actor): { input: ParsedTokenInput; runner: string } {
    const parsed = TokenInput.safeParse(raw);
    if (!parsed.success) throw new ValidationError('the token is invalid', zodIssues(parsed.error));
    const input = parsed.data;
    if (!actor.admin && input.runner !== undefined && input.runner !== actor.runner) {
      throw new ForbiddenError(`runner "${actor.runner}" cannot create tokens for runner "${input.runner}"`);
    }
    const runner = actor.admin ? (input.runner ?? actor.runner) : actor.runner;
    // Every path that stores a token passes here, so a runner cannot name a target its rules refuse.
    if (input.delivery && checkDelivery) checkDelivery(runner, input.delivery);
    return { input, runner };
  }

  /** The row a token is stored as (and its read times), from what the agent sent; nothing is written. */
  function buildRow(input: ParsedTokenInput, runner: string, id: string, infer: boolean) {
    const hash = contentHash({ ...hashedContent(input), id, runner });
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
    return { row, read, nowMs };
  }
  type Built = ReturnType<typeof buildRow>;

  /** The id is taken: a replay of the same content returns the stored token, anything else is a conflict. */
  async function replayOf(tx: Tx, row: NewTokenRow): Promise<{ token: Token; created: false }> {
    const existing = await mustGet(tx, row.id);
    if (existing.content_hash === row.content_hash) return { token: rowToToken(existing), created: false };
    throw new ConflictError(conflictMessage(existing, row.runner));
  }

  const ejected = ({ row, nowMs }: Built) => ({
    tokenId: row.id,
    type: 'ejected' as const,
    atMs: nowMs,
    actor: row.runner,
    data: { reason: row.reason, severity: row.severity },
  });

  /** What follows a token's insert and its `ejected` event: the ref it watches, then a rule's decision or its jobs. */
  async function afterInsert(tx: Tx, input: ParsedTokenInput, { row, read, nowMs }: Built): Promise<Token> {
    const token = newRowToToken(row);
    if (input.github_ref) await watchRefIn(tx, row.id, input.github_ref);
    if (read.timeOffset) times.inferred(row.runner, row.id, read.timeOffset);
    // A permission request a rule or grant decides is stored answered: no card, and the agent's wait ends at once.
    const decision = await decideAtCreate(tx, token, rules, nowMs);
    if (decision) return settleAtCreate(tx, token, decision, nowMs);
    await plan(tx, { type: 'created', token }, nowMs);
    return token;
  }

  /** Inserts one token with its audit event and planned jobs, inside the caller's transaction. */
  async function insertIn(
    tx: Tx,
    input: ParsedTokenInput,
    runner: string,
    infer: boolean,
  ): Promise<{ token: Token; created: boolean }> {
    const built = buildRow(input, runner, input.id ?? (await freshId(tx)), infer);
    if (!(await tx.tokens.insert(built.row))) return replayOf(tx, built.row);
    await tx.events.append(ejected(built));
    return { token: await afterInsert(tx, input, built), created: true };
  }

  /**
   * A group-commit batch in one transaction, with one statement for all the new rows and one for their `ejected`
   * events (on Postgres each statement is a round trip). A token without an id, a second one with the same id,
   * and a taken id go one by one after the others, so a replay inside the batch finds the first one stored.
   */
  async function insertBatch(tx: Tx, batch: readonly Queued[]): Promise<Outcome[]> {
    const out: Outcome[] = [];
    const ids = new Set<string>();
    const together: { i: number; built: Built }[] = [];
    const alone: number[] = [];
    for (const [i, q] of batch.entries()) {
      if (q.input.id === undefined || ids.has(q.input.id)) {
        alone.push(i);
        continue;
      }
      ids.add(q.input.id);
      // A refusal (an unreadable deadline, say) is decided before anything of that token is written.
      try {
        together.push({ i, built: buildRow(q.input, q.runner, q.input.id, true) });
      } catch (err) {
        if (!(err instanceof RodizioError)) throw err;
        out[i] = { ok: false, err };
      }
    }
    const inserted = await tx.tokens.insertMany(together.map((t) => t.built.row));
    // Taken ids go one by one below: a replay or a conflict, decided against the stored row.
    const fresh: typeof together = [];
    for (const [k, t] of together.entries()) {
      if (inserted[k]) fresh.push(t);
      else alone.push(t.i);
    }
    await tx.events.appendMany(fresh.map((t) => ejected(t.built)));
    for (const { i, built } of fresh) {
      out[i] = { ok: true, token: await afterInsert(tx, (batch[i] as Queued).input, built), created: true };
    }
    for (const i of alone.sort((a, b) => a - b)) {
      const q = batch[i] as Queued;
      // A refusal (a conflicting id) is decided before anything of that token is written, so the others can
      // still commit; a failure of the database itself fails the whole batch.
      try {
        out[i] = { ok: true, ...(await insertIn(tx, q.input, q.runner, true)) };
      } catch (err) {
        if (!(err instanceof RodizioError)) throw err;
        out[i] = { ok: false, err };
      }
    }
    return out;
  }

  /** Records an automatic decision on a token just inserted, in the same transaction; nothing asks a person. */
  async function settleAtCreate(tx: Tx, token: Token, decision: AutoDecision, nowMs: number): Promise<Token> {
    const row = await mustGet(tx, token.id);
    const answer = { decided_by: decision.decidedBy, ...(decision.message ? { message: decision.message } : {}) };
    const ext = { ...(JSON.parse(row.ext) as object), answer };
    const settled = await tx.tokens.settle(
      {
        id: token.id,
        status: 'resolved',
        at: formatIsoTime(nowMs),
        atMs: nowMs,
        humanInput: decision.humanInput,
        by: 'rodizio',
        byName: null,
        via: decision.via,
        ext: JSON.stringify(ext),
      },
      {
        tokenId: token.id,
        type: 'resolved',
        atMs: nowMs,
        actor: 'rodizio',
        data: { via: decision.via, human_input: decision.humanInput, ...answer, ...decision.audit },
      },
    );
    // Inserted as pending a moment ago in this very transaction: nothing else can have settled it.
    if (!settled) throw new Error(`token ${token.id} left pending before its automatic decision`);
    const decided = rowToToken(settled.row);
    await plan(
      tx,
      {
        type: 'settled',
        token: decided,
        outcome: 'resolved',
        ...(decision.grantThread ? { grantThread: decision.grantThread } : {}),
      },
      nowMs,
    );
    return decided;
  }

  const queue: Queued[] = [];
  let flushing = false;

  /**
   * Group commit: one batch in flight at a time; calls that arrive while it commits wait for the next one,
   * so under load each transaction carries every request that came in during the previous commit.
   */
  async function drain(): Promise<void> {
    try {
      while (queue.length > 0) await flushBatch(queue.splice(0, MAX_BATCH));
    } finally {
      flushing = false;
    }
  }

  async function flushBatch(batch: Queued[]): Promise<void> {
    let outcomes: Outcome[];
    try {
      outcomes = await write((tx) => insertBatch(tx, batch));
    } catch (err) {
      for (const q of batch) q.reject(err);
      return;
    }
    outcomes.forEach((o, i) => {
      const q = batch[i] as Queued;
      if (o.ok) q.resolve({ token: o.token, created: o.created });
      else q.reject(o.err);
    });
  }

  async function freshId(tx: Tx): Promise<string> {
    for (;;) {
      const id = generateTokenId();
      if (!(await tx.tokens.get(id))) return id;
    }
  }

  return {
    /**
     * Stores a token. Idempotent on `id`: the same id with the same content returns the stored token with
     * `created: false`; the same id with different content is a ConflictError.
     */
    async create(raw: unknown, actor: Actor, options: CreateOptions = {}): Promise<{ token: Token; created: boolean }> {
      const { input, runner } = prepare(raw, actor);
      return write((tx) => insertIn(tx, input, runner, options.inferOffset ?? true));
    },

    /** Inserts a validated token inside an open transaction (imports of pending tokens). */
    insertIn: async (tx: Tx, raw: unknown, actor: Actor, options: CreateOptions = {}) => {
      const { input, runner } = prepare(raw, actor);
      return insertIn(tx, input, runner, options.inferOffset ?? true);
    },

    /**
     * `create` with group commit: calls that arrive while a batch commits share the next transaction. Resolves
     * after the commit, so a 201 is as durable as with `create`; under concurrent load it saves a commit per token.
     */
    createQueued(raw: unknown, actor: Actor): Promise<{ token: Token; created: boolean }> {
      return new Promise((resolve, reject) => {
        let prepared: { input: ParsedTokenInput; runner: string };
        try {
          prepared = prepare(raw, actor);
        } catch (err) {
          reject(err);
          return;
        }
        queue.push({ ...prepared, resolve, reject });
        if (!flushing) {
          flushing = true;
          setImmediate(() => void drain());
        }
      });
    },

    /** The store, for reads outside a transaction. */
    store,
  };
}
