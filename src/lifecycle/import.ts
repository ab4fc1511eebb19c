import { setImmediate as nextTurn } from 'node:timers/promises';
import { z } from 'zod';
import {
  IsoTime,
  type ParsedTokenInput,
  type TimeOffset,
  type Token,
  TokenInput,
  type TokenStatus,
} from '../domain/token.js';
import { type FieldIssue, ForbiddenError, RodizioError, ValidationError } from '../errors.js';
import { contentHash } from '../json.js';
import type { Tx } from '../store/store.js';
import type { ClosedTokenRow } from '../store/tokens.js';
import { formatIsoTime, parseIsoTime } from '../time.js';
import { zodIssues } from '../validation.js';
import type { Core } from './core.js';
import { type CreateOptions, hashedContent, tokenExt } from './create.js';
import type { Actor, DeliveryCheck } from './types.js';

export type ClosedStatus = Exclude<TokenStatus, 'pending'>;

/** The wire format's terminal timestamps and the status each one means (`voided` = expired by its deadline). */
const TERMINAL: readonly (readonly ['resolved_at' | 'cancelled_at' | 'voided_at', ClosedStatus])[] = [
  ['resolved_at', 'resolved'],
  ['cancelled_at', 'cancelled'],
  ['voided_at', 'expired'],
];

const TerminalTimes = z.object({
  resolved_at: IsoTime.nullable().optional(),
  cancelled_at: IsoTime.nullable().optional(),
  voided_at: IsoTime.nullable().optional(),
});

/** What happened to one token of an import, in file order. */
export type ImportOutcome =
  /** `timeOffset`: what create assumed about the token's naive times (see time-zones.ts). */
  | { outcome: 'live'; id: string; timeOffset: TimeOffset | null }
  | { outcome: 'history'; id: string; status: ClosedStatus }
  /** `status` is the stored token's; `earlier` says the id came earlier in the same import. */
  | { outcome: 'skipped'; id: string; status: TokenStatus; earlier: boolean }
  | { outcome: 'refused'; id: string | null; error: RodizioError };

export interface ImportOptions {
  /** The runner that owns every imported token. */
  runner: string;
  /** Who imports (the audit event's actor). */
  by: string;
  /** Validate and report, then roll back: nothing is written. */
  dryRun?: boolean;
}

/**
 * Tokens per transaction. Each transaction holds SQLite's write lock; other processes wait at most
 * BUSY_TIMEOUT_MS for it, so a big file is written in slices with an event-loop turn between them.
 */
const SLICE = 250;

/** Thrown inside a dry run's transaction so SQLite rolls it back; carries what would have happened. */
class DryRunRollback extends Error {
  constructor(readonly outcomes: ImportOutcome[]) {
    super('dry run: rolled back');
  }
}

type InsertIn = (
  tx: Tx,
  raw: unknown,
  actor: Actor,
  options?: CreateOptions,
) => Promise<{ token: Token; created: boolean }>;

/**
 * Importing tokens from another purgatory: a pending token goes through `create` (validation, time handling, its
 * card and follow-ups, like any new token), a closed one is stored as history with its terminal time and no side
 * effect at all. Idempotent on id.
 */
export function createImportOps(core: Core, insertIn: InsertIn, checkDelivery?: DeliveryCheck) {
  const { write, clock, times } = core;

  async function importOne(
    tx: Tx,
    raw: unknown,
    options: ImportOptions,
    seen: Map<string, TokenStatus>,
  ): Promise<ImportOutcome> {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      const message = 'a token must be a JSON object';
      return refused(null, new ValidationError(message, [{ path: '(root)', message }]));
    }
    const fields = raw as Record<string, unknown>;
    const id = typeof fields.id === 'string' ? fields.id : null;
    try {
      const { input, closing } = validate(fields);
      const earlier = seen.get(input.id);
      if (earlier !== undefined) return { outcome: 'skipped', id: input.id, status: earlier, earlier: true };
      const stored = await tx.tokens.get(input.id);
      if (stored) return { outcome: 'skipped', id: input.id, status: stored.status as TokenStatus, earlier: false };
      if (input.runner !== undefined && input.runner !== options.runner) {
        throw new ForbiddenError(`the token names runner "${input.runner}"; this import is for "${options.runner}"`);
      }
      const outcome = closing
        ? await storeHistory(tx, input, closing, options)
        : await storeLive(tx, fields, input.id, options);
      seen.set(input.id, outcome.outcome === 'history' ? outcome.status : 'pending');
      return outcome;
    } catch (err) {
      if (err instanceof RodizioError) return refused(id, err);
      throw err;
    }
  }

  /** The token's fields checked as `create` checks them, plus its terminal time; all problems at once. */
  function validate(fields: Record<string, unknown>): {
    input: ParsedTokenInput & { id: string };
    closing: { status: ClosedStatus; at: string; key: (typeof TERMINAL)[number][0] } | undefined;
  } {
    const issues: FieldIssue[] = [];
    const terminal = TerminalTimes.safeParse(fields);
    if (!terminal.success) issues.push(...zodIssues(terminal.error));
    const set = TERMINAL.filter(([key]) => fields[key] !== null && fields[key] !== undefined);
    // TokenInput refuses terminal times (a new token is pending): check the rest of the token without them.
    const parsed = TokenInput.safeParse({ ...fields, resolved_at: null, cancelled_at: null, voided_at: null });
    if (!parsed.success) issues.push(...zodIssues(parsed.error));
    if (fields.id === undefined) {
      issues.push({ path: 'id', message: 'is required when importing: an import is idempotent on id' });
    }
    if (set.length > 1) {
      const keys = set.map(([key]) => key);
      const message = `the token is in several terminal states (${keys.join(', ')}); a token closes once`;
      throw new ValidationError(message, [
        ...keys.map((path) => ({ path, message: 'only one may be set' })),
        ...issues,
      ]);
    }
    const id = parsed.data?.id;
    if (issues.length > 0 || !parsed.success || !terminal.success || id === undefined) {
      throw new ValidationError('the token is invalid', issues);
    }
    const input = { ...parsed.data, id };
    const [key, status] = set[0] ?? [];
    const at = key ? terminal.data[key] : undefined;
    return { input, closing: key && status && at ? { key, status, at } : undefined };
  }

  /** Through the normal create path, so the card is posted and follow-ups run; plus the `imported` audit event. */
  async function storeLive(
    tx: Tx,
    fields: Record<string, unknown>,
    id: string,
    options: ImportOptions,
  ): Promise<ImportOutcome> {
    // A saved token arrives long after its created_at: only the runner's declared zone can say how to read it.
    const actor = { runner: options.runner, admin: false };
    const { token, created } = await insertIn(tx, fields, actor, { inferOffset: false });
    // The id was free a moment ago in this same transaction; a replay is still a skip, never a second card.
    if (!created) return { outcome: 'skipped', id, status: 'pending', earlier: false };
    await tx.events.append({
      tokenId: id,
      type: 'imported',
      atMs: clock.now(),
      actor: options.by,
      data: { as: 'live', runner: options.runner },
    });
    return { outcome: 'live', id, timeOffset: token.time_offset };
  }

  /** A closed token as history: no Slack post, no reentry delivery, no GitHub call — no outbox job at all. */
  async function storeHistory(
    tx: Tx,
    input: ParsedTokenInput & { id: string },
    closing: { status: ClosedStatus; at: string; key: (typeof TERMINAL)[number][0] },
    options: ImportOptions,
  ): Promise<ImportOutcome> {
    const { runner } = options;
    // `rodizio redeliver` would still use a stored target: the runner's rules apply to history too.
    if (input.delivery && checkDelivery) checkDelivery(runner, input.delivery);
    const nowMs = clock.now();
    const { id } = input;
    const terminal = {
      resolved_at: closing.key === 'resolved_at' ? closing.at : null,
      cancelled_at: closing.key === 'cancelled_at' ? closing.at : null,
      voided_at: closing.key === 'voided_at' ? closing.at : null,
    };
    // Naive times are read as create reads them, in the runner's declared zone, else as UTC. Not inferred from
    // created_at: that inference compares created_at with the arrival time, and a closed token arrives long after.
    const read = (text: string) => times.atPatch(text, { runner, time_offset: null });
    const closed = read(closing.at);
    const closedMs = closed.deadlineMs ?? parseIsoTime(closing.at) ?? nowMs;
    const ext = tokenExt(input, closed.timeOffset);
    const row: ClosedTokenRow = {
      id,
      kind: input.kind,
      status: closing.status,
      reason: input.reason,
      prompt: input.prompt,
      options: JSON.stringify(input.options),
      severity: input.severity,
      frozen_state: input.frozen_state,
      original_event: JSON.stringify(input.original_event),
      required_type: input.required_type,
      deadline: input.deadline,
      deadline_ms: input.deadline === null ? null : read(input.deadline).deadlineMs,
      escalation: input.escalation,
      created_at: input.created_at ?? formatIsoTime(nowMs),
      received_ms: nowMs,
      runner,
      project: input.project,
      github_issue: input.github_issue,
      ext: JSON.stringify(ext),
      // Hashed with its terminal time, so re-posting the same id as a new pending token is a conflict.
      content_hash: contentHash({ ...hashedContent(input), ...terminal, id, runner }),
      ...terminal,
      closed_ms: closedMs,
    };
    if (!(await tx.tokens.insertClosed(row))) {
      return { outcome: 'skipped', id, status: (await tx.tokens.get(id))?.status as TokenStatus, earlier: false };
    }
    await tx.events.append({
      tokenId: id,
      type: 'imported',
      atMs: nowMs,
      actor: options.by,
      data: { as: 'history', runner, status: closing.status, [closing.key]: closing.at },
    });
    return { outcome: 'history', id, status: closing.status };
  }

  return {
    /**
     * Imports tokens in file order and says what happened to each: `live` (created pending), `history` (stored
     * closed), `skipped` (the id is already stored, or came earlier in this import) or `refused` (with the error).
     * Written in slices of SLICE tokens per transaction; with `dryRun` every slice is rolled back.
     */
    async importTokens(raws: readonly unknown[], options: ImportOptions): Promise<ImportOutcome[]> {
      const outcomes: ImportOutcome[] = [];
      // Ids imported by this call: in a dry run the store forgets them at each rollback, this map does not.
      const seen = new Map<string, TokenStatus>();
      // A Postgres transaction may run again (a deadlock victim): outcomes are kept once it has committed.
      const slice = async (items: readonly unknown[]) => {
        let attempt = new Map(seen);
        try {
          const out = await write(async (tx) => {
            attempt = new Map(seen);
            const out: ImportOutcome[] = [];
            for (const raw of items) out.push(await importOne(tx, raw, options, attempt));
            if (options.dryRun) throw new DryRunRollback(out);
            return out;
          });
          outcomes.push(...out);
        } finally {
          for (const [id, status] of attempt) seen.set(id, status);
        }
      };
      for (let start = 0; start < raws.length; start += SLICE) {
        const items = raws.slice(start, start + SLICE);
        if (start > 0) await nextTurn();
        if (!options.dryRun) {
          await slice(items);
          continue;
        }
        try {
          await slice(items);
        } catch (err) {
          if (!(err instanceof DryRunRollback)) throw err;
          outcomes.push(...err.outcomes);
        }
      }
      return outcomes;
    },
  };
}

function refused(id: string | null, error: RodizioError): ImportOutcome {
  return { outcome: 'refused', id, error };
}
