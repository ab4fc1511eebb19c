import type { Db } from './database.js';

export interface PhaseFileRow {
  path: string;
  kind: 'dev' | 'review';
  project: string;
  number: number;
  state_key: string;
  phase: string;
  token_id: string | null;
  updated_ms: number;
}

/** SQL for the phase-file bridge's memory of what it acted on. */
export function createPhaseFileStore(db: Db) {
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
    get: (path: string) => get.get(path),
    all: () => all.all(),
    byToken: (tokenId: string) => byToken.get(tokenId),
    save: (row: PhaseFileRow) => {
      upsert.run(row);
    },
    remove: (path: string) => {
      remove.run(path);
    },
  };
}

export type PhaseFileStore = ReturnType<typeof createPhaseFileStore>;
