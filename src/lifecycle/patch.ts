import { type ParsedTokenPatch, type Token, TokenPatch } from '../domain/token.js';
import { type FieldIssue, ForbiddenError, NotPendingError, ValidationError } from '../errors.js';
import { rowToToken } from '../store/tokens.js';
import { parseOrThrow } from '../validation.js';
import type { Core } from './core.js';
import type { ReadTimes } from './time-zones.js';
import type { Actor } from './types.js';

/** The fields `PATCH /v1/tokens/:id` may change, in the order the audit event lists them. */
const PATCHABLE = ['deadline', 'escalation', 'severity', 'prompt', 'options'] as const;

export interface PatchResult {
  /** False when every given value equals the stored one: nothing was written, no event, no card update. */
  changed: boolean;
  /** The fields that changed (`time_offset` too when a new naive deadline was read at another offset). */
  fields: string[];
  token: Token;
}

/** New options must still hold every destructive option and the `resolve:<option>` of the expiry policy. */
function optionIssues(token: Token, options: string[]): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const option of token.destructive_options) {
    if (!options.includes(option)) {
      issues.push({ path: 'options', message: `"${option}" is in destructive_options: keep it among the options` });
    }
  }
  const policy = token.expiry_policy;
  const auto = policy?.startsWith('resolve:') ? policy.slice('resolve:'.length) : undefined;
  if (auto !== undefined && options.length > 0 && !options.includes(auto)) {
    issues.push({
      path: 'options',
      message: `the expiry policy "${policy}" answers "${auto}": keep it among the options`,
    });
  }
  return issues;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Changing a pending token (what the Python purgatory's `save()` does by overwriting): one transaction with a
 * compare-and-set on `status = 'pending'`, a `patched` audit event with the old and new values, a card update,
 * and the follow-up state recomputed. A changed deadline re-arms the "deadline soon" warning; a token already
 * escalated stays escalated (the on-call was told; the new deadline does not escalate it a second time).
 */
export function createPatchOps(core: Core) {
  const { write, clock, times, plan, mustGet, reentryOf } = core;

  const patchTx = (id: string, changes: ParsedTokenPatch, actor: Actor) =>
    write(async (tx): Promise<PatchResult> => {
      const row = await mustGet(tx, id);
      const before = rowToToken(row);
      if (!actor.admin && before.runner !== actor.runner) {
        throw new ForbiddenError(`token ${id} belongs to another runner`);
      }
      if (row.status !== 'pending') {
        throw new NotPendingError(id, row.status, { token: before, reentry: await reentryOf(tx, row) }, 'patch');
      }
      const next = {
        deadline: changes.deadline === undefined ? before.deadline : changes.deadline,
        escalation: changes.escalation === undefined ? before.escalation : changes.escalation,
        severity: changes.severity ?? before.severity,
        prompt: changes.prompt ?? before.prompt,
        options: changes.options ?? before.options,
      };
      if (changes.options) {
        const issues = optionIssues(before, next.options);
        if (issues.length > 0) throw new ValidationError('the options do not fit the token', issues);
      }
      const diff: Record<string, { old: unknown; new: unknown }> = {};
      for (const key of PATCHABLE) {
        if (!same(before[key], next[key])) diff[key] = { old: before[key], new: next[key] };
      }
      if (Object.keys(diff).length === 0) return { changed: false, fields: [], token: before };

      const read: ReadTimes = diff.deadline
        ? times.atPatch(next.deadline, before)
        : { deadlineMs: row.deadline_ms, timeOffset: before.time_offset };
      if (!same(before.time_offset, read.timeOffset)) {
        diff.time_offset = { old: before.time_offset, new: read.timeOffset };
      }
      // Spread the stored JSON rather than rebuild it from the token, so extension keys added later survive.
      const ext = { ...(JSON.parse(row.ext) as Record<string, unknown>), time_offset: read.timeOffset };
      const moved = read.deadlineMs !== row.deadline_ms;
      await tx.tokens.patch({
        id,
        deadline: next.deadline,
        deadline_ms: read.deadlineMs,
        escalation: next.escalation,
        severity: next.severity,
        prompt: next.prompt,
        options: JSON.stringify(next.options),
        ext: JSON.stringify(ext),
        // The warning was about the old deadline; the new one gets its own when it comes near.
        warned_at_ms: moved ? null : row.warned_at_ms,
      });
      const nowMs = clock.now();
      await tx.events.append({
        tokenId: id,
        type: 'patched',
        atMs: nowMs,
        actor: actor.runner,
        data: { changes: diff },
      });
      const token = rowToToken(await mustGet(tx, id));
      await plan(tx, { type: 'updated', token, what: 'patched' }, nowMs);
      return { changed: true, fields: Object.keys(diff), token };
    });

  return {
    /**
     * Changes deadline, escalation, severity, prompt or options of a pending token (`raw` is checked against
     * TokenPatch: ValidationError names each bad field). NotPendingError once it has
     * left pending, ForbiddenError for another runner's token (unless admin), ValidationError when the options
     * would drop a destructive option or the expiry policy's answer.
     */
    async patch(id: string, raw: unknown, actor: Actor): Promise<PatchResult> {
      const changes = parseOrThrow(TokenPatch, raw, 'the patch');
      return patchTx(id, changes, actor);
    },
  };
}
