import type { PhaseFileRow, PhaseFileStore } from '../phase-files.js';
import { all, one, type PgConn } from './conn.js';

/** SQL for the phase-file bridge's memory of what it acted on, on Postgres. */
export function createPhaseFileStore(db: PgConn): PhaseFileStore {
  return {
    get: (path: string) => one<PhaseFileRow>(db, 'SELECT * FROM phase_files WHERE path = $1', [path]),
    // COLLATE "C": byte order, as SQLite compares text, whatever the database's collation.
    all: () => all<PhaseFileRow>(db, 'SELECT * FROM phase_files ORDER BY path COLLATE "C"'),
    byToken: (tokenId: string) =>
      one<PhaseFileRow>(db, 'SELECT * FROM phase_files WHERE token_id = $1 LIMIT 1', [tokenId]),
    save: async (row: PhaseFileRow) => {
      await db.query(
        `INSERT INTO phase_files (path, kind, project, number, state_key, phase, token_id, updated_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (path) DO UPDATE SET state_key = excluded.state_key, phase = excluded.phase,
           token_id = excluded.token_id, updated_ms = excluded.updated_ms`,
        [row.path, row.kind, row.project, row.number, row.state_key, row.phase, row.token_id, row.updated_ms],
      );
    },
    remove: async (path: string) => {
      await db.query('DELETE FROM phase_files WHERE path = $1', [path]);
    },
  };
}
