/** The sandbox workspace's people: a few default humans, and the shapes Slack returns for them. */
import { zoneOffsetMinutes } from '../time.js';
import type { Json } from './fake-slack-blocks.js';

/** What the sandbox knows about a user. */
export interface FakeUserProfile {
  name: string;
  real_name?: string;
  display_name?: string;
  /** The user's IANA time zone as `users.info` reports it (`tz`); UTC when not given. */
  tz?: string;
}

/** A profile with its id. */
export interface FakeUser extends FakeUserProfile {
  id: string;
}

/** The humans every sandbox workspace starts with. */
export const DEFAULT_USERS: Readonly<Record<string, FakeUserProfile>> = {
  U0ALICE: { name: 'alice', real_name: 'Alice Almeida', display_name: 'alice' },
  U0BOB: { name: 'bob', real_name: 'Bob Barros', display_name: 'bob' },
  U0CAROL: { name: 'carol', real_name: 'Carol Costa', display_name: 'carol' },
  U0DAVE: { name: 'dave', real_name: 'Dave Dias', display_name: 'dave' },
};

/** The user groups every sandbox workspace starts with (`S…` ids, like Slack's). */
export const DEFAULT_USERGROUPS: Readonly<Record<string, readonly string[]>> = {
  S0REVIEWERS: ['U0ALICE', 'U0BOB'],
  S0ONCALL: ['U0CAROL'],
};

/** A user's profile: the known one, or one derived from the id so any `U…` can act in the sandbox. */
export function fakeUser(id: string, users: Readonly<Record<string, FakeUserProfile>> = DEFAULT_USERS): FakeUser {
  const known = users[id];
  if (known) return { id, ...known };
  const name = id.toLowerCase();
  return { id, name, real_name: name, display_name: name };
}

/** The `user` object of `users.info`, trimmed to the fields apps read. */
export function slackUserObject(user: FakeUser, teamId: string, bot?: { botId: string }): Json {
  const realName = user.real_name ?? user.name;
  const displayName = user.display_name ?? '';
  return {
    id: user.id,
    team_id: teamId,
    name: user.name,
    deleted: false,
    real_name: realName,
    tz: user.tz ?? 'UTC',
    tz_label: user.tz ?? 'Coordinated Universal Time',
    tz_offset: user.tz ? zoneOffsetMinutes(user.tz, Date.now()) * 60 : 0,
    profile: {
      real_name: realName,
      real_name_normalized: realName,
      display_name: displayName,
      display_name_normalized: displayName,
      team: teamId,
      ...(bot ? { bot_id: bot.botId, always_active: true } : {}),
    },
    is_admin: false,
    is_owner: false,
    is_bot: bot !== undefined,
    is_app_user: false,
    updated: 0,
  };
}
