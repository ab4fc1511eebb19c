import type { TokenRow } from './tokens.js';

/** A digest message: one per project and interval, listing that interval's `info` tokens. */
export interface DigestRow {
  id: number;
  project: string;
  channel: string;
  ts: string;
  created_ms: number;
}

/** A runner's tokens for one project that arrived together and share a thread under one parent message. */
export interface GroupRow {
  id: number;
  project: string;
  runner: string;
  channel: string;
  opened_ms: number;
  last_ms: number;
  poster: string | null;
  parent_ts: string | null;
  closed: number;
}

/**
 * The tables of src/slack/digest.ts and src/slack/grouping.ts: which Slack message holds which tokens. Tokens
 * are not foreign keys here, so GC removes a token without touching these rows; a member that is gone is skipped.
 */
export interface DigestStore {
  /** Pending `info` tokens of `project` that no digest lists yet, oldest first. */
  undigested(project: string, limit: number): Promise<TokenRow[]>;
  /** Records a posted digest and the tokens it lists (in order); returns its id. */
  addDigest(digest: Omit<DigestRow, 'id'>, tokenIds: string[]): Promise<number>;
  /** The digest listing `tokenId`, if any. */
  digestOf(tokenId: string): Promise<DigestRow | undefined>;
  /** The tokens a digest lists, in order. */
  digestMembers(digestId: number): Promise<string[]>;

  /** The newest group of `runner` for `project` in `channel` still open to joiners: not closed, last join ≥ `sinceMs`. */
  openGroup(project: string, runner: string, channel: string, sinceMs: number): Promise<GroupRow | undefined>;
  /** Starts a group; returns it. */
  createGroup(group: { project: string; runner: string; channel: string; nowMs: number }): Promise<GroupRow>;
  /** Adds a token to a group (once) and moves its last join to `nowMs`. */
  join(groupId: number, tokenId: string, nowMs: number): Promise<void>;
  /** The group `tokenId` belongs to, if any. */
  groupOf(tokenId: string): Promise<GroupRow | undefined>;
  /** A group's tokens, in the order they joined. */
  groupMembers(groupId: number): Promise<string[]>;
  /** Compare-and-set: makes `tokenId` the one that posts the parent; true if it is (now or already). */
  claimPoster(groupId: number, tokenId: string): Promise<boolean>;
  setParent(groupId: number, ts: string): Promise<void>;
  /** Compare-and-set: closes a group that still has exactly one member and no parent; false otherwise. */
  closeLone(groupId: number): Promise<boolean>;
}
