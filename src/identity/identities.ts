import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Forge, ForgeKind } from '../forge/forge.js';
import type { Logger } from '../logger.js';
import type { IdentityStore } from '../store/identities.js';
import { ForgeLogin } from './login.js';

/** How long a `/rodizio link` code may take to appear in the person's profile. */
export const CHALLENGE_TTL_MS = 60 * 60_000;

/** What a link request came to, for the slash command to say. */
export type LinkOutcome =
  /** Put `code` in the profile of `login`, then verify before `expiresMs`. */
  | { kind: 'challenge'; login: string; code: string; expiresMs: number }
  | { kind: 'linked'; login: string }
  /** The code is not (yet) in the profile. */
  | { kind: 'code_missing'; login: string; code: string }
  | { kind: 'no_such_user'; login: string }
  | { kind: 'no_challenge' }
  | { kind: 'expired'; login: string }
  /** The config file says who this is; people cannot change it. */
  | { kind: 'declared'; login: string }
  | { kind: 'bad_login'; input: string }
  | { kind: 'no_forge' }
  | { kind: 'forge_error'; message: string };

/** Who a Slack user is on the forge, and where that came from. */
export type KnownLogin = { login: string; source: 'config' | 'link' };

export interface IdentityDeps {
  store: IdentityStore;
  /** `identities` of the config file: Slack user → login. */
  declared: Readonly<Record<string, string>>;
  /** Absent when no forge is configured: links cannot be proven then. */
  forge: Forge | undefined;
  clock: Clock;
  logger: Logger;
}

/** A one-time code that is hard to guess and easy to paste: `rodizio-` and 10 hex digits. */
const newCode = () => `rodizio-${randomBytes(5).toString('hex')}`;

/**
 * Slack ↔ forge identity. A person proves a login without OAuth: `/rodizio link <login>` hands them a one-time
 * code, they put it in that login's public profile (GitHub's bio, Forgejo/Gitea's biography), and
 * `/rodizio link verify` reads the profile through the forge API. Only the account's owner can edit its profile,
 * so a code found there proves it. The code may come out of the profile once linked.
 */
export function createIdentities({ store, declared, forge, clock, logger }: IdentityDeps) {
  const log = logger.child({ component: 'identity' });

  async function known(slackUser: string): Promise<KnownLogin | undefined> {
    const fromConfig = declared[slackUser];
    if (fromConfig) return { login: fromConfig, source: 'config' };
    const link = await store.link(slackUser);
    return link ? { login: link.login, source: 'link' } : undefined;
  }

  return {
    known,

    /** The forge login of a Slack user, if known (the config file first, then their own link). */
    async loginOf(slackUser: string): Promise<string | undefined> {
      return (await known(slackUser))?.login;
    },

    /** Starts (or restarts) proving `input` as the user's login: a fresh code, valid CHALLENGE_TTL_MS. */
    async start(slackUser: string, input: string): Promise<LinkOutcome> {
      const parsed = ForgeLogin.safeParse(input);
      if (!parsed.success) return { kind: 'bad_login', input };
      const fromConfig = declared[slackUser];
      if (fromConfig) return { kind: 'declared', login: fromConfig };
      if (!forge) return { kind: 'no_forge' };
      const now = clock.now();
      const row = {
        slack_user: slackUser,
        login: parsed.data,
        code: newCode(),
        created_ms: now,
        expires_ms: now + CHALLENGE_TTL_MS,
      };
      await store.putChallenge(row);
      return { kind: 'challenge', login: row.login, code: row.code, expiresMs: row.expires_ms };
    },

    /** Looks for the user's code in the profile of the login they claimed; links them when it is there. */
    async verify(slackUser: string): Promise<LinkOutcome> {
      const fromConfig = declared[slackUser];
      if (fromConfig) return { kind: 'declared', login: fromConfig };
      if (!forge) return { kind: 'no_forge' };
      const challenge = await store.challenge(slackUser);
      if (!challenge) return { kind: 'no_challenge' };
      if (challenge.expires_ms <= clock.now()) {
        await store.removeChallenge(slackUser);
        return { kind: 'expired', login: challenge.login };
      }
      let profile: string | undefined;
      try {
        profile = await forge.profileText(challenge.login);
      } catch (err) {
        log.warn({ err, login: challenge.login }, 'cannot read the forge profile for a link');
        return { kind: 'forge_error', message: (err as Error).message };
      }
      if (profile === undefined) return { kind: 'no_such_user', login: challenge.login };
      if (!profile.includes(challenge.code))
        return { kind: 'code_missing', login: challenge.login, code: challenge.code };
      await store.putLink({ slack_user: slackUser, login: challenge.login, linked_ms: clock.now() });
      await store.removeChallenge(slackUser);
      log.info({ slack_user: slackUser, login: challenge.login }, 'linked a Slack user to a forge login');
      return { kind: 'linked', login: challenge.login };
    },

    /** Forgets the user's own link (and any challenge); a login from the config file stays. */
    async unlink(slackUser: string): Promise<{ removed: string | undefined; declared: string | undefined }> {
      const link = await store.link(slackUser);
      await store.removeChallenge(slackUser);
      if (link) await store.removeLink(slackUser);
      return { removed: link?.login, declared: declared[slackUser] };
    },

    /** The challenge the user is in the middle of, if any. */
    pending(slackUser: string) {
      return store.challenge(slackUser);
    },
  };
}

export type Identities = ReturnType<typeof createIdentities>;

/** Where a person changes the profile text the code goes in. */
export function profileSettingsUrl(kind: ForgeKind, webUrl: string): string {
  return kind === 'gitea' ? `${webUrl}/user/settings` : `${webUrl}/settings/profile`;
}
