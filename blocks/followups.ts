import type { KnownBlock } from '@slack/types';
import type { Token } from '../src/domain/token.js';
import { REASON_DISPLAY, SEVERITY_DISPLAY } from './display.js';
import { endSentence, escapeMrkdwn, plainLine, slackDate, truncate } from './text.js';
import type { RenderedMessage } from './token-card.js';

/** The post in the escalation channel when a deadline passes: who should look, and a link to the card. */
export function renderEscalation(
  token: Token,
  p: { target: string | null; permalink: string | null; deadlineMs: number | null; waited: string },
): RenderedMessage {
  const { icon, label } = REASON_DISPLAY[token.reason];
  const prompt = escapeMrkdwn(plainLine(token.prompt || label, 300));
  const link = p.permalink ? `<${p.permalink}|${prompt}>` : prompt;
  const who = p.target ? `${p.target} — ` : '';
  const when = p.deadlineMs ? `the deadline passed ${slackDate(p.deadlineMs)}` : 'the deadline passed';
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncate(`📣 ${who}*${icon} ${label}* is still unanswered: ${when}, waiting ${p.waited}.\n${link}`, 3000),
      },
    },
    {
      type: 'context',
      elements: [
        { type: 'mrkdwn', text: SEVERITY_DISPLAY[token.severity] },
        ...(token.project
          ? [{ type: 'mrkdwn' as const, text: `📁 ${escapeMrkdwn(truncate(token.project, 100))}` }]
          : []),
        { type: 'mrkdwn', text: `\`${token.id}\`` },
      ],
    },
  ];
  return { text: `📣 Unanswered past its deadline: ${plainLine(token.prompt || label, 200)} (${token.id})`, blocks };
}

/** The broadcast reminder in a card's thread. */
export function reminderText(p: { waited: string; mention: string | null }): string {
  return `⏰ Still waiting for an answer after ${p.waited}. ${p.mention ? `${p.mention} may answer.` : 'Anyone here may answer.'}`;
}

/** "The deadline is near", and what happens then. */
export function warningText(p: { dueIn: string; deadlineMs: number; afterwards: string }): string {
  return `⏳ The deadline is in ${p.dueIn} (${slackDate(p.deadlineMs)}). ${endSentence(`Then: ${p.afterwards}`)}`;
}

/** GitHub refused to label or comment for good; said once in the thread. */
export function githubErrorText(issue: string | null, error: string): string {
  const what = `⚠️ GitHub refused to update ${issue ? `\`${escapeMrkdwn(issue)}\`` : 'the issue'}`;
  return `${endSentence(`${what}: ${escapeMrkdwn(truncate(error, 500))}`)} rodizio will not retry.`;
}

/** A claim confirmation, and a refusal when someone else holds the claim. */
export function claimText(p: { by: string; untilMs: number; mine: boolean }): string {
  return p.mine
    ? `You're on it until ${slackDate(p.untilMs, '{time}')}: reminders pause until then; the deadline still counts.`
    : `<@${p.by}> is already on it (until ${slackDate(p.untilMs, '{time}')}). Nothing changed.`;
}
