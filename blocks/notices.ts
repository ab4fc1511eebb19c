import type { Token } from '../src/domain/token.js';
import { describeAnswer, who } from './display.js';
import { endSentence, escapeMrkdwn, plainLine } from './text.js';

/** "Already answered by @x — <answer>": what someone sees when they act on a card that has closed. */
export function alreadyClosedText(token: Token): string {
  if (token.status === 'resolved') {
    const answer = escapeMrkdwn(describeAnswer(token.human_input, 300, token.answer_schema));
    return `${endSentence(`Already answered by ${who(token.answered_by, token.answered_by_name)} — ${answer}`)} Nothing changed.`;
  }
  if (token.status === 'cancelled')
    return `This was cancelled by ${who(token.answered_by, token.answered_by_name)}. Nothing changed.`;
  if (token.status === 'expired') return 'This expired at its deadline. Nothing changed.';
  return 'This is still open.';
}

/** Progress toward a quorum, told to the person who just chose. */
export function voteRecordedText(option: string, count: number, needed: number): string {
  return `Your choice *${escapeMrkdwn(plainLine(option, 75))}* is recorded: ${count} of ${needed} approvals. The card shows who else has chosen.`;
}
