import type { WebClient } from '@slack/web-api';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';

interface Cached<T> {
  value: T;
  until: number;
}

/**
 * Cached lookups of Slack users and user groups: group members for "who may answer", display names for
 * notes and guidance. Entries live `ttlMs` (5 minutes by default); a failed lookup is logged and not cached.
 */
export function createSlackDirectory({
  client,
  clock,
  logger,
  ttlMs = 5 * 60_000,
}: {
  client: WebClient;
  clock: Clock;
  logger: Logger;
  ttlMs?: number;
}) {
  const groups = new Map<string, Cached<Set<string>>>();
  const names = new Map<string, Cached<string>>();
  // One lookup per group at a time: clicks arriving while `usergroups.users.list` is slow wait on the same call.
  const lookups = new Map<string, Promise<Set<string>>>();

  async function lookUpGroup(groupId: string): Promise<Set<string>> {
    try {
      const res = await client.usergroups.users.list({ usergroup: groupId });
      const value = new Set(res.users ?? []);
      groups.set(groupId, { value, until: clock.now() + ttlMs });
      return value;
    } catch (err) {
      logger.warn({ err, usergroup: groupId }, 'cannot list user group members; treating the group as empty');
      return new Set();
    } finally {
      lookups.delete(groupId);
    }
  }

  return {
    /** Members of a user group (`usergroups.users.list`); empty on failure. */
    async groupMembers(groupId: string): Promise<Set<string>> {
      const hit = groups.get(groupId);
      if (hit && hit.until > clock.now()) return hit.value;
      let lookup = lookups.get(groupId);
      if (!lookup) {
        lookup = lookUpGroup(groupId);
        lookups.set(groupId, lookup);
      }
      return lookup;
    },

    /** A person's display name (`users.info`), falling back to the id. */
    async displayName(userId: string): Promise<string> {
      const hit = names.get(userId);
      if (hit && hit.until > clock.now()) return hit.value;
      try {
        const res = await client.users.info({ user: userId });
        const profile = res.user?.profile;
        const value = profile?.display_name || profile?.real_name || res.user?.real_name || res.user?.name || userId;
        names.set(userId, { value, until: clock.now() + ttlMs });
        return value;
      } catch (err) {
        logger.warn({ err, user: userId }, 'cannot look up a Slack user; using the id');
        return userId;
      }
    },

    /** Remembers a name seen in a payload, saving a users.info call later. */
    rememberName(userId: string, name: string | undefined): void {
      if (name) names.set(userId, { value: name, until: clock.now() + ttlMs });
    },
  };
}

export type SlackDirectory = ReturnType<typeof createSlackDirectory>;
