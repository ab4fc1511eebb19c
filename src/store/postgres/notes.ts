import type { NewNote, NoteRow, NoteStore } from '../notes.js';
import { all, changes, type PgConn } from './conn.js';

/** SQL for notes left on a token (thread replies, CLI notes) on Postgres. */
export function createNoteStore(db: PgConn): NoteStore {
  return {
    /** Adds a note; false when `sourceKey` was seen before (a retried Slack event). */
    async add(note: NewNote): Promise<boolean> {
      const sql = `INSERT INTO notes (token_id, author, author_name, text, at_ms, source_key)
        VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`;
      const values = [note.tokenId, note.author, note.authorName, note.text, note.atMs, note.sourceKey ?? null];
      return (await changes(db, sql, values)) === 1;
    },
    async forToken(tokenId: string): Promise<NoteRow[]> {
      return all<NoteRow>(db, 'SELECT * FROM notes WHERE token_id = $1 ORDER BY id', [tokenId]);
    },
    async removeForToken(tokenId: string): Promise<void> {
      await db.query('DELETE FROM notes WHERE token_id = $1', [tokenId]);
    },
  };
}
