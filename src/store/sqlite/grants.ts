import type { GrantRow, GrantStore, NewGrantRow } from '../grants.js';
import type { Db } from './database.js';

/** SQL for standing grants. */
export function createGrantStore(db: Db): GrantStore {
  const insert = db.prepare<NewGrantRow>(`
    INSERT INTO grants (id, runner, tool, scope, value, created_ms, expires_ms, created_by, created_by_name,
      token_id, slack_channel, slack_ts)
    VALUES (@id, @runner, @tool, @scope, @value, @created_ms, @expires_ms, @created_by, @created_by_name,
      @token_id, @slack_channel, @slack_ts)`);
  const byId = db.prepare<[string], GrantRow>('SELECT * FROM grants WHERE id = ?');
  const covering = db.prepare<{ runner: string; tool: string; subject: string; now: number }, GrantRow>(`
    SELECT * FROM grants WHERE runner = @runner AND tool = @tool AND expires_ms > @now AND revoked_ms IS NULL
      AND ((scope = 'exact' AND value = @subject)
        OR (scope = 'prefix' AND substr(@subject, 1, length(value)) = value))
    ORDER BY created_ms, id LIMIT 1`);
  const listLive = db.prepare<[number, number], GrantRow>(`
    SELECT * FROM grants WHERE expires_ms > ? AND revoked_ms IS NULL ORDER BY expires_ms, id LIMIT ?`);
  const used = db.prepare<[string]>('UPDATE grants SET uses = uses + 1 WHERE id = ?');
  const revoke = db.prepare<[number, string, string], GrantRow>(
    'UPDATE grants SET revoked_ms = ?, revoked_by = ? WHERE id = ? AND revoked_ms IS NULL RETURNING *',
  );
  const removeExpired = db.prepare<[number, number]>(
    'DELETE FROM grants WHERE id IN (SELECT id FROM grants WHERE expires_ms <= ? ORDER BY expires_ms LIMIT ?)',
  );

  return {
    async insert(row) {
      insert.run(row);
    },
    async get(id) {
      return byId.get(id);
    },
    async covering(runner, tool, subject, nowMs) {
      return covering.get({ runner, tool, subject, now: nowMs });
    },
    async listLive(nowMs, limit) {
      return listLive.all(nowMs, limit);
    },
    async used(id) {
      used.run(id);
    },
    async revoke(id, by, atMs) {
      return revoke.get(atMs, by, id);
    },
    async removeExpired(beforeMs, limit) {
      return removeExpired.run(beforeMs, limit).changes;
    },
  };
}
