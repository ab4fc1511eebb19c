import { z } from 'zod';

/** A full commit id: 40 lowercase hex digits (an abbreviated sha could name several commits). */
export const CommitSha = z.string().regex(/^[0-9a-f]{40}$/, 'must be a full commit sha: 40 lowercase hex digits');

const PULL = /^pull\/([1-9]\d{0,9})$/;
const HEADS = 'refs/heads/';

/**
 * A branch name as git accepts it (git check-ref-format, in short): no spaces or control characters, none of
 * `~ ^ : ? * [ \`, no `..`, `@{` or `//`, not starting with `-` or `/`, not ending with `/`, `.` or `.lock`.
 */
function isBranchName(name: string): boolean {
  return (
    name.length > 0 &&
    name.length <= 255 &&
    // biome-ignore lint/suspicious/noControlCharactersInRegex: git refuses control characters in ref names
    !/[\s~^:?*[\\\x00-\x1f\x7f]/.test(name) &&
    !/\.\.|@\{|\/\/|\/\./.test(name) &&
    !/^[-/.]/.test(name) &&
    !/(?:\/|\.|\.lock)$/.test(name) &&
    name !== '@'
  );
}

/** `main`, `refs/heads/<branch>` or `pull/<number>`: what a token's github_ref may point at. */
export const RefName = z.string().refine(
  (ref) => {
    if (PULL.test(ref)) return true;
    if (ref.startsWith(HEADS)) return isBranchName(ref.slice(HEADS.length));
    // A branch literally named refs/… or pull/… would be read as something else by people and by GitHub.
    return !/^(?:refs|pull)\//.test(ref) && isBranchName(ref);
  },
  {
    message:
      'must be a branch name (main), refs/heads/<branch> or pull/<number>; tags and other refs/… are not watched',
  },
);

/**
 * The commit the agent looked at: a branch or pull request head of a repository, and its sha then. When the
 * ref moves before anyone answers, the card says so and asks to confirm the new commit.
 */
export const GithubRef = z.strictObject({
  repo: z.string().regex(/^[A-Za-z0-9][\w.-]{0,99}\/[\w.-]{1,100}$/, 'must look like owner/name'),
  ref: RefName,
  sha: CommitSha,
});
export type GithubRef = z.infer<typeof GithubRef>;

/** A ref in the one spelling webhooks and polls are matched on: the repo lower-cased, the ref a full git ref. */
export interface RefKey {
  /** `owner/name`, lower-cased (GitHub's names are case-insensitive). */
  repo: string;
  /** `refs/heads/<branch>` or `refs/pull/<n>/head`. */
  ref: string;
}

/** The key a token's ref is watched under. */
export function refKey(ref: Pick<GithubRef, 'repo' | 'ref'>): RefKey {
  const pull = PULL.exec(ref.ref);
  const full = pull ? `refs/pull/${pull[1]}/head` : ref.ref.startsWith(HEADS) ? ref.ref : `${HEADS}${ref.ref}`;
  return { repo: ref.repo.toLowerCase(), ref: full };
}

/** The pull request number of a `refs/pull/<n>/head` key, or undefined for a branch. */
export function pullNumber(fullRef: string): number | undefined {
  const m = /^refs\/pull\/(\d+)\/head$/.exec(fullRef);
  return m ? Number(m[1]) : undefined;
}

/** The branch of a `refs/heads/<branch>` key, or undefined for a pull request. */
export function branchName(fullRef: string): string | undefined {
  return fullRef.startsWith(HEADS) ? fullRef.slice(HEADS.length) : undefined;
}

/** The 7-character form people recognise from GitHub. */
export const shortSha = (sha: string) => sha.slice(0, 7);

/** GitHub's page comparing two commits of a repository. */
export function compareUrl(webBase: string, repo: string, from: string, to: string): string {
  return `${webBase.replace(/\/+$/, '')}/${repo}/compare/${from}...${to}`;
}

/** GitHub's page of one commit. */
export function commitUrl(webBase: string, repo: string, sha: string): string {
  return `${webBase.replace(/\/+$/, '')}/${repo}/commit/${sha}`;
}
