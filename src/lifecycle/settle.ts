import { validateAnswer } from '../domain/answer-schema.js';
import type { AnswerVia, Reentry, TokenStatus } from '../domain/token.js';
import { ValidationError } from '../errors.js';
import { writeTransaction } from '../store/database.js';
import type { EventType } from '../store/events.js';
import { rowToToken } from '../store/tokens.js';
import { formatIsoTime } from '../time.js';
import { type Core, OUTCOME_OF } from './core.js';
import type { Answer, SettleResult, Vote, VoteResult } from './types.js';

/**
 * Leaving pending: one transaction with a compare-and-set on `status = 'pending'`, an audit event and the
 * planned side effects. The first answer wins; later calls get the recorded answer back and change nothing.
 */
export function createSettleOps(core: Core) {
  const { db, clock, tokens, events, approvals, bus, plan, mustGet, reentryOf } = core;

  const voteTx = writeTransaction(db, (id: string, vote: Vote): VoteResult & { jobs: number } => {
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

  const settleTx = writeTransaction(
    db,
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

  return {
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
  };
}
