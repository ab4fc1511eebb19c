import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { Token } from '../../src/domain/token.js';
import { createPurgatory } from '../../src/purgatory.js';
import { type AnswerAttempt, createAnswerService } from '../../src/slack/answer-service.js';
import type { AnswererCheck } from '../../src/slack/answerers.js';
import { PYTHON_TOKEN } from '../helpers/bridge.js';
import { openTestStore } from '../helpers/engine.js';

const anyone: AnswererCheck = async () => ({ ok: true });

/** U1 clicking option A, handed the token as the click handler read it. */
const click = (tokenId: string, seen?: Token): AnswerAttempt => ({
  tokenId,
  user: 'U1',
  via: 'button',
  input: 'A',
  isOption: true,
  ...(seen ? { seen } : {}),
});

async function setup() {
  const store = await openTestStore();
  const purgatory = createPurgatory({ store, clock: new ManualClock('2026-03-01T10:00:00Z') });
  const { token } = await purgatory.create(PYTHON_TOKEN, { runner: 'ci', admin: false });
  let reads = 0;
  const counted = {
    ...purgatory,
    find: (id: string) => {
      reads++;
      return purgatory.find(id);
    },
  };
  return {
    purgatory,
    token,
    answers: createAnswerService({ purgatory: counted, mayAnswer: anyone }),
    reads: () => reads,
  };
}

describe('the Slack answer service', () => {
  it('answers with the token the click handler read, without reading it again', async () => {
    const { answers, token, reads, purgatory } = await setup();
    const outcome = await answers.answer(click(token.id, token));
    expect(outcome).toMatchObject({ kind: 'resolved', token: { status: 'resolved', human_input: 'A' } });
    expect(reads()).toBe(0);
    expect(await purgatory.find(token.id)).toMatchObject({ answered_by: 'U1', human_input: 'A' });
  });

  it('still lets the first answer win when the token it was handed was answered meanwhile', async () => {
    const { answers, token, purgatory } = await setup();
    // Read as pending by the handler; answered elsewhere before this click is processed.
    await purgatory.resolve(token.id, { humanInput: 'B', by: 'U2', via: 'button' });
    const outcome = await answers.answer(click(token.id, token));
    expect(outcome).toMatchObject({
      kind: 'closed',
      token: { status: 'resolved', human_input: 'B', answered_by: 'U2' },
    });
    expect(await purgatory.history(token.id)).toHaveLength(2);
  });

  it('reads the token itself when handed another token, or none', async () => {
    const { answers, token, reads } = await setup();
    const other = { ...token, id: 'sem-other' };
    const outcome = await answers.answer(click(token.id, other));
    expect(outcome).toMatchObject({ kind: 'resolved' });
    expect(reads()).toBe(1);
    expect(await answers.answer(click('sem-nobody'))).toEqual({
      kind: 'missing',
      tokenId: 'sem-nobody',
    });
  });
});
