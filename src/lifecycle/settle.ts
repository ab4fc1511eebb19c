import { validateAnswer } from '../domain/answer-schema.js';
import { generateGrantId } from '../domain/grant.js';
import type { AnswerDetail, AnswerVia, Reentry, Token, TokenStatus } from '../domain/token.js';
import { type FieldIssue, ValidationError } from '../errors.js';
import type { EventType, NewEvent } from '../store/events.js';
import type { Tx } from '../store/store.js';
import { rowToToken, type TokenRow } from '../store/tokens.js';
import { formatIsoTime } from '../time.js';
import { answerIssues } from './answer-checks.js';
import { type Core, OUTCOME_OF } from './core.js';
import { approvedShaIn } from './github-refs.js';
import type { Answer, SettleResult, Vote, VoteResult } from './types.js';

interface Leaving {
  status: Exclude<TokenStatus, 'pending'>;
  answer: { humanInput: unknown; by: string | null; byName: string | null; via: AnswerVia | null };
  eventType: EventType;
  eventData: Record<string, unknown>;
  /** Kept with the settlement (in the token's ext) and shown in the reentry: the edit, the Deny reason. */
  detail?: AnswerDetail;
  /** "Allow for…": the standing grant to record with the answer, in the same transaction. */
  grant?: NonNullable<Answer['grant']>;
  /** The commit the answerer was shown (a github_ref token): refused when the ref has moved on since. */
  sha?: string;
  /**
   * Whether the token has a github_ref, when the caller has read it. Such an answer is checked against the ref
   * after the compare-and-set and its audit event names the approved commit, so the event waits for the check;
   * any other settlement's event is appended with the compare-and-set. Unknown (undefined) counts as yes.
   */
  githubRef?: boolean;
}

/** The answer's details as the audit event keeps them: the proposed input beside the edited one. */
function detailEventData(token: Token, detail: AnswerDetail): Record<string, unknown> {
  return {
    ...(detail.edited_input !== undefined
      ? { proposed_input: token.proposed_input, edited_input: detail.edited_input }
      : {}),
    ...(detail.message !== undefined ? { message: detail.message } : {}),
    ...(detail.granted !== undefined ? { granted: detail.granted } : {}),
  };
}

/**
 * Leaving pending: one transaction with a compare-and-set on `status = 'pending'` (`UPDATE … RETURNING`), an
 * audit event and the planned side effects. The first answer wins, across processes and replicas; later calls
 * get the recorded answer back and change nothing.
 */
export function createSettleOps(core: Core) {
  const { store, clock, write, plan, settledWith, mustGet, reentryOf } = core;

  const unchanged = async (tx: Tx, row: TokenRow): Promise<SettleResult> => ({
    changed: false,
    token: rowToToken(row),
    reentry: (await reentryOf(tx, row)) as Reentry,
  });

  async function settleIn(tx: Tx, id: string, leave: Leaving): Promise<SettleResult> {
    let detail = leave.detail ?? {};
    // A plain answer needs nothing from the token before its compare-and-set; an edit, a Deny reason or a grant is
    // written beside what the token already holds. (Each read here is a round trip under the transaction's locks.)
    const row = Object.keys(detail).length > 0 || leave.grant ? await mustGet(tx, id) : undefined;
    if (row && row.status !== 'pending') return unchanged(tx, row);
    const nowMs = clock.now();
    const { answer } = leave;
    const before = row ? rowToToken(row) : undefined;
    const grant = leave.grant;
    const grantId = grant ? generateGrantId() : undefined;
    if (grant && grantId) {
      const expires = formatIsoTime(nowMs + grant.durationMs);
      detail = {
        ...detail,
        granted: { grant_id: grantId, scope: grant.scope, value: grant.value, expires_at: expires },
      };
    }
    const hasDetail = Object.keys(detail).length > 0;
    const eventOf = (approvedSha: string | undefined): NewEvent => ({
      tokenId: id,
      type: leave.eventType,
      atMs: nowMs,
      actor: answer.by,
      data: {
        ...leave.eventData,
        ...(before ? detailEventData(before, detail) : {}),
        ...(approvedSha ? { approved_sha: approvedSha } : {}),
      },
    });
    const refChecked = leave.status === 'resolved' && leave.githubRef !== false;
    const settled = await tx.tokens.settle(
      {
        id,
        status: leave.status,
        at: formatIsoTime(nowMs),
        atMs: nowMs,
        humanInput: answer.humanInput,
        by: answer.by,
        byName: answer.byName,
        via: answer.via,
        ext: hasDetail && row ? JSON.stringify({ ...(JSON.parse(row.ext) as object), answer: detail }) : undefined,
      },
      refChecked ? undefined : eventOf(undefined),
    );
    if (!settled) return unchanged(tx, await mustGet(tx, id));
    const { row: after, notes } = settled;
    const token = rowToToken(after);
    if (refChecked) {
      // Checked after the compare-and-set: a refusal throws, and the transaction rolls the answer back.
      const approvedSha = token.github_ref ? await approvedShaIn(tx, id, leave.sha) : undefined;
      if (approvedSha) await tx.githubRefs.approve(id, approvedSha);
      await tx.events.append(eventOf(approvedSha));
    } else if (leave.status === 'resolved' && token.github_ref) {
      // The caller said the token had no github_ref: a bug, and the answer must not skip the ref check.
      throw new Error(`token ${id} has a github_ref its settle was told it had not`);
    }
    if (grant && grantId && before?.permission && answer.by) {
      await tx.grants.insert({
        id: grantId,
        runner: before.runner,
        tool: before.permission.tool_name,
        scope: grant.scope,
        value: grant.value,
        created_ms: nowMs,
        expires_ms: nowMs + grant.durationMs,
        created_by: answer.by,
        created_by_name: answer.byName,
        token_id: id,
        slack_channel: before.slack?.channel ?? null,
        slack_ts: before.slack?.ts ?? null,
      });
      await tx.events.append({
        tokenId: id,
        type: 'grant_created',
        atMs: nowMs,
        actor: answer.by,
        data: {
          grant_id: grantId,
          runner: before.runner,
          tool: before.permission.tool_name,
          scope: grant.scope,
          value: grant.value,
          expires_at: formatIsoTime(nowMs + grant.durationMs),
        },
      });
    }
    await plan(tx, { type: 'settled', token, outcome: OUTCOME_OF[leave.status] }, nowMs);
    const reentry = (await reentryOf(tx, after, notes)) as Reentry;
    settledWith(reentry);
    return { changed: true, token, reentry };
  }

  const settle = (id: string, leave: Leaving) => write((tx) => settleIn(tx, id, leave));

  return {
    /**
     * Records the first answer; later calls change nothing and get the recorded answer back. `seen`: the token as
     * the caller has just read it, to check the answer against without reading it again (whether it is still
     * pending is decided in the transaction either way).
     */
    async resolve(id: string, answer: Answer, seen?: Token): Promise<SettleResult> {
      const token = seen?.id === id ? seen : rowToToken(await mustGet(store, id));
      const schema = token.answer_schema;
      if (token.status === 'pending' && schema) {
        const checked = validateAnswer(schema, answer.humanInput);
        if (!checked.ok) {
          throw new ValidationError(
            'human_input does not match the token answer_schema',
            checked.issues.map((i) => ({ path: `human_input${i.path ? `.${i.path}` : ''}`, message: i.message })),
          );
        }
      }
      if (token.status === 'pending') {
        const issues: FieldIssue[] = answerIssues(token, answer, clock.now());
        if (issues.length > 0) throw new ValidationError('the answer does not fit the token', issues);
      }
      const detail: AnswerDetail = {
        // answerIssues checked that it is a JSON value.
        ...(answer.editedInput !== undefined
          ? { edited_input: answer.editedInput as AnswerDetail['edited_input'] }
          : {}),
        ...(answer.message !== undefined && answer.message !== '' ? { message: answer.message } : {}),
      };
      return settle(id, {
        status: 'resolved',
        answer: { humanInput: answer.humanInput, by: answer.by, byName: answer.byName ?? null, via: answer.via },
        eventType: 'resolved',
        eventData: { via: answer.via, human_input: answer.humanInput },
        detail,
        grant: answer.grant,
        sha: answer.sha,
        githubRef: token.github_ref !== undefined,
      });
    },

    cancel(id: string, by: { actor: string; via: AnswerVia; reason?: string }): Promise<SettleResult> {
      return settle(id, {
        status: 'cancelled',
        answer: { humanInput: null, by: by.actor, byName: null, via: by.via },
        eventType: 'cancelled',
        eventData: by.reason ? { reason: by.reason } : {},
      });
    },

    /** Voids a pending token (`voided_at`); the agent receives a reentry with outcome `expired`. */
    expire(id: string, by: { actor: string; via: AnswerVia | null }): Promise<SettleResult> {
      return settle(id, {
        status: 'expired',
        answer: { humanInput: null, by: by.actor, byName: null, via: by.via },
        eventType: 'expired',
        eventData: {},
      });
    },

    /**
     * One person's choice toward `required_approvals`: recorded (a person may change their mind), and when
     * enough distinct people chose the same option the token resolves with it, in the same transaction.
     */
    vote(id: string, vote: Vote): Promise<VoteResult> {
      return write(async (tx) => {
        const row = await mustGet(tx, id);
        const token = rowToToken(row);
        if (row.status !== 'pending') {
          return {
            changed: false,
            settled: false,
            count: 0,
            token,
            reentry: await reentryOf(tx, row),
          };
        }
        const nowMs = clock.now();
        // A vote for a commit the ref has moved on from is refused before it counts.
        if (vote.sha !== undefined) await approvedShaIn(tx, id, vote.sha);
        const needed = token.required_approvals;
        await tx.approvals.record(id, vote.by, vote.byName ?? null, vote.option, nowMs);
        const count = (await tx.approvals.forToken(id)).filter((a) => a.option === vote.option).length;
        await tx.events.append({
          tokenId: id,
          type: 'approval',
          atMs: nowMs,
          actor: vote.by,
          data: { option: vote.option, count, needed },
        });
        if (count >= needed) {
          const settled = await settleIn(tx, id, {
            status: 'resolved',
            answer: { humanInput: vote.option, by: vote.by, byName: vote.byName ?? null, via: vote.via },
            eventType: 'resolved',
            eventData: { via: vote.via, human_input: vote.option, approvals: count },
            sha: vote.sha,
            githubRef: token.github_ref !== undefined,
          });
          return { ...settled, settled: true, count };
        }
        await plan(tx, { type: 'updated', token, what: 'approval' }, nowMs);
        return { changed: true, settled: false, count, token, reentry: undefined };
      });
    },
  };
}
