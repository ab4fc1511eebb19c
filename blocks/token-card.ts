import type { ActionsBlock, Button, ContextBlock, KnownBlock, StaticSelect } from '@slack/types';
import type { Token } from '../src/domain/token.js';
import {
  describeAnswer,
  githubIssueUrl,
  isDangerous,
  joinNames,
  REASON_DISPLAY,
  SEVERITY_DISPLAY,
  who,
} from './display.js';
import { ActionId, BlockId, encodeOptionValue } from './ids.js';
import { codeBlock, describeRequest, editDiff, proposalText, requestLine } from './permission.js';
import { type QuietState, quietLine, type SnoozeState, snoozeLine, snoozeMenu } from './snooze.js';
import { type RefState, withGithubRef } from './stale-ref.js';
import { endSentence, escapeMrkdwn, mrkdwnFit, plainLine, slackDate, stripEmphasis, truncate } from './text.js';

/** Options beyond this many are offered in a select menu rather than as buttons. */
export const MAX_OPTION_BUTTONS = 5;

/** What the card shows besides the token itself; gathered by the caller (blocks do no I/O). */
export interface CardState {
  now: number;
  /** The token's deadline as epoch ms (naive deadlines already read with the token's `time_offset`). */
  deadlineMs?: number | null;
  /** Thread replies answer the token (rather than only adding notes). */
  threadResolves: boolean;
  /** The card is itself a reply in a group's thread (src/slack/grouping.ts): replies there answer no one question. */
  inGroupThread?: boolean;
  /** Choices made toward `required_approvals` (kept after the token resolves: the card names every approver). */
  approvals?: Approval[];
  /** Somebody said "I'm on it". */
  claim?: { user: string; until: number } | null;
  /** The deadline passed and the token was escalated (still pending). */
  escalated?: { at: number; target: string | null } | null;
  /** The GitHub issue was labelled `blocked`. */
  blockedAt?: number | null;
  /** Base of GitHub web links (Enterprise hosts differ). */
  githubWebBase?: string;
  /** Offer the "I'm on it" button. */
  claimable?: boolean;
  /** Offer "Reassign…" (semaphore tokens; phase escalations follow their session, not a person). */
  reassignable?: boolean;
  /** The latest reassignment (to a person, a group, or this channel). */
  reassigned?: Reassigned | null;
  /** Offer the "Snooze reminders" menu. */
  snoozable?: boolean;
  /** Somebody snoozed the reminders (live snoozes only). */
  snooze?: SnoozeState | null;
  /** The project's quiet hours hold the reminders, or the escalation too (live holds only). */
  quiet?: QuietState | null;
  /** A github_ref token's commit: what the agent saw and where the ref is now. */
  githubRef?: RefState | null;
}

/** The latest reassignment, as the card shows it. */
export interface Reassigned {
  /** The target as a mention (`<@U…>`, `<!subteam^S…>`, `<#C…>`). */
  to: string;
  by: string;
  note: string | null;
  at: number;
}

/** A person's note quoted after a sentence; empty without one. */
export const noteSuffix = (note: string | null) => (note ? `: “${escapeMrkdwn(truncate(note, 1000))}”` : '');

/** One person's choice toward a token's `required_approvals`. */
export interface Approval {
  user: string;
  userName?: string | null;
  option: string;
}

export interface RenderedMessage {
  text: string;
  blocks: KnownBlock[];
}

export interface RenderedCard extends RenderedMessage {
  /** The full prompt when the card had to cut it; posted as the first thread reply. */
  promptOverflow: string | null;
}

const PROMPT_ROOM = 2900;

function header(token: Token): string {
  const { icon, label } = REASON_DISPLAY[token.reason];
  switch (token.status) {
    case 'resolved':
      return `✅ ${label} — answered`;
    case 'cancelled':
      return `🚫 ${label} — cancelled`;
    case 'expired':
      return `⌛ ${label} — expired`;
    default:
      return `${icon} ${label}`;
  }
}

/** The longest proposal the Edit… modal can hold: a Slack text input takes 3000 characters. */
export const MAX_EDITABLE = 3000;

/** Whether Edit… is offered: a single answerer, and a proposal short enough for the modal's text box. */
export function editable(token: Token): boolean {
  return (
    token.status === 'pending' &&
    token.required_approvals === 1 &&
    token.proposed_input !== null &&
    proposalText(token.proposed_input).length <= MAX_EDITABLE
  );
}

/** Whether "Allow for 1 h" is offered: a permission request one person answers, with Allow among its options. */
export function grantable(token: Token): boolean {
  return token.permission !== null && token.required_approvals === 1 && token.options.includes('Allow');
}

/** The plain-text fallback: notifications and screen readers see this. */
export function cardFallbackText(token: Token): string {
  const { icon, label } = REASON_DISPLAY[token.reason];
  const prompt = plainLine(token.prompt || (token.permission ? requestLine(token.permission) : label), 200);
  switch (token.status) {
    case 'resolved':
      return `✅ Answered "${describeAnswer(token.human_input, 100, token.answer_schema)}": ${prompt} (${token.id})`;
    case 'cancelled':
      return `🚫 Cancelled: ${prompt} (${token.id})`;
    case 'expired':
      return `⌛ Expired: ${prompt} (${token.id})`;
    default:
      return `${icon} ${label}: ${prompt} (${token.id})`;
  }
}

/** The who/what/when line under a token: severity, project, runner, GitHub issue, deadline, id. */
export function metaContext(token: Token, state: CardState): ContextBlock {
  const parts: string[] = [SEVERITY_DISPLAY[token.severity]];
  if (token.project) parts.push(`📁 ${escapeMrkdwn(truncate(token.project, 100))}`);
  parts.push(`🤖 ${escapeMrkdwn(truncate(token.runner, 100))}`);
  if (token.github_issue) {
    const url = githubIssueUrl(token.github_issue, state.githubWebBase);
    parts.push(url ? `<${url}|${escapeMrkdwn(token.github_issue)}>` : escapeMrkdwn(token.github_issue));
  }
  if (state.deadlineMs !== undefined && state.deadlineMs !== null) {
    const overdue = state.deadlineMs <= state.now && token.status === 'pending';
    parts.push(`⏰ ${overdue ? 'overdue since' : 'due'} ${slackDate(state.deadlineMs)}`);
  }
  // The agent wrote naive local times: say which offset rodizio read them with, so a wrong guess is visible.
  if (token.time_offset) {
    const why = token.time_offset.timezone ?? 'inferred from created_at';
    parts.push(`🕰️ agent times read as UTC${token.time_offset.assumed} (${escapeMrkdwn(truncate(why, 60))})`);
  }
  parts.push(`\`${token.id}\``);
  return { type: 'context', elements: parts.map((text) => ({ type: 'mrkdwn', text })) };
}

function confirmFor(token: Token, option: string) {
  // Confirm text is plain_text: Slack would show the prompt's emphasis markers as typed.
  const prompt = token.prompt ? `: ${plainLine(stripEmphasis(token.prompt), 200)}` : '';
  return {
    title: { type: 'plain_text' as const, text: 'Are you sure?' },
    text: { type: 'plain_text' as const, text: truncate(`Answer “${plainLine(option, 60)}”${prompt}`, 300) },
    confirm: { type: 'plain_text' as const, text: 'Yes, answer' },
    deny: { type: 'plain_text' as const, text: 'Cancel' },
    style: 'danger' as const,
  };
}

function optionElements(token: Token): (Button | StaticSelect)[] {
  if (token.options.length === 0) return [];
  if (token.options.length <= MAX_OPTION_BUTTONS) {
    return token.options.map((option, i): Button => {
      // On a permission request one person answers, Deny asks for the reason (sent back to the agent) first.
      if (token.permission && token.required_approvals === 1 && option === 'Deny') {
        return {
          type: 'button',
          action_id: ActionId.deny,
          text: { type: 'plain_text', text: 'Deny…', emoji: true },
          value: token.id,
          style: 'danger',
        };
      }
      const danger = isDangerous(token, option);
      const primary = token.permission !== null && option === 'Allow' && !danger;
      return {
        type: 'button',
        action_id: `${ActionId.optionPrefix}${i}`,
        text: { type: 'plain_text', text: plainLine(option, 75), emoji: true },
        value: encodeOptionValue(token.id, i),
        ...(danger ? { style: 'danger' as const, confirm: confirmFor(token, option) } : {}),
        ...(primary ? { style: 'primary' as const } : {}),
      };
    });
  }
  const dangerous = token.options.some((o) => isDangerous(token, o));
  return [
    {
      type: 'static_select',
      action_id: ActionId.optionSelect,
      placeholder: { type: 'plain_text', text: `Choose one of ${token.options.length} options` },
      options: token.options.slice(0, 100).map((option, i) => ({
        text: { type: 'plain_text', text: plainLine(option, 75), emoji: true },
        value: encodeOptionValue(token.id, i),
      })),
      ...(dangerous
        ? {
            confirm: {
              title: { type: 'plain_text', text: 'Are you sure?' },
              text: { type: 'plain_text', text: 'Your choice goes to the agent at once.' },
              confirm: { type: 'plain_text', text: 'Yes, answer' },
              deny: { type: 'plain_text', text: 'Cancel' },
              style: 'danger',
            },
          }
        : {}),
    },
  ];
}

/**
 * The buttons of a pending token: its options (Deny… on a permission request asks for a reason), "Allow for
 * 1 h…", "Edit…", "Answer…" (not on a permission request), "I'm on it", "Reassign…" and the Snooze menu.
 * Shared by the card and App Home.
 */
export function tokenActions(
  token: Token,
  state: Pick<CardState, 'claimable' | 'claim' | 'reassignable' | 'snoozable' | 'snooze'>,
): ActionsBlock | undefined {
  const elements: (Button | StaticSelect)[] = optionElements(token);
  if (grantable(token)) {
    elements.push({
      type: 'button',
      action_id: ActionId.grant,
      text: { type: 'plain_text', text: 'Allow for 1 h…' },
      value: token.id,
    });
  }
  if (editable(token)) {
    elements.push({
      type: 'button',
      action_id: ActionId.edit,
      text: { type: 'plain_text', text: 'Edit…' },
      value: token.id,
    });
  }
  // A permission request is answered with its options only: agents read anything but "Deny" as allow.
  if (token.required_approvals === 1 && !token.permission) {
    elements.push({
      type: 'button',
      action_id: ActionId.answer,
      text: { type: 'plain_text', text: token.answer_schema ? 'Fill in the form…' : 'Answer…' },
      value: token.id,
    });
  }
  if (state.claimable && !state.claim) {
    elements.push({
      type: 'button',
      action_id: ActionId.claim,
      text: { type: 'plain_text', text: "I'm on it" },
      value: token.id,
    });
  }
  if (state.reassignable) {
    elements.push({
      type: 'button',
      action_id: ActionId.reassign,
      text: { type: 'plain_text', text: 'Reassign…' },
      value: token.id,
    });
  }
  if (state.snoozable) elements.push(snoozeMenu(token.id, Boolean(state.snooze)));
  return elements.length ? { type: 'actions', block_id: BlockId.actions(token.id), elements } : undefined;
}

function statusLines(token: Token, state: CardState): string[] {
  const lines: string[] = [];
  if (token.status === 'pending') {
    const votes = state.approvals ?? [];
    if (token.required_approvals > 1) {
      const byOption = new Map<string, string[]>();
      for (const v of votes) byOption.set(v.option, [...(byOption.get(v.option) ?? []), v.user]);
      const best = Math.max(0, ...[...byOption.values()].map((u) => u.length));
      const detail = [...byOption]
        .map(
          ([option, users]) =>
            `*${escapeMrkdwn(plainLine(option, 75))}* ${users.length} (${users.map((u) => who(u)).join(', ')})`,
        )
        .join(' · ');
      lines.push(`🗳️ *Approvals ${best}/${token.required_approvals}*${detail ? ` — ${detail}` : ' — nobody yet'}`);
    }
    if (state.claim)
      lines.push(`🙋 ${who(state.claim.user)} is on it (until ${slackDate(state.claim.until, '{time}')})`);
    if (state.reassigned) {
      const r = state.reassigned;
      lines.push(`↪️ Reassigned to ${r.to} by ${who(r.by)} ${slackDate(r.at)}${noteSuffix(r.note)}`);
    }
    if (state.escalated) {
      lines.push(
        `📣 *Escalated* ${slackDate(state.escalated.at)}${state.escalated.target ? ` to ${state.escalated.target}` : ''} — the deadline passed`,
      );
    }
    if (state.snooze) lines.push(snoozeLine(state.snooze, state.now));
    if (state.quiet) lines.push(quietLine(state.quiet, state.now));
  } else if (token.status === 'resolved') {
    const answer = escapeMrkdwn(describeAnswer(token.human_input, 1500, token.answer_schema));
    const via = token.answered_via ? ` via ${token.answered_via.replace('_', ' ')}` : '';
    lines.push(`*Answer:* ${answer}\nby ${answeredBy(token, state.approvals)}${via}, ${slackDate(closedAt(token))}`);
    lines.push(...answerDetailLines(token));
  } else if (token.status === 'cancelled') {
    lines.push(`*Cancelled* by ${who(token.answered_by, token.answered_by_name)}, ${slackDate(closedAt(token))}`);
  } else {
    lines.push(`*Expired* — nobody answered before the deadline (${slackDate(closedAt(token))})`);
  }
  if (state.blockedAt) lines.push(`🏷️ GitHub issue labelled \`blocked\` ${slackDate(state.blockedAt)}`);
  return lines;
}

/** What came with the answer: the edit as a diff, the Deny reason, the standing grant it made. */
function answerDetailLines(token: Token): string[] {
  const lines: string[] = [];
  const edit = editDiff(token);
  if (edit) {
    const what = edit.key ? ` (\`${escapeMrkdwn(plainLine(edit.key, 60))}\`)` : '';
    lines.push(`✏️ *Edited before answering*${what}:\n${edit.diff}`);
  }
  if (token.message) lines.push(`💬 *Reason:* “${escapeMrkdwn(truncate(token.message, 1000))}”`);
  if (token.granted) lines.push(grantLine(token.granted));
  return lines;
}

/** The standing grant an answer made, in one line. */
function grantLine(g: NonNullable<Token['granted']>): string {
  const what = g.scope === 'prefix' ? 'starting with' : 'exactly';
  const until = Date.parse(g.expires_at);
  return `🔓 *Standing grant* \`${g.grant_id}\`: later requests ${what} ${codeInline(g.value)} are allowed until ${slackDate(Number.isFinite(until) ? until : 0)} (\`/rodizio grants\` to revoke)`;
}

/** Inline code for a grant's value, cut to fit a line. */
function codeInline(text: string): string {
  return `\`${escapeMrkdwn(truncate(text.replace(/`/g, "'").replace(/\s+/g, ' '), 200))}\``;
}

/**
 * Who answered: every approver of the winning option when a quorum decided (the last click alone would hide
 * the others), else the one person.
 */
function answeredBy(token: Token, approvals: Approval[] = []): string {
  const approvers = token.required_approvals > 1 ? approvals.filter((a) => a.option === token.human_input) : [];
  if (approvers.length > 1) return joinNames(approvers.map((a) => who(a.user, a.userName)));
  return who(token.answered_by, token.answered_by_name);
}

function closedAt(token: Token): number {
  const at = token.resolved_at ?? token.cancelled_at ?? token.voided_at;
  const ms = at ? Date.parse(at) : Number.NaN;
  return Number.isFinite(ms) ? ms : 0;
}

/**
 * The Slack message for a semaphore token: header with the reason's icon, the prompt, who/what/when, and
 * — while pending — the option buttons, "Answer…" and a thread hint. Pure: everything it shows comes in.
 */
export function renderTokenCard(token: Token, state: CardState): RenderedCard {
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(header(token), 150), emoji: true } },
  ];
  if (token.permission) {
    const request = describeRequest(token.permission);
    const text = request.body ? `${request.headline}\n${request.body}` : request.headline;
    blocks.push({
      type: 'section',
      block_id: BlockId.request(token.id),
      text: { type: 'mrkdwn', text: truncate(text, 3000) },
    });
  }
  const noPrompt = token.permission ? null : { text: '_(no prompt given)_', cut: false };
  const fit = token.prompt ? mrkdwnFit(token.prompt, PROMPT_ROOM) : noPrompt;
  if (fit) {
    blocks.push({
      type: 'section',
      block_id: BlockId.prompt(token.id),
      text: {
        type: 'mrkdwn',
        text: fit.cut ? `${fit.text}\n_The full text is the first reply in the thread._` : fit.text,
      },
    });
  }
  if (!token.permission && token.proposed_input !== null) {
    blocks.push({
      type: 'section',
      block_id: BlockId.request(token.id),
      text: { type: 'mrkdwn', text: `*Proposed:*\n${codeBlock(proposalText(token.proposed_input))}` },
    });
  }
  const lines = statusLines(token, state);
  if (lines.length) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(lines.join('\n'), 3000) } });
  if (token.status === 'pending') {
    const actions = tokenActions(token, state);
    if (actions) blocks.push(actions);
  }
  blocks.push(metaContext(token, state));
  if (token.status === 'pending') {
    const hint = state.inGroupThread
      ? '💬 This thread holds several questions: answer this one with its buttons. Replies here are not read as an answer.'
      : state.threadResolves
        ? '💬 The first reply in this thread from someone who may answer is sent to the agent as the answer.'
        : '💬 Replies in this thread reach the agent as notes with the answer.';
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: hint }] });
  }
  return {
    text: cardFallbackText(token),
    blocks: withGithubRef(blocks, token, state.githubRef, state.githubWebBase),
    promptOverflow: fit?.cut ? token.prompt : null,
  };
}

/**
 * The thread reply recording a decision, so the channel history says who decided what. `approvals` are the
 * quorum's choices (see CardState), so a reply to a two-approval token names both approvers.
 */
export function renderDecisionReply(token: Token, approvals: Approval[] = []): RenderedMessage {
  let text: string;
  if (token.status === 'resolved') {
    const answer = escapeMrkdwn(describeAnswer(token.human_input, 1000, token.answer_schema));
    text = `${endSentence(`✅ ${answeredBy(token, approvals)} answered *${answer}*`)} The agent has been told.`;
    const details = answerDetailLines(token);
    if (details.length) text = `${text}\n${details.join('\n')}`;
  } else if (token.status === 'cancelled') {
    text = `🚫 Cancelled by ${who(token.answered_by, token.answered_by_name)}. The agent has been told.`;
  } else {
    text = '⌛ Expired: nobody answered before the deadline. The agent has been told.';
  }
  return { text, blocks: [] };
}

/** The first thread reply when the prompt was too long for the card. */
export function renderPromptOverflow(prompt: string): RenderedMessage {
  return { text: `*Full prompt:*\n${truncate(escapeMrkdwn(prompt), 39_000)}`, blocks: [] };
}
