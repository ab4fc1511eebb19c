import type { KnownBlock, SectionBlock } from '@slack/types';
import type { Grant } from '../src/domain/grant.js';
import type { Token } from '../src/domain/token.js';
import { who } from './display.js';
import { ActionId, BlockId } from './ids.js';
import { requestLine } from './permission.js';
import { escapeMrkdwn, plainLine, slackDate, truncate } from './text.js';

/** Grants a list shows at most: each takes one block, and App Home holds 100 with its tokens. */
export const GRANT_LIST_LIMIT = 10;

/** A grant's value as inline code, on one line and cut to fit. */
function valueCode(value: string): string {
  return `\`${escapeMrkdwn(truncate(value.replace(/`/g, "'").replace(/\s+/g, ' '), 150))}\``;
}

/** One grant in a line: tool, scope and value, runner, who made it, until when, how often it answered. */
export function grantSummary(grant: Grant): string {
  const scope = grant.scope === 'prefix' ? 'starting with' : 'exactly';
  const uses = grant.uses === 1 ? 'used once' : `used ${grant.uses}×`;
  return (
    `*${escapeMrkdwn(plainLine(grant.tool, 100))}* ${scope} ${valueCode(grant.value)}\n` +
    `runner *${escapeMrkdwn(grant.runner)}* · by ${who(grant.created_by, grant.created_by_name)} · ` +
    `until ${slackDate(grant.expires_ms)} · ${uses} · \`${grant.id}\``
  );
}

/** The reply a grant leaves in its thread for each request it answers, instead of a card. */
export function grantNoteText(token: Pick<Token, 'id' | 'permission'>, grant: Grant | undefined): string {
  const what = token.permission ? escapeMrkdwn(requestLine(token.permission, 300)) : token.id;
  const until = grant ? ` (until ${slackDate(grant.expires_ms)})` : '';
  return `✅ Allowed by this standing grant${until}: ${what} · \`${token.id}\``;
}

/** Live grants, each with a Revoke button; the empty list says so. */
export function renderGrantList(grants: Grant[]): KnownBlock[] {
  if (grants.length === 0) {
    return [{ type: 'section', text: { type: 'mrkdwn', text: 'No standing grants: every request is asked.' } }];
  }
  const blocks: KnownBlock[] = grants.slice(0, GRANT_LIST_LIMIT).map(
    (grant): SectionBlock => ({
      type: 'section',
      block_id: BlockId.grant(grant.id),
      text: { type: 'mrkdwn', text: truncate(grantSummary(grant), 3000) },
      accessory: {
        type: 'button',
        action_id: ActionId.revokeGrant,
        text: { type: 'plain_text', text: 'Revoke' },
        value: grant.id,
        style: 'danger',
        confirm: {
          title: { type: 'plain_text', text: 'Revoke this grant?' },
          text: { type: 'plain_text', text: 'Matching requests will be asked in Slack again.' },
          confirm: { type: 'plain_text', text: 'Revoke' },
          deny: { type: 'plain_text', text: 'Keep it' },
          style: 'danger',
        },
      },
    }),
  );
  if (grants.length > GRANT_LIST_LIMIT) {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `…and ${grants.length - GRANT_LIST_LIMIT} more, expiring later.` }],
    });
  }
  return blocks;
}

/** `/rodizio grants`: the live grants with Revoke buttons, as an ephemeral reply. */
export function renderGrantsReply(grants: Grant[]): { text: string; blocks: KnownBlock[] } {
  const text = grants.length === 0 ? 'No standing grants.' : `Standing grants (${grants.length})`;
  return {
    text,
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `*${text}*` } }, ...renderGrantList(grants)],
  };
}
