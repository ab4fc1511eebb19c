/**
 * The forge: where the agents' issues live. GitHub (and GitHub Enterprise) through Octokit, or a self-hosted
 * Gitea/Forgejo through its own REST dialect. Jobs and identity checks call this interface and never learn which.
 */

/** Which dialect the forge speaks (FORGE). Forgejo speaks Gitea's. */
export type ForgeKind = 'github' | 'gitea';

/** How people call each forge in messages. */
export const FORGE_NAME: Record<ForgeKind, string> = { github: 'GitHub', gitea: 'Forgejo/Gitea' };

/** `owner/repo`. */
export interface RepoRef {
  owner: string;
  repo: string;
}

/** One issue (or pull request: both forges number them together) of a repository. */
export interface IssueRef extends RepoRef {
  issue: number;
}

/**
 * A person's access to a repository, weakest first. GitHub's `triage` and `maintain` roles sit between its
 * `read`, `write` and `admin`; Gitea's `owner` counts as `admin`.
 */
export const REPO_PERMISSIONS = ['none', 'read', 'triage', 'write', 'maintain', 'admin'] as const;
export type RepoPermission = (typeof REPO_PERMISSIONS)[number];

/** True when `has` is at least `needs`. */
export function permits(has: RepoPermission, needs: RepoPermission): boolean {
  return REPO_PERMISSIONS.indexOf(has) >= REPO_PERMISSIONS.indexOf(needs);
}

/** The calls rodizio makes on a forge; failures throw errors that src/github/errors.ts classifies. */
export interface Forge {
  readonly kind: ForgeKind;
  /** Adds `label` to the issue, creating the label in the repository (red, described) when it is missing. */
  addLabel(issue: IssueRef, label: string): Promise<void>;
  /** Takes `label` off the issue; a label that is not there (on the issue or in the repository) is no error. */
  removeLabel(issue: IssueRef, label: string): Promise<void>;
  comment(issue: IssueRef, body: string): Promise<void>;
  /** What `login` may do in the repository. */
  permissionOf(repo: RepoRef, login: string): Promise<RepoPermission>;
  /** The text of a user's public profile (GitHub's bio, Gitea's description); undefined when no such user. */
  profileText(login: string): Promise<string | undefined>;
}

/** The colour and description a missing `blocked` label is created with. */
export const BLOCKED_LABEL_STYLE = { color: 'b60205', description: 'Waiting for a human (rodizio)' } as const;
