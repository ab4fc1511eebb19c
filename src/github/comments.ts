import type { Token } from '../domain/token.js';
import { formatDuration } from '../time.js';

const REASON_LABEL: Record<Token['reason'], string> = {
  approval_needed: 'an approval',
  context_required: 'missing context',
  sensitive_action: 'a sensitive action to be confirmed',
  ambiguous_choice: 'a choice',
  resource_decision: 'a resource decision',
  error_recovery: 'help after an error',
};

function quote(text: string, max = 600): string {
  const cut = text.length > max ? `${text.slice(0, max - 1)}…` : text;
  return cut
    .split('\n')
    .map((l) => `> ${l}`)
    .join('\n');
}

/** The comment posted with the `blocked` label: what is waiting, since when, and where to answer. */
export function blockedComment(token: Token, p: { nowMs: number; permalink: string | null; label: string }): string {
  const since = Date.parse(token.received_at);
  const lines = [
    `⏸️ **Blocked: waiting for a human for ${formatDuration(p.nowMs - since)}** (since ${new Date(since).toISOString().slice(0, 16).replace('T', ' ')} UTC).`,
    '',
    `The agent (\`${token.runner}\`) is waiting for ${REASON_LABEL[token.reason]}:`,
    '',
    quote(token.prompt || '(no prompt given)'),
    '',
    p.permalink ? `**Answer in Slack:** ${p.permalink}` : 'Answer it in Slack or with `rodizio resolve`.',
    '',
    `<sub>rodizio token \`${token.id}\` · labelled \`${p.label}\` automatically; the label comes off once it is answered.</sub>`,
  ];
  return lines.join('\n');
}

/** The comment when the label comes off; `login` is the answerer's forge login when known (then mentioned). */
export function unblockedComment(token: Token, login?: string): string {
  const name = token.answered_by_name ?? token.answered_by;
  const by = login ? ` by @${login}${name && name !== login ? ` (${name} in Slack)` : ''}` : name ? ` by ${name}` : '';
  const how = token.status === 'resolved' ? `answered${by}` : token.status;
  return `▶️ **Unblocked:** the question was ${how}; the agent has been told. <sub>rodizio token \`${token.id}\`</sub>`;
}

/** `owner/repo#12` → its parts. */
export function parseIssueRef(ref: string): { owner: string; repo: string; issue: number } | undefined {
  const m = /^([^/]+)\/([^#]+)#(\d+)$/.exec(ref);
  return m ? { owner: m[1] as string, repo: m[2] as string, issue: Number(m[3]) } : undefined;
}
