import type { DigestRow, DigestStore, GroupRow } from '../digests.js';
import type { TokenRow } from '../tokens.js';
import { all, changes, one, type PgConn } from './conn.js';

/** SQL for digest and group messages on Postgres; the same statements as src/store/sqlite/digests.ts. */
export function createDigestStore(db: PgConn): DigestStore {
  return {
    async undigested(project, limit) {
      return all<TokenRow>(
        db,
        `SELECT t.* FROM tokens t
         WHERE t.project = $1 AND t.status = 'pending' AND t.severity = 'info'
           AND NOT EXISTS (SELECT 1 FROM slack_digest_tokens d WHERE d.token_id = t.id)
         ORDER BY t.seq LIMIT $2`,
        [project, limit],
      );
    },
    async addDigest(digest, tokenIds) {
      return db.atomic(async (q) => {
        const row = await one<{ id: number }>(
          q,
          'INSERT INTO slack_digests (project, channel, ts, created_ms) VALUES ($1, $2, $3, $4) RETURNING id',
          [digest.project, digest.channel, digest.ts, digest.created_ms],
        );
        const id = row?.id as number;
        if (tokenIds.length > 0) {
          await q.query(
            `INSERT INTO slack_digest_tokens (token_id, digest_id, position)
             SELECT t, $2, p - 1 FROM unnest($1::text[]) WITH ORDINALITY AS u(t, p)
             ON CONFLICT (token_id) DO NOTHING`,
            [tokenIds, id],
          );
        }
        return id;
      });
    },
    async digestOf(tokenId) {
      return one<DigestRow>(
        db,
        'SELECT g.* FROM slack_digests g JOIN slack_digest_tokens d ON d.digest_id = g.id WHERE d.token_id = $1',
        [tokenId],
      );
    },
    async digestMembers(digestId) {
      const rows = await all<{ token_id: string }>(
        db,
        'SELECT token_id FROM slack_digest_tokens WHERE digest_id = $1 ORDER BY position',
        [digestId],
      );
      return rows.map((r) => r.token_id);
    },
    async openGroup(project, runner, channel, sinceMs) {
      return one<GroupRow>(
        db,
        `SELECT * FROM slack_groups WHERE project = $1 AND runner = $2 AND channel = $3 AND last_ms >= $4 AND closed = 0
         ORDER BY id DESC LIMIT 1`,
        [project, runner, channel, sinceMs],
      );
    },
    async createGroup(g) {
      const row = await one<GroupRow>(
        db,
        'INSERT INTO slack_groups (project, runner, channel, opened_ms, last_ms) VALUES ($1, $2, $3, $4, $4) RETURNING *',
        [g.project, g.runner, g.channel, g.nowMs],
      );
      return row as GroupRow;
    },
    async join(groupId, tokenId, nowMs) {
      await db.query(
        `INSERT INTO slack_group_tokens (token_id, group_id, joined_ms) VALUES ($1, $2, $3)
         ON CONFLICT (token_id) DO NOTHING`,
        [tokenId, groupId, nowMs],
      );
      await db.query('UPDATE slack_groups SET last_ms = GREATEST(last_ms, $1) WHERE id = $2', [nowMs, groupId]);
    },
    async groupOf(tokenId) {
      return one<GroupRow>(
        db,
        'SELECT g.* FROM slack_groups g JOIN slack_group_tokens m ON m.group_id = g.id WHERE m.token_id = $1',
        [tokenId],
      );
    },
    async groupMembers(groupId) {
      const rows = await all<{ token_id: string }>(
        db,
        'SELECT token_id FROM slack_group_tokens WHERE group_id = $1 ORDER BY joined_ms, token_id COLLATE "C"',
        [groupId],
      );
      return rows.map((r) => r.token_id);
    },
    async claimPoster(groupId, tokenId) {
      const n = await changes(
        db,
        'UPDATE slack_groups SET poster = $1 WHERE id = $2 AND (poster IS NULL OR poster = $1)',
        [tokenId, groupId],
      );
      return n === 1;
    },
    async setParent(groupId, ts) {
      await db.query('UPDATE slack_groups SET parent_ts = $1 WHERE id = $2', [ts, groupId]);
    },
    async closeLone(groupId) {
      const n = await changes(
        db,
        `UPDATE slack_groups SET closed = 1 WHERE id = $1 AND parent_ts IS NULL
           AND (SELECT count(*) FROM slack_group_tokens WHERE group_id = $1) = 1`,
        [groupId],
      );
      return n === 1;
    },
  };
}
