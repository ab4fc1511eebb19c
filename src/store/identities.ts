/** A proven link from a Slack user to a forge login. */
export interface IdentityLinkRow {
  slack_user: string;
  login: string;
  linked_ms: number;
}

/** A link being proven (see src/identity/identities.ts). */
export interface IdentityChallengeRow {
  slack_user: string;
  login: string;
  code: string;
  created_ms: number;
  expires_ms: number;
}

/** The `identity_links` and `identity_challenges` tables. */
export interface IdentityStore {
  link(slackUser: string): Promise<IdentityLinkRow | undefined>;
  /** Links the user, replacing an earlier link of theirs. */
  putLink(row: IdentityLinkRow): Promise<void>;
  /** False when the user had no link. */
  removeLink(slackUser: string): Promise<boolean>;
  challenge(slackUser: string): Promise<IdentityChallengeRow | undefined>;
  /** Replaces the user's challenge, if any. */
  putChallenge(row: IdentityChallengeRow): Promise<void>;
  removeChallenge(slackUser: string): Promise<void>;
}
