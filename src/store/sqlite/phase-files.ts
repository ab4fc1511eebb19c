import type { PhaseFileRow, PhaseFileStore } from '../phase-files.js';
import type { Db } from './database.js';

/** SQL for the phase-file bridge's memory of what it acted on. */
export function createPhaseFileStore(db: Db): PhaseFileStore {
  const get = db.prepare<[string], PhaseFileRow>('SELECT * FROM phase_files WHERE path = ?');
  const all = db.prepare<[], PhaseFileRow>('SELECT * FROM phase_files ORDER BY path');
  const upsert = db.prepare<PhaseFileRow>(`
    INSERT INTO phase_files (path, kind, project, number, state_key, phase, token_id, updated_ms)
    VALUES (@path, @kind, @project, @number, @state_key, @phase, @token_id, @updated_ms)
    ON CONFLICT (path) DO UPDATE SET state_key = excluded.state_key, phase = excluded.phase,
      token_id = excluded.token_id, updated_ms = excluded.updated_ms`);
  const remove = db.prepare<[string]>('DELETE FROM phase_files WHERE path = ?');
  const byToken = db.prepare<[string], PhaseFileRow>('SELECT * FROM phase_files WHERE token_id = ?');

  return {
    get: async (path: string) => get.get(path),
    all: async () => all.all(),
    byToken: async (tokenId: string) => byToken.get(tokenId),
    save: async (row: PhaseFileRow) => {
      upsert.run(row);
    },
    remove: async (path: string) => {
      remove.run(path);
    },
  };
}
