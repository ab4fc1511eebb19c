import { validateAnswer } from '../domain/answer-schema.js';
import type { AnswerVia, Reentry, TokenStatus } from '../domain/token.js';
import { ValidationError } from '../errors.js';
import type { EventType } from '../store/events.js';
import type { Tx } from '../store/store.js';
import { rowToToken } from '../store/tokens.js';
import { formatIsoTime } from '../time.js';
import { type Core, OUTCOME_OF } from './core.js';
import type { Answer, SettleResult, Vote, VoteResult } from './types.js';

interface Leaving {
  status: Exclude<TokenStatus, 'pending'>;
  answer: { humanInput: unknown; by: string | null; byName: string | null; via: AnswerVia | null };
  eventType: EventType;
  eventData: Record<string, unknown>;
}

/**
 * Leaving pending: one transaction with a compare-and-set on `status = 'pending'` (`UPDATE … RETURNING`), an
 * audit event and the planned side effects. The first answer wins, across processes and replicas; later calls
 * get the recorded answer back and change nothing.
 */
export function createSettleOps(core: Core) {
  const { store, clock, write, plan, mustGet, reentryOf } = core;

  async function settleIn(tx: Tx, id: string, leave: Leaving): Promise<SettleResult> {
    const row = await mustGet(tx, id);
    if (row.status !== 'pending') {
      return { changed: false, token: rowToToken(row), reentry: (await reentryOf(tx, row)) as Reentry };
    }
    const nowMs = clock.now();
    const { answer } = leave;
    const after = await tx.tokens.settle({
      id,
      status: leave.status,
      at: formatIsoTime(nowMs),
      atMs: nowMs,
      humanInput: answer.humanInput,
      by: answer.by,
      byName: answer.byName,
      via: answer.via,
    });
    if (!after) {
      const now = await mustGet(tx, id);
      return { changed: false, token: rowToToken(now), reentry: (await reentryOf(tx, now)) as Reentry };
    }
    await tx.events.append({
      tokenId: id,
      type: leave.eventType,
      atMs: nowMs,
      actor: answer.by,
      data: leave.eventData,
    });
    const token = rowToToken(after);
    await plan(tx, { type: 'settled', token, outcome: OUTCOME_OF[leave.status] }, nowMs);
    return { changed: true, token, reentry: (await reentryOf(tx, after)) as Reentry };
  }

  const settle = (id: string, leave: Leaving) => write((tx) => settleIn(tx, id, leave));

  return {
    /** Records the first answer; later calls change nothing and get the recorded answer back. */
    async resolve(id: string, answer: Answer): Promise<SettleResult> {
      const row = await mustGet(store, id);
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
      return settle(id, {
        status: 'resolved',
        answer: { humanInput: answer.humanInput, by: answer.by, byName: answer.byName ?? null, via: answer.via },
        eventType: 'resolved',
        eventData: { via: answer.via, human_input: answer.humanInput },
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
        if (row.status !== 'pending') {
          return {
            changed: false,
            settled: false,
            count: 0,
            token: rowToToken(row),
            reentry: await reentryOf(tx, row),
          };
        }
        const nowMs = clock.now();
        const needed = rowToToken(row).required_approvals;
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
          });
          return { ...settled, settled: true, count };
        }
        const token = rowToToken(row);
        await plan(tx, { type: 'updated', token, what: 'approval' }, nowMs);
        return { changed: true, settled: false, count, token, reentry: undefined };
      });
    },
  };
}
