import { isDeepStrictEqual } from 'node:util';
import type { GrantChoice } from '../domain/grant.js';
import type { AnswerVia, Token } from '../domain/token.js';
import { ValidationError } from '../errors.js';
import type { Purgatory } from '../purgatory.js';
import type { AnswererCheck } from './answerers.js';

/** What happened to someone's answer, so each surface (button, modal, thread, command) can say so. */
export type AnswerOutcome =
  | { kind: 'resolved'; token: Token }
  | { kind: 'vote'; token: Token; option: string; count: number; needed: number }
  | { kind: 'closed'; token: Token }
  | { kind: 'forbidden'; token: Token; message: string }
  | { kind: 'invalid'; token: Token; message: string }
  | { kind: 'missing'; tokenId: string }
  /** A retried attempt whose answer an earlier attempt had already recorded: nothing new, nothing to say. */
  | { kind: 'recorded'; token: Token };

export interface AnswerAttempt {
  tokenId: string;
  user: string;
  userName?: string | null;
  via: AnswerVia;
  input: unknown;
  /** The input is one of the token's options (counts toward a quorum). */
  isOption: boolean;
  /** Edit…: the answerer's version of the token's proposed input. */
  editedInput?: unknown;
  /** The reason typed with a Deny. */
  message?: string;
  /** "Allow for…": the standing grant to record with the answer. */
  grant?: GrantChoice;
  /** The commit the card showed (a github_ref token): refused when the ref has moved on since. */
  sha?: string;
  /**
   * An earlier attempt at this same request may have committed before its process stopped: if the token
   * already holds exactly this answer (or vote) from this person, report `recorded` instead of acting again.
   */
  retry?: boolean;
  /** The token as the caller has just read it: checked against instead of reading it again (see IntakeContext). */
  seen?: Token;
}

/** The token already holds this attempt's answer: resolved with it by this person, or this person's vote. */
async function holdsAnswer(purgatory: Purgatory, token: Token, a: AnswerAttempt): Promise<boolean> {
  if (token.required_approvals > 1 && token.status === 'pending') {
    return (await purgatory.approvals(token.id)).some((v) => v.user === a.user && v.option === a.input);
  }
  if (token.status !== 'resolved' || !isDeepStrictEqual(token.human_input, a.input)) return false;
  if (token.answered_by === a.user) return true;
  // A quorum resolved by someone else's vote still holds this person's vote among the approvals.
  return (
    token.required_approvals > 1 &&
    (await purgatory.approvals(token.id)).some((v) => v.user === a.user && v.option === a.input)
  );
}

/**
 * The one path from a person's answer in Slack to the purgatory: permission, quorum, first-answer-wins.
 * Handlers stay small and every surface behaves the same way.
 */
export function createAnswerService({ purgatory, mayAnswer }: { purgatory: Purgatory; mayAnswer: AnswererCheck }) {
  async function admit(
    tokenId: string,
    user: string,
    seen?: Token,
  ): Promise<{ token: Token } | { refused: AnswerOutcome }> {
    const token = seen?.id === tokenId ? seen : await purgatory.find(tokenId);
    if (!token) return { refused: { kind: 'missing', tokenId } };
    if (token.status !== 'pending') return { refused: { kind: 'closed', token } };
    const permission = await mayAnswer(token, user);
    if (!permission.ok) return { refused: { kind: 'forbidden', token, message: permission.message } };
    return { token };
  }

  return {
    async answer(a: AnswerAttempt): Promise<AnswerOutcome> {
      const current = a.retry ? await purgatory.find(a.tokenId) : undefined;
      if (current && (await holdsAnswer(purgatory, current, a))) return { kind: 'recorded', token: current };
      const admitted = await admit(a.tokenId, a.user, a.seen);
      if ('refused' in admitted) return admitted.refused;
      const { token } = admitted;
      if (token.required_approvals > 1) {
        if (a.editedInput !== undefined || a.grant || a.message !== undefined) {
          return {
            kind: 'invalid',
            token,
            message: 'This needs several people to agree: use the buttons on the card.',
          };
        }
        if (!a.isOption || typeof a.input !== 'string') {
          return {
            kind: 'invalid',
            token,
            message: `This needs ${token.required_approvals} people to choose the same option: use the buttons on the card.`,
          };
        }
        let vote: Awaited<ReturnType<Purgatory['vote']>>;
        try {
          vote = await purgatory.vote(token.id, {
            option: a.input,
            by: a.user,
            byName: a.userName,
            via: a.via,
            sha: a.sha,
          });
        } catch (err) {
          // The ref moved on from the commit the card showed: nothing was counted.
          if (err instanceof ValidationError) return { kind: 'invalid', token, message: err.message };
          throw err;
        }
        if (!vote.changed) return { kind: 'closed', token: vote.token };
        if (vote.settled) return { kind: 'resolved', token: vote.token };
        return {
          kind: 'vote',
          token: vote.token,
          option: a.input,
          count: vote.count,
          needed: token.required_approvals,
        };
      }
      try {
        const result = await purgatory.resolve(
          token.id,
          {
            humanInput: a.input,
            by: a.user,
            byName: a.userName,
            via: a.via,
            ...(a.editedInput !== undefined ? { editedInput: a.editedInput } : {}),
            ...(a.message !== undefined ? { message: a.message } : {}),
            ...(a.grant ? { grant: a.grant } : {}),
            ...(a.sha !== undefined ? { sha: a.sha } : {}),
          },
          token,
        );
        return result.changed ? { kind: 'resolved', token: result.token } : { kind: 'closed', token: result.token };
      } catch (err) {
        if (err instanceof ValidationError) {
          return {
            kind: 'invalid',
            token,
            message: err.issues.map((i) => `${i.path}: ${i.message}`).join('; ') || err.message,
          };
        }
        throw err;
      }
    },

    /** Cancels on behalf of someone allowed to answer; `retry` as for `answer`. */
    async cancel(tokenId: string, user: string, via: AnswerVia, retry = false): Promise<AnswerOutcome> {
      const current = retry ? await purgatory.find(tokenId) : undefined;
      if (current?.status === 'cancelled' && current.answered_by === user) return { kind: 'recorded', token: current };
      const admitted = await admit(tokenId, user);
      if ('refused' in admitted) return admitted.refused;
      const result = await purgatory.cancel(tokenId, { actor: user, via, reason: 'cancelled in Slack' });
      return result.changed ? { kind: 'resolved', token: result.token } : { kind: 'closed', token: result.token };
    },
  };
}

export type AnswerService = ReturnType<typeof createAnswerService>;
