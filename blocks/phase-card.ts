import type { KnownBlock } from '@slack/types';
import { escapeMrkdwn, mrkdwnFit, plainLine, slackDate, truncate } from './text.js';
import type { RenderedMessage } from './token-card.js';

/** What a phase escalation card shows: an agent's tmux session signalled `PHASE:escalate` (or `PHASE:needs_human`). */
export interface PhaseCardInput {
  tokenId: string;
  project: string;
  /** `dev` sessions work on an issue, `review` sessions on a pull request. */
  sessionKind: 'dev' | 'review';
  number: number;
  session: string;
  phase: string;
  reason: string | null;
  issueUrl: string | null;
  prUrl: string | null;
  /** Already formatted: `<@U…>`, `<!subteam^S…>` or plain text. */
  oncall: string | null;
  since: number;
  /** Open while the session is escalated; closed says how it ended. */
  closed: { how: string; at: number } | null;
  /** Replies waiting because the session was not ready for them. */
  queued: number;
}

/**
 * The card for a phase-file escalation: who (the session), what (issue / PR links), why (the reason line),
 * an on-call mention, and how to help — reply in the thread and the text is typed into the agent's session.
 */
export function renderPhaseCard(p: PhaseCardInput): RenderedMessage {
  const what = p.sessionKind === 'dev' ? `issue #${p.number}` : `PR #${p.number}`;
  const title = p.closed ? `✅ Escalation closed — ${p.project} ${what}` : `🆘 Agent needs help — ${p.project} ${what}`;
  const links: string[] = [];
  if (p.issueUrl) links.push(`<${p.issueUrl}|Issue${p.sessionKind === 'dev' ? ` #${p.number}` : ''}>`);
  if (p.prUrl) links.push(`<${p.prUrl}|Pull request${p.sessionKind === 'review' ? ` #${p.number}` : ''}>`);
  const reason = p.reason ? mrkdwnFit(p.reason, 2000).text : '_No reason given (line 2 of the phase file is empty)._';
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(title, 150), emoji: true } },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncate(
          `*Session* \`${escapeMrkdwn(p.session)}\` is in \`${escapeMrkdwn(plainLine(p.phase, 60))}\`${p.oncall ? ` — ${p.oncall}` : ''}\n*Why:* ${reason}`,
          3000,
        ),
      },
    },
  ];
  if (links.length) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: links.join(' · ') } });
  if (p.closed) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: `*Closed:* ${escapeMrkdwn(p.closed.how)} (${slackDate(p.closed.at)})` },
    });
  }
  const context = [`📁 ${escapeMrkdwn(truncate(p.project, 100))}`, `since ${slackDate(p.since)}`, `\`${p.tokenId}\``];
  if (p.queued > 0) context.push(`📨 ${p.queued} repl${p.queued === 1 ? 'y' : 'ies'} queued`);
  blocks.push({ type: 'context', elements: context.map((text) => ({ type: 'mrkdwn', text })) });
  if (!p.closed) {
    blocks.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `💬 Reply in this thread to send guidance: your words are typed into \`${escapeMrkdwn(p.session)}\`.`,
        },
      ],
    });
  }
  const text = p.closed
    ? `Escalation closed: ${p.project} ${what} (${p.closed.how})`
    : `🆘 ${p.project} ${what} needs help: ${plainLine(p.reason ?? 'no reason given', 200)}`;
  return { text, blocks };
}

/** How the phase bridge closed an escalation: the phase file moved on, the session finished, or the file went away. */
export type PhaseClosing =
  | { how: 'moved_on'; phase: string }
  | { how: 'finished'; phase: string }
  | { how: 'failed'; phase: string }
  | { how: 'deleted' };

/** What happened, as a clause: "the session moved on to PHASE:awaiting_ci" (the card's *Closed:* line). */
export function phaseClosingClause(c: PhaseClosing): string {
  switch (c.how) {
    case 'moved_on':
      return `the session moved on to ${plainLine(c.phase, 60)}`;
    case 'finished':
      return `the session finished: ${plainLine(c.phase, 60)}`;
    case 'failed':
      return `the session failed: ${plainLine(c.phase, 60)}`;
    case 'deleted':
      return 'the phase file was deleted';
  }
}

const sentence = (clause: string) => `${clause.charAt(0).toUpperCase()}${clause.slice(1)}.`;

/**
 * The thread note when the phase bridge closes an escalation: what happened, and that replies now stay in
 * Slack. It replaces the generic "Cancelled by …" decision reply, which says nothing true about a session.
 */
export function renderPhaseClosingNote(c: PhaseClosing, session: string): string {
  return `🔒 Escalation closed. ${escapeMrkdwn(sentence(phaseClosingClause(c)))} Replies here are no longer typed into \`${escapeMrkdwn(session)}\`.`;
}

/**
 * The thread note for a reply to an escalation that has closed: it was not typed into the session, why, and —
 * while the session still runs — how to reach it.
 */
export function renderClosedReplyNote(p: {
  session: string;
  /** Why the escalation is closed, as a clause: "this escalation closed when the session moved on to …". */
  closed: string;
  running: boolean;
  /** The `rodizio escalate …` command that opens a new escalation for this session. */
  escalateCommand: string;
}): string {
  const head = `Not forwarded to ${escapeMrkdwn(p.session)}: ${escapeMrkdwn(p.closed)}`;
  return p.running
    ? `${head}. Start a new escalation with \`${escapeMrkdwn(p.escalateCommand)}\` or wait for the next one.`
    : `${head}, and the session is no longer running.`;
}
