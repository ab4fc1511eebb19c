import type { ActionsBlock, Button, ConfirmationDialog, KnownBlock, PlainTextOption, StaticSelect } from '@slack/types';
import { commitUrl, compareUrl, shortSha } from '../src/domain/github-ref.js';
import type { Token } from '../src/domain/token.js';
import { ActionId, BlockId, decodeOptionValue, encodeOptionValue } from './ids.js';
import { escapeMrkdwn, plainLine, slackDate, truncate } from './text.js';

/** A github_ref token's commit as the card shows it: what the agent saw and where the ref is now. */
export interface RefState {
  /** `owner/name` and the ref as the agent wrote them (links and labels). */
  repo: string;
  ref: string;
  /** The commit the agent looked at. */
  seen: string;
  /** Where the ref is as far as rodizio knows (webhook or poll). */
  head: string;
  /** When rodizio last saw it move. */
  movedAt: number | null;
  /** The commit the answer was for (resolved tokens). */
  approved: string | null;
}

const DEFAULT_WEB = 'https://github.com';

/** Inline code that survives any branch name: mrkdwn escaped, backticks turned into quotes. */
const code = (text: string) => `\`${escapeMrkdwn(truncate(text, 100).replace(/`/g, "'"))}\``;

/** `main`, or `PR #42` for a pull request head. */
function refName(ref: string): string {
  const pull = /^pull\/(\d+)$/.exec(ref);
  return pull ? `PR #${pull[1]}` : ref.replace(/^refs\/heads\//, '');
}

/** The line about the ref: where it is, whether it moved, what the answer was for. */
function refLine(token: Token, r: RefState, web: string): string {
  const where = `${code(refName(r.ref))} of ${escapeMrkdwn(r.repo)}`;
  const sha = (s: string) => `<${commitUrl(web, r.repo, s)}|${code(shortSha(s))}>`;
  const compare = (from: string, to: string) =>
    `<${compareUrl(web, r.repo, from, to)}|compare ${shortSha(from)}...${shortSha(to)}>`;
  if (token.status === 'resolved' && r.approved) {
    const moved = r.approved !== r.seen ? ` — the agent saw ${sha(r.seen)} (${compare(r.seen, r.approved)})` : '';
    return `🔀 Answered for ${sha(r.approved)} on ${where}${moved}`;
  }
  if (token.status !== 'pending' || r.head === r.seen) return `🔀 ${where} at ${sha(r.seen)}`;
  const when = r.movedAt !== null ? ` ${slackDate(r.movedAt)}` : '';
  return (
    `⚠️ *Stale:* ${code(refName(r.ref))} moved from ${sha(r.seen)} to ${sha(r.head)}${when} (${compare(r.seen, r.head)}) ` +
    `since the agent asked. An answer now is for ${code(shortSha(r.head))}: look at the new commit first.`
  );
}

/** The dialog a stale card's option opens first: the answer is for the new commit, not the one the agent saw. */
function staleConfirm(r: RefState, option: string | undefined): ConfirmationDialog {
  const what = option === undefined ? 'Your answer' : `“${plainLine(option, 60)}”`;
  return {
    title: { type: 'plain_text', text: `Confirm ${shortSha(r.head)}?` },
    text: {
      type: 'plain_text',
      text: truncate(
        `${plainLine(refName(r.ref), 60)} moved from ${shortSha(r.seen)} (what the agent saw) to ${shortSha(r.head)}. ` +
          `${what} will be for ${shortSha(r.head)}.`,
        300,
      ),
    },
    confirm: { type: 'plain_text', text: `Yes, ${shortSha(r.head)}` },
    deny: { type: 'plain_text', text: 'Cancel' },
  };
}

/**
 * An option carries the commit the card shows; on a stale card its label names the new commit ("Approve
 * def5678") and a confirmation dialog comes first. Other buttons (Answer…, I'm on it) are left as they are.
 */
function pinOptions(actions: ActionsBlock, token: Token, r: RefState): ActionsBlock {
  const stale = r.head !== r.seen;
  const pin = (value: string | undefined) => {
    const decoded = value ? decodeOptionValue(value) : undefined;
    return decoded ? { value: encodeOptionValue(decoded.tokenId, decoded.index, r.head), decoded } : undefined;
  };
  const elements = actions.elements.map((element) => {
    if (element.type === 'button' && ActionId.optionPattern.test(element.action_id ?? '')) {
      const pinned = pin(element.value);
      if (!pinned) return element;
      const option = token.options[pinned.decoded.index];
      const button: Button = { ...element, value: pinned.value };
      if (!stale) return button;
      const label = `${plainLine(option ?? element.text.text, 66)} ${shortSha(r.head)}`;
      return { ...button, text: { ...element.text, text: label }, confirm: staleConfirm(r, option) };
    }
    if (element.type === 'static_select' && element.action_id === ActionId.optionSelect) {
      const options = (element.options ?? []).map(
        (o): PlainTextOption => ({ ...o, value: pin(o.value)?.value ?? o.value }) as PlainTextOption,
      );
      const select: StaticSelect = { ...element, options };
      return stale ? { ...select, confirm: staleConfirm(r, undefined) } : select;
    }
    return element;
  });
  return { ...actions, elements };
}

/**
 * The card of a token with a github_ref: a line naming the ref and commit (or, once the ref moved, that the
 * request is stale, with a compare link), placed above the buttons; the option buttons carry the commit shown.
 * Pure; `blocks` is the card as token-card.ts drew it.
 */
export function withGithubRef(
  blocks: KnownBlock[],
  token: Token,
  ref: RefState | null | undefined,
  webBase = DEFAULT_WEB,
): KnownBlock[] {
  if (!ref) return blocks;
  const line: KnownBlock = {
    type: 'section',
    block_id: BlockId.githubRef(token.id),
    text: { type: 'mrkdwn', text: truncate(refLine(token, ref, webBase), 3000) },
  };
  const out = blocks.map((b) => (b.type === 'actions' && token.status === 'pending' ? pinOptions(b, token, ref) : b));
  const at = out.findIndex((b) => b.type === 'actions' || b.type === 'context');
  out.splice(at === -1 ? out.length : at, 0, line);
  return out;
}
