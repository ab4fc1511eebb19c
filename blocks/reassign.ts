import type { KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import type { Token } from '../src/domain/token.js';
import { REASON_DISPLAY, who } from './display.js';
import { BlockId, CallbackId, INPUT_ACTION_ID } from './ids.js';
import { endSentence, mrkdwnFit, plainLine, slackDate, truncate } from './text.js';
import { type CardState, metaContext, noteSuffix, type RenderedMessage } from './token-card.js';

/** Where the reassign modal was opened from, carried in `private_metadata`. */
export interface ReassignOrigin {
  token_id: string;
  channel: string | null;
}

/** A user group the modal offers (from `usergroups.list` and the config file). */
export interface GroupChoice {
  id: string;
  name: string;
}

const plain = (text: string) => ({ type: 'plain_text' as const, text, emoji: true });

/** Slack allows 100 options in a static select. */
const MAX_GROUP_OPTIONS = 100;

/**
 * The "Reassign…" modal: a person, a user group (a menu of the known groups, or an `S…` id typed when none are
 * known) or a channel, plus a note. All optional in Slack's eyes: the submission checks that exactly one is given.
 */
export function renderReassignModal(token: Token, origin: ReassignOrigin, groups: GroupChoice[]): ModalView {
  const { icon, label } = REASON_DISPLAY[token.reason];
  const prompt = token.prompt ? mrkdwnFit(token.prompt, 2900).text : `_${label}_`;
  const groupOptions: PlainTextOption[] = groups
    .slice(0, MAX_GROUP_OPTIONS)
    .map((g) => ({ text: plain(plainLine(`@${g.name}`, 75)), value: g.id }));
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: prompt } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: `${icon} ${label} · \`${token.id}\`` }] },
    {
      type: 'input',
      block_id: BlockId.reassignUser,
      optional: true,
      label: plain('A person'),
      element: { type: 'users_select', action_id: INPUT_ACTION_ID, placeholder: plain('Choose a person') },
    },
    {
      type: 'input',
      block_id: BlockId.reassignGroup,
      optional: true,
      label: plain('Or a user group'),
      element: groupOptions.length
        ? {
            type: 'static_select',
            action_id: INPUT_ACTION_ID,
            placeholder: plain('Choose a group'),
            options: groupOptions,
          }
        : { type: 'plain_text_input', action_id: INPUT_ACTION_ID, placeholder: plain('S0123ABCD'), max_length: 20 },
    },
    {
      type: 'input',
      block_id: BlockId.reassignChannel,
      optional: true,
      label: plain('Or move the card to a channel'),
      hint: plain('Anyone in that channel may answer; reminders and deadlines carry on.'),
      element: {
        type: 'conversations_select',
        action_id: INPUT_ACTION_ID,
        placeholder: plain('Choose a channel'),
        filter: { include: ['public', 'private'], exclude_bot_users: true },
      },
    },
    {
      type: 'input',
      block_id: BlockId.reassignNote,
      optional: true,
      label: plain('Note'),
      element: { type: 'plain_text_input', action_id: INPUT_ACTION_ID, multiline: true, max_length: 1000 },
    },
  ];
  return {
    type: 'modal',
    callback_id: CallbackId.reassignModal,
    private_metadata: JSON.stringify(origin),
    title: plain('Reassign'),
    submit: plain('Reassign'),
    close: plain('Cancel'),
    blocks,
  };
}

/** The thread reply that mentions the new assignee. */
export function reassignedReply(p: { to: string; by: string; note: string | null }): string {
  return `${endSentence(`↪️ Reassigned to ${p.to} by ${who(p.by)}${noteSuffix(p.note)}`)} ${p.to} may answer now.`;
}

/** The first reply in the new card's thread after a channel move: where it came from, with the old thread. */
export function movedHereReply(p: { from: string; by: string; note: string | null; permalink: string | null }): string {
  const earlier = p.permalink ? ` Earlier thread and history: <${p.permalink}|the previous card>.` : '';
  return `${endSentence(`↪️ Moved here from <#${p.from}> by ${who(p.by)}${noteSuffix(p.note)}`)}${earlier} Anyone here may answer.`;
}

/** The card left behind by a channel move: what it asked and where it went, without buttons. */
export function renderMovedCard(
  token: Token,
  state: CardState,
  p: { to: string; by: string; note: string | null; at: number; permalink: string | null },
): RenderedMessage {
  const { label } = REASON_DISPLAY[token.reason];
  const where = p.permalink ? `<${p.permalink}|<#${p.to}>>` : `<#${p.to}>`;
  const blocks: KnownBlock[] = [
    { type: 'header', text: plain(truncate(`↪️ ${label} — moved`, 150)) },
    {
      type: 'section',
      text: { type: 'mrkdwn', text: token.prompt ? mrkdwnFit(token.prompt, 2900).text : `_${label}_` },
    },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncate(`*Moved to ${where}* by ${who(p.by)} ${slackDate(p.at)}${noteSuffix(p.note)}`, 3000),
      },
    },
    metaContext(token, state),
  ];
  return { text: `↪️ Moved to <#${p.to}>: ${plainLine(token.prompt || label, 200)} (${token.id})`, blocks };
}
