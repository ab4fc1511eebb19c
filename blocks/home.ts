import type { HomeView, KnownBlock } from '@slack/types';
import type { Grant } from '../src/domain/grant.js';
import type { Token } from '../src/domain/token.js';
import { REASON_DISPLAY } from './display.js';
import { renderGrantList } from './grants.js';
import { mrkdwnFit } from './text.js';
import { type CardState, metaContext, tokenActions } from './token-card.js';

/** How many tokens App Home lists; each takes four blocks of the 100 a view may hold. */
export const HOME_LIMIT = 20;

/**
 * App Home: the pending tokens this person may answer, newest first, each with its buttons; then the live
 * standing grants with Revoke buttons, when there are any. `entries` are already filtered and ordered by the caller.
 */
export function renderHome(
  entries: { token: Token; state: CardState }[],
  total: number,
  grants: Grant[] = [],
): HomeView {
  const blocks: KnownBlock[] = [{ type: 'header', text: { type: 'plain_text', text: 'Waiting for you', emoji: true } }];
  if (entries.length === 0) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: 'Nothing is waiting for you right now. 🎉' } });
  }
  for (const { token, state } of entries.slice(0, HOME_LIMIT)) {
    const { icon, label } = REASON_DISPLAY[token.reason];
    const prompt = token.prompt ? mrkdwnFit(token.prompt, 600).text : '_(no prompt given)_';
    blocks.push({ type: 'divider' });
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*${icon} ${label}*\n${prompt}` } });
    const actions = tokenActions(token, state);
    if (actions) blocks.push(actions);
    blocks.push(metaContext(token, state));
  }
  if (total > Math.min(entries.length, HOME_LIMIT)) {
    blocks.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `…and ${total - Math.min(entries.length, HOME_LIMIT)} more: \`/rodizio list\` shows them all.`,
        },
      ],
    });
  }
  if (grants.length > 0) {
    blocks.push({ type: 'divider' });
    blocks.push({ type: 'header', text: { type: 'plain_text', text: 'Standing grants', emoji: true } });
    blocks.push(...renderGrantList(grants));
  }
  return { type: 'home', blocks };
}
