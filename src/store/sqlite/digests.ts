import type { DigestRow, DigestStore, GroupRow } from '../digests.js';
import type { TokenRow } from '../tokens.js';
import type { Db } from './database.js';

/** SQL for digest and group messages (see src/store/digests.ts). */
export function createDigestStore(db: Db): DigestStore {
  const undigested = db.prepare<[string, number], TokenRow>(`
    SELECT t.* FROM tokens t
    WHERE t.project = ? AND t.status = 'pending' AND t.severity = 'info'
      AND NOT EXISTS (SELECT 1 FROM slack_digest_tokens d WHERE d.token_id = t.id)
    ORDER BY t.seq LIMIT ?`);
  const insertDigest = db.prepare<[string, string, string, number]>(
    'INSERT INTO slack_digests (project, channel, ts, created_ms) VALUES (?, ?, ?, ?)',
  );
  const insertMember = db.prepare<[string, number, number]>(
    'INSERT OR IGNORE INTO slack_digest_tokens (token_id, digest_id, position) VALUES (?, ?, ?)',
  );
  const digestOf = db.prepare<[string], DigestRow>(`
    SELECT g.* FROM slack_digests g JOIN slack_digest_tokens d ON d.digest_id = g.id WHERE d.token_id = ?`);
  const digestMembers = db.prepare<[number], { token_id: string }>(
    'SELECT token_id FROM slack_digest_tokens WHERE digest_id = ? ORDER BY position',
  );
  const openGroup = db.prepare<[string, string, string, number], GroupRow>(`
    SELECT * FROM slack_groups WHERE project = ? AND runner = ? AND channel = ? AND last_ms >= ? AND closed = 0
    ORDER BY id DESC LIMIT 1`);
  const createGroup = db.prepare<[string, string, string, number, number], GroupRow>(`
    INSERT INTO slack_groups (project, runner, channel, opened_ms, last_ms) VALUES (?, ?, ?, ?, ?) RETURNING *`);
  const joinGroup = db.prepare<[string, number, number]>(
    'INSERT OR IGNORE INTO slack_group_tokens (token_id, group_id, joined_ms) VALUES (?, ?, ?)',
  );
  const touch = db.prepare<[number, number]>('UPDATE slack_groups SET last_ms = max(last_ms, ?) WHERE id = ?');
  const groupOf = db.prepare<[string], GroupRow>(`
    SELECT g.* FROM slack_groups g JOIN slack_group_tokens m ON m.group_id = g.id WHERE m.token_id = ?`);
  const groupMembers = db.prepare<[number], { token_id: string }>(
    'SELECT token_id FROM slack_group_tokens WHERE group_id = ? ORDER BY joined_ms, rowid',
  );
  const claim = db.prepare<[string, number, string]>(
    'UPDATE slack_groups SET poster = ? WHERE id = ? AND (poster IS NULL OR poster = ?)',
  );
  const setParent = db.prepare<[string, number]>('UPDATE slack_groups SET parent_ts = ? WHERE id = ?');
  const closeLone = db.prepare<[number, number]>(`
    UPDATE slack_groups SET closed = 1 WHERE id = ? AND parent_ts IS NULL
      AND (SELECT count(*) FROM slack_group_tokens WHERE group_id = ?) = 1`);

  return {
    async undigested(project, limit) {
      return undigested.all(project, limit);
    },
    async addDigest(digest, tokenIds) {
      const id = Number(insertDigest.run(digest.project, digest.channel, digest.ts, digest.created_ms).lastInsertRowid);
      tokenIds.forEach((tokenId, i) => {
        insertMember.run(tokenId, id, i);
      });
      return id;
    },
    async digestOf(tokenId) {
      return digestOf.get(tokenId);
    },
    async digestMembers(digestId) {
      return digestMembers.all(digestId).map((r) => r.token_id);
    },
    async openGroup(project, runner, channel, sinceMs) {
      return openGroup.get(project, runner, channel, sinceMs);
    },
    async createGroup(g) {
      return createGroup.get(g.project, g.runner, g.channel, g.nowMs, g.nowMs) as GroupRow;
    },
    async join(groupId, tokenId, nowMs) {
      joinGroup.run(tokenId, groupId, nowMs);
      touch.run(nowMs, groupId);
    },
    async groupOf(tokenId) {
      return groupOf.get(tokenId);
    },
    async groupMembers(groupId) {
      return groupMembers.all(groupId).map((r) => r.token_id);
    },
    async claimPoster(groupId, tokenId) {
      return claim.run(tokenId, groupId, tokenId).changes === 1;
    },
    async setParent(groupId, ts) {
      setParent.run(ts, groupId);
    },
    async closeLone(groupId) {
      return closeLone.run(groupId, groupId).changes === 1;
    },
  };
}
