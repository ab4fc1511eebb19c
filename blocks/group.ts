import type { KnownBlock } from '@slack/types';
import type { Token } from '../src/domain/token.js';
import { describeAnswer, REASON_DISPLAY } from './display.js';
import { escapeMrkdwn, plainLine, truncate } from './text.js';
import type { RenderedMessage } from './token-card.js';

/** Lines listed in the parent; the thread holds every card anyway. */
const LISTED = 20;

/** "3 questions from nightly-migrator": what the parent says first, in its fallback text too. */
export function groupTitle(count: number, runner: string): string {
  return `${count} question${count === 1 ? '' : 's'} from ${plainLine(runner, 100)}`;
}

function memberLine(token: Token): string {
  const { icon } = REASON_DISPLAY[token.reason];
  const prompt = escapeMrkdwn(plainLine(token.prompt || token.id, 100));
  if (token.status === 'pending') return `${icon} ${prompt} — waiting`;
  if (token.status === 'resolved') {
    return `✅ ${prompt} — *${escapeMrkdwn(describeAnswer(token.human_input, 60, token.answer_schema))}*`;
  }
  return `${token.status === 'cancelled' ? '🚫' : '⌛'} ${prompt} — ${token.status}`;
}

/**
 * The parent message of a group: how many questions a runner asked together, how many still wait, and a line
 * per question; their cards are in its thread. Updated as questions join and are answered.
 */
export function renderGroupParent({
  runner,
  project,
  members,
}: {
  runner: string;
  project: string;
  members: Token[];
}): RenderedMessage {
  const waiting = members.filter((t) => t.status === 'pending').length;
  const title = groupTitle(members.length, runner);
  const state = waiting === 0 ? 'all answered' : `${waiting} waiting`;
  const lines = members.slice(0, LISTED).map(memberLine);
  if (members.length > LISTED) lines.push(`_…and ${members.length - LISTED} more in the thread_`);
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(`🧵 ${title}`, 150), emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: truncate(lines.join('\n'), 3000) } },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `📁 ${escapeMrkdwn(truncate(project, 100))} · ${state} · the cards, with their buttons, are in the thread`,
        },
      ],
    },
  ];
  return { text: `${title} (${state})`, blocks };
}
