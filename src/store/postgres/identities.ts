import type { IdentityChallengeRow, IdentityLinkRow, IdentityStore } from '../identities.js';
import { changes, one, type PgConn } from './conn.js';

/** SQL for Slack ↔ forge identity links on Postgres; the same statements as src/store/sqlite/identities.ts. */
export function createIdentityStore(db: PgConn): IdentityStore {
  return {
    async link(slackUser) {
      return one<IdentityLinkRow>(db, 'SELECT * FROM identity_links WHERE slack_user = $1', [slackUser]);
    },
    async putLink(row) {
      await db.query(
        `INSERT INTO identity_links (slack_user, login, linked_ms) VALUES ($1, $2, $3)
         ON CONFLICT (slack_user) DO UPDATE SET login = excluded.login, linked_ms = excluded.linked_ms`,
        [row.slack_user, row.login, row.linked_ms],
      );
    },
    async removeLink(slackUser) {
      return (await changes(db, 'DELETE FROM identity_links WHERE slack_user = $1', [slackUser])) > 0;
    },
    async challenge(slackUser) {
      return one<IdentityChallengeRow>(db, 'SELECT * FROM identity_challenges WHERE slack_user = $1', [slackUser]);
    },
    async putChallenge(row) {
      await db.query(
        `INSERT INTO identity_challenges (slack_user, login, code, created_ms, expires_ms) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (slack_user) DO UPDATE SET login = excluded.login, code = excluded.code,
           created_ms = excluded.created_ms, expires_ms = excluded.expires_ms`,
        [row.slack_user, row.login, row.code, row.created_ms, row.expires_ms],
      );
    },
    async removeChallenge(slackUser) {
      await db.query('DELETE FROM identity_challenges WHERE slack_user = $1', [slackUser]);
    },
  };
}
