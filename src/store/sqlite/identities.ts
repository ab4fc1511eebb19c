import type { IdentityChallengeRow, IdentityLinkRow, IdentityStore } from '../identities.js';
import type { Db } from './database.js';

/** SQL for Slack ↔ forge identity links. */
export function createIdentityStore(db: Db): IdentityStore {
  const link = db.prepare<[string], IdentityLinkRow>('SELECT * FROM identity_links WHERE slack_user = ?');
  const putLink = db.prepare<IdentityLinkRow>(`
    INSERT INTO identity_links (slack_user, login, linked_ms) VALUES (@slack_user, @login, @linked_ms)
    ON CONFLICT (slack_user) DO UPDATE SET login = excluded.login, linked_ms = excluded.linked_ms`);
  const removeLink = db.prepare<[string]>('DELETE FROM identity_links WHERE slack_user = ?');
  const challenge = db.prepare<[string], IdentityChallengeRow>(
    'SELECT * FROM identity_challenges WHERE slack_user = ?',
  );
  const putChallenge = db.prepare<IdentityChallengeRow>(`
    INSERT INTO identity_challenges (slack_user, login, code, created_ms, expires_ms)
    VALUES (@slack_user, @login, @code, @created_ms, @expires_ms)
    ON CONFLICT (slack_user) DO UPDATE SET login = excluded.login, code = excluded.code,
      created_ms = excluded.created_ms, expires_ms = excluded.expires_ms`);
  const removeChallenge = db.prepare<[string]>('DELETE FROM identity_challenges WHERE slack_user = ?');

  return {
    async link(slackUser) {
      return link.get(slackUser);
    },
    async putLink(row) {
      putLink.run(row);
    },
    async removeLink(slackUser) {
      return removeLink.run(slackUser).changes > 0;
    },
    async challenge(slackUser) {
      return challenge.get(slackUser);
    },
    async putChallenge(row) {
      putChallenge.run(row);
    },
    async removeChallenge(slackUser) {
      removeChallenge.run(slackUser);
    },
  };
}
