/** A token's watched ref: what the agent saw, where the ref is now, and the commit the answer was for. */
export interface GithubRefRow {
  token_id: string;
  /** `owner/name`, lower-cased: webhooks and polls match on it. */
  repo: string;
  /** `refs/heads/<branch>` or `refs/pull/<n>/head`. */
  ref: string;
  /** The sha the agent sent. */
  seen_sha: string;
  /** Where the ref is as far as rodizio knows; equal to `seen_sha` until it moves. */
  head_sha: string;
  /** When rodizio last saw it move. */
  moved_ms: number | null;
  /** The head when the token was answered (resolved); null before. */
  approved_sha: string | null;
}

/** A ref some pending token is watching. */
export interface WatchedRef {
  repo: string;
  ref: string;
}

/** The `github_refs` table (see the engine folders for the SQL). */
export interface GithubRefStore {
  /** Starts watching a new token's ref at the sha the agent saw. */
  insert(row: { token_id: string; repo: string; ref: string; seen_sha: string }): Promise<void>;
  get(tokenId: string): Promise<GithubRefRow | undefined>;
  /** The distinct refs of pending tokens, in key order, `limit` at most after `after` (a keyset cursor). */
  watched(after: WatchedRef | null, limit: number): Promise<WatchedRef[]>;
  /** Pending tokens watching `repo`/`ref` whose known head is not `sha`. */
  behind(repo: string, ref: string, sha: string): Promise<GithubRefRow[]>;
  /** Compare-and-set of the head: false when it is no longer `from` (another mover got there first). */
  move(tokenId: string, from: string, to: string, atMs: number): Promise<boolean>;
  /** Records the commit a resolved token's answer was for. */
  approve(tokenId: string, sha: string): Promise<void>;
  removeForToken(tokenId: string): Promise<void>;
}
