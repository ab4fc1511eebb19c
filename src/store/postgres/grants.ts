import type { GrantRow, GrantStore, NewGrantRow } from '../grants.js';
import { all, changes, one, type PgConn } from './conn.js';

const COLUMNS = [
  'id',
  'runner',
  'tool',
  'scope',
  'value',
  'created_ms',
  'expires_ms',
  'created_by',
  'created_by_name',
  'token_id',
  'slack_channel',
  'slack_ts',
] as const satisfies readonly (keyof NewGrantRow)[];

const INSERT = `INSERT INTO grants (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})`;

/** SQL for standing grants on Postgres; the same statements as src/store/sqlite/grants.ts. */
export function createGrantStore(db: PgConn): GrantStore {
  return {
    async insert(row) {
      await db.query(
        INSERT,
        COLUMNS.map((c) => row[c]),
      );
    },
    async get(id) {
      return one<GrantRow>(db, 'SELECT * FROM grants WHERE id = $1', [id]);
    },
    async covering(runner, tool, subject, nowMs) {
      return one<GrantRow>(
        db,
        `SELECT * FROM grants WHERE runner = $1 AND tool = $2 AND expires_ms > $4 AND revoked_ms IS NULL
           AND ((scope = 'exact' AND value = $3) OR (scope = 'prefix' AND substr($3, 1, length(value)) = value))
         ORDER BY created_ms, id COLLATE "C" LIMIT 1`,
        [runner, tool, subject, nowMs],
      );
    },
    async listLive(nowMs, limit) {
      return all<GrantRow>(
        db,
        `SELECT * FROM grants WHERE expires_ms > $1 AND revoked_ms IS NULL ORDER BY expires_ms, id COLLATE "C" LIMIT $2`,
        [nowMs, limit],
      );
    },
    async used(id) {
      await db.query('UPDATE grants SET uses = uses + 1 WHERE id = $1', [id]);
    },
    async revoke(id, by, atMs) {
      return one<GrantRow>(
        db,
        'UPDATE grants SET revoked_ms = $1, revoked_by = $2 WHERE id = $3 AND revoked_ms IS NULL RETURNING *',
        [atMs, by, id],
      );
    },
    async removeExpired(beforeMs, limit) {
      return changes(
        db,
        'DELETE FROM grants WHERE id IN (SELECT id FROM grants WHERE expires_ms <= $1 ORDER BY expires_ms LIMIT $2)',
        [beforeMs, limit],
      );
    },
  };
}
