import type { KnownBlock } from '@slack/types';
import type { Token } from '../src/domain/token.js';
import { describeAnswer, REASON_DISPLAY, who } from './display.js';
import { BlockId } from './ids.js';
import { escapeMrkdwn, mrkdwnFit, plainLine, slackDate, truncate } from './text.js';
import { type RenderedMessage, tokenActions } from './token-card.js';

/** Waiting tokens shown with their buttons: two blocks each, so the digest stays well under 50 blocks. */
export const DIGEST_BUTTON_ROWS = 20;
/** Room for a prompt in the digest (a card gives it 2,900). */
const PROMPT_ROOM = 500;
/** Room for the lines of closed tokens, under the 3,000 characters of one section. */
const CLOSED_ROOM = 2800;

export interface DigestInput {
  project: string;
  /** The tokens the digest lists, in order; `slack` set means the token has its own card now (it moved). */
  members: Token[];
  /** When the oldest listed token arrived. */
  sinceMs: number;
}

/** How a listed token stands, in one line for the closed list. */
function closedLine(token: Token): string {
  const prompt = escapeMrkdwn(plainLine(token.prompt || REASON_DISPLAY[token.reason].label, 80));
  if (token.status === 'pending') return `↪️ ${prompt} — moved to its own card`;
  if (token.status === 'resolved') {
    const answer = escapeMrkdwn(describeAnswer(token.human_input, 60, token.answer_schema));
    return `✅ ${prompt} — *${answer}* by ${who(token.answered_by, token.answered_by_name)}`;
  }
  if (token.status === 'cancelled') return `🚫 ${prompt} — cancelled`;
  return `⌛ ${prompt} — expired`;
}

/** A waiting token: its prompt with who asked, then its buttons. */
function waitingBlocks(token: Token): KnownBlock[] {
  const { icon, label } = REASON_DISPLAY[token.reason];
  const prompt = token.prompt ? mrkdwnFit(token.prompt, PROMPT_ROOM).text : '_(no prompt given)_';
  const meta = `🤖 ${escapeMrkdwn(truncate(token.runner, 80))} · \`${token.id}\``;
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      block_id: BlockId.prompt(token.id),
      text: { type: 'mrkdwn', text: `*${icon} ${label}* — ${prompt}\n${meta}` },
    },
  ];
  const actions = tokenActions(token, { claimable: false, claim: null, reassignable: false });
  if (actions) blocks.push(actions);
  return blocks;
}

/** Closed lines that fit one section, with "and N more" for the rest. */
function closedSection(closed: Token[]): KnownBlock | undefined {
  if (closed.length === 0) return undefined;
  const lines: string[] = [];
  let used = 0;
  for (const token of closed) {
    const line = closedLine(token);
    if (used + line.length + 1 > CLOSED_ROOM) break;
    lines.push(line);
    used += line.length + 1;
  }
  if (lines.length < closed.length) lines.push(`_…and ${closed.length - lines.length} more closed_`);
  return { type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } };
}

/**
 * One message listing a project's `info` tokens of an interval: the waiting ones with their buttons (the first
 * DIGEST_BUTTON_ROWS; the rest summed up with a pointer to `/rodizio list` and App Home), then a line per closed one.
 * Re-rendered as tokens are answered, so the next waiting ones get their buttons. Pure: the caller gathers tokens.
 */
export function renderDigest({ project, members, sinceMs }: DigestInput): RenderedMessage {
  const waiting = members.filter((t) => t.status === 'pending' && !t.slack);
  const closed = members.filter((t) => !(t.status === 'pending' && !t.slack));
  const name = plainLine(project, 100);
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(`🗞️ Digest for ${name}`, 150), emoji: true } },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `ℹ️ ${members.length} info question${members.length === 1 ? '' : 's'} since ${slackDate(sinceMs)} · *${waiting.length} waiting* · ${closed.length} closed`,
        },
      ],
    },
  ];
  for (const token of waiting.slice(0, DIGEST_BUTTON_ROWS)) blocks.push(...waitingBlocks(token));
  if (waiting.length > DIGEST_BUTTON_ROWS) {
    const more = waiting.length - DIGEST_BUTTON_ROWS;
    blocks.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `…and ${more} more waiting: they get their buttons here as these are answered; \`/rodizio list\` and App Home show them all now.`,
        },
      ],
    });
  }
  const closedBlock = closedSection(closed);
  if (closedBlock) blocks.push(closedBlock);
  if (waiting.length === 0) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: '🎉 Everything in this digest is answered.' }] });
  }
  const firsts = waiting.slice(0, 5).map((t) => plainLine(t.prompt || t.id, 100));
  const text = truncate(
    `🗞️ Digest for ${name}: ${waiting.length} waiting, ${closed.length} closed${firsts.length ? ` — ${firsts.join(' · ')}` : ''}`,
    3000,
  );
  return { text, blocks };
}
