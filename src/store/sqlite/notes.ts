import type { NewNote, NoteRow, NoteStore } from '../notes.js';
import type { Db } from './database.js';

/** SQL for notes left on a token (thread replies, CLI notes). */
export function createNoteStore(db: Db): NoteStore {
  const insert = db.prepare<[string, string, string | null, string, number, string | null]>(
    'INSERT OR IGNORE INTO notes (token_id, author, author_name, text, at_ms, source_key) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const forToken = db.prepare<[string], NoteRow>('SELECT * FROM notes WHERE token_id = ? ORDER BY id');
  const removeForToken = db.prepare<[string]>('DELETE FROM notes WHERE token_id = ?');

  return {
    /** Adds a note; false when `sourceKey` was seen before (a retried Slack event). */
    async add(note: NewNote): Promise<boolean> {
      return (
        insert.run(note.tokenId, note.author, note.authorName, note.text, note.atMs, note.sourceKey ?? null).changes ===
        1
      );
    },
    async forToken(tokenId: string): Promise<NoteRow[]> {
      return forToken.all(tokenId);
    },
    async removeForToken(tokenId: string): Promise<void> {
      removeForToken.run(tokenId);
    },
  };
}
