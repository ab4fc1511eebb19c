import { type GithubRef, pullNumber, refKey, shortSha } from '../domain/github-ref.js';
import { ValidationError } from '../errors.js';
import type { Repos } from '../store/store.js';

/** Starts watching a new token's ref at the commit the agent saw, in the token's create transaction. */
export async function watchRefIn(tx: Repos, tokenId: string, ref: GithubRef): Promise<void> {
  await tx.githubRefs.insert({ token_id: tokenId, ...refKey(ref), seen_sha: ref.sha });
}

/** A watched ref as people read it: `main`, or `PR #42`. */
export function refLabel(fullRef: string): string {
  const pull = pullNumber(fullRef);
  return pull !== undefined ? `PR #${pull}` : fullRef.replace(/^refs\/heads\//, '');
}

/**
 * The commit an answer is for: the ref's head as rodizio knows it when the answer is recorded. `confirmed` is
 * the commit the answerer was shown (a card's button carries it); when the ref has moved on since, the answer
 * is refused, so nobody approves a commit they did not see. Undefined for a token without a github_ref.
 */
export async function approvedShaIn(tx: Repos, tokenId: string, confirmed?: string): Promise<string | undefined> {
  const row = await tx.githubRefs.get(tokenId);
  if (!row) return undefined;
  if (confirmed !== undefined && confirmed !== row.head_sha) {
    throw new ValidationError(
      `${refLabel(row.ref)} moved to ${shortSha(row.head_sha)} after the card you answered showed ${shortSha(confirmed)}. ` +
        'The card now shows the new commit: look at it and answer again.',
    );
  }
  return row.head_sha;
}
