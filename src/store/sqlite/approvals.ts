import type { ApprovalRow, ApprovalStore } from '../approvals.js';
import type { Db } from './database.js';

/** SQL for quorum votes: one current choice per person per token. */
export function createApprovalStore(db: Db): ApprovalStore {
  const upsert = db.prepare<[string, string, string | null, string, number]>(`
    INSERT INTO approvals (token_id, user_id, user_name, option, at_ms) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (token_id, user_id) DO UPDATE SET option = excluded.option, user_name = excluded.user_name, at_ms = excluded.at_ms`);
  const forToken = db.prepare<[string], ApprovalRow>(
    'SELECT * FROM approvals WHERE token_id = ? ORDER BY at_ms, user_id',
  );
  const removeForToken = db.prepare<[string]>('DELETE FROM approvals WHERE token_id = ?');

  return {
    async record(
      tokenId: string,
      userId: string,
      userName: string | null,
      option: string,
      atMs: number,
    ): Promise<void> {
      upsert.run(tokenId, userId, userName, option, atMs);
    },
    async forToken(tokenId: string): Promise<ApprovalRow[]> {
      return forToken.all(tokenId);
    },
    async removeForToken(tokenId: string): Promise<void> {
      removeForToken.run(tokenId);
    },
  };
}
