import type { GithubRefRow, GithubRefStore, WatchedRef } from '../github-refs.js';
import { all, changes, one, type PgConn } from './conn.js';

/**
 * SQL for the refs tokens watch, on Postgres. A ref counts as watched while its token is pending. Keys compare
 * COLLATE "C" (byte order, as SQLite compares text), so the keyset cursor pages the same way on both engines.
 */
export function createGithubRefStore(db: PgConn): GithubRefStore {
  return {
    async insert(row) {
      await db.query(
        `INSERT INTO github_refs (token_id, repo, ref, seen_sha, head_sha) VALUES ($1, $2, $3, $4, $4)
         ON CONFLICT (token_id) DO NOTHING`,
        [row.token_id, row.repo, row.ref, row.seen_sha],
      );
    },
    async get(tokenId) {
      return one<GithubRefRow>(db, 'SELECT * FROM github_refs WHERE token_id = $1', [tokenId]);
    },
    async watched(after, limit) {
      // Ordered by the output columns, which carry the "C" collation.
      const from = `SELECT DISTINCT r.repo COLLATE "C" AS repo, r.ref COLLATE "C" AS ref
        FROM github_refs r JOIN tokens t ON t.id = r.token_id WHERE t.status = 'pending'`;
      if (!after) return all<WatchedRef>(db, `${from} ORDER BY 1, 2 LIMIT $1`, [limit]);
      return all<WatchedRef>(
        db,
        `${from} AND (r.repo COLLATE "C" > $1 OR (r.repo = $1 AND r.ref COLLATE "C" > $2)) ORDER BY 1, 2 LIMIT $3`,
        [after.repo, after.ref, limit],
      );
    },
    async behind(repo, ref, sha) {
      return all<GithubRefRow>(
        db,
        `SELECT r.* FROM github_refs r JOIN tokens t ON t.id = r.token_id
         WHERE r.repo = $1 AND r.ref = $2 AND r.head_sha <> $3 AND t.status = 'pending'
         ORDER BY r.token_id COLLATE "C"`,
        [repo, ref, sha],
      );
    },
    async move(tokenId, from, to, atMs) {
      return (
        (await changes(
          db,
          'UPDATE github_refs SET head_sha = $1, moved_ms = $2 WHERE token_id = $3 AND head_sha = $4',
          [to, atMs, tokenId, from],
        )) > 0
      );
    },
    async approve(tokenId, sha) {
      await db.query('UPDATE github_refs SET approved_sha = $1 WHERE token_id = $2', [sha, tokenId]);
    },
    async removeForToken(tokenId) {
      await db.query('DELETE FROM github_refs WHERE token_id = $1', [tokenId]);
    },
  };
}
