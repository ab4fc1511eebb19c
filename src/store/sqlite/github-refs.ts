import type { GithubRefRow, GithubRefStore, WatchedRef } from '../github-refs.js';
import type { Db } from './database.js';

/** SQL for the refs tokens watch. A ref counts as watched while its token is pending. */
export function createGithubRefStore(db: Db): GithubRefStore {
  const insert = db.prepare<[string, string, string, string, string]>(`
    INSERT INTO github_refs (token_id, repo, ref, seen_sha, head_sha) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (token_id) DO NOTHING`);
  const get = db.prepare<[string], GithubRefRow>('SELECT * FROM github_refs WHERE token_id = ?');
  const watchedFirst = db.prepare<[number], WatchedRef>(`
    SELECT DISTINCT r.repo, r.ref FROM github_refs r JOIN tokens t ON t.id = r.token_id
    WHERE t.status = 'pending' ORDER BY r.repo, r.ref LIMIT ?`);
  const watchedAfter = db.prepare<[string, string, string, number], WatchedRef>(`
    SELECT DISTINCT r.repo, r.ref FROM github_refs r JOIN tokens t ON t.id = r.token_id
    WHERE t.status = 'pending' AND (r.repo > ? OR (r.repo = ? AND r.ref > ?)) ORDER BY r.repo, r.ref LIMIT ?`);
  const behind = db.prepare<[string, string, string], GithubRefRow>(`
    SELECT r.* FROM github_refs r JOIN tokens t ON t.id = r.token_id
    WHERE r.repo = ? AND r.ref = ? AND r.head_sha <> ? AND t.status = 'pending' ORDER BY r.token_id`);
  const move = db.prepare<[string, number, string, string]>(
    'UPDATE github_refs SET head_sha = ?, moved_ms = ? WHERE token_id = ? AND head_sha = ?',
  );
  const approve = db.prepare<[string, string]>('UPDATE github_refs SET approved_sha = ? WHERE token_id = ?');
  const remove = db.prepare<[string]>('DELETE FROM github_refs WHERE token_id = ?');

  return {
    async insert(row) {
      insert.run(row.token_id, row.repo, row.ref, row.seen_sha, row.seen_sha);
    },
    async get(tokenId) {
      return get.get(tokenId);
    },
    async watched(after, limit) {
      return after ? watchedAfter.all(after.repo, after.repo, after.ref, limit) : watchedFirst.all(limit);
    },
    async behind(repo, ref, sha) {
      return behind.all(repo, ref, sha);
    },
    async move(tokenId, from, to, atMs) {
      return move.run(to, atMs, tokenId, from).changes > 0;
    },
    async approve(tokenId, sha) {
      approve.run(sha, tokenId);
    },
    async removeForToken(tokenId) {
      remove.run(tokenId);
    },
  };
}
