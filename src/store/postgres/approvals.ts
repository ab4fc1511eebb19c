import type { ApprovalRow, ApprovalStore } from '../approvals.js';
import { all, type PgConn } from './conn.js';

/** SQL for quorum votes on Postgres: one current choice per person per token. */
export function createApprovalStore(db: PgConn): ApprovalStore {
  return {
    async record(tokenId: string, userId: string, userName: string | null, option: string, atMs: number) {
      await db.query(
        `INSERT INTO approvals (token_id, user_id, user_name, option, at_ms) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (token_id, user_id)
         DO UPDATE SET option = excluded.option, user_name = excluded.user_name, at_ms = excluded.at_ms`,
        [tokenId, userId, userName, option, atMs],
      );
    },
    // COLLATE "C": byte order, as SQLite compares text, whatever the database's collation.
    async forToken(tokenId: string): Promise<ApprovalRow[]> {
      return all<ApprovalRow>(db, 'SELECT * FROM approvals WHERE token_id = $1 ORDER BY at_ms, user_id COLLATE "C"', [
        tokenId,
      ]);
    },
    async removeForToken(tokenId: string): Promise<void> {
      await db.query('DELETE FROM approvals WHERE token_id = $1', [tokenId]);
    },
  };
}
