import type { Db } from './database.js';

export interface NoteRow {
  id: number;
  token_id: string;
  author: string;
  author_name: string | null;
  text: string;
  at_ms: number;
  source_key: string | null;
}

/** SQL for notes left on a token (thread replies, CLI notes). */
export function createNoteStore(db: Db) {
  const insert = db.prepare<[string, string, string | null, string, number, string | null]>(
    'INSERT OR IGNORE INTO notes (token_id, author, author_name, text, at_ms, source_key) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const forToken = db.prepare<[string], NoteRow>('SELECT * FROM notes WHERE token_id = ? ORDER BY id');
  const removeForToken = db.prepare<[string]>('DELETE FROM notes WHERE token_id = ?');

  return {
    /** Adds a note; false when `sourceKey` was seen before (a retried Slack event). */
    add(note: {
      tokenId: string;
      author: string;
      authorName: string | null;
      text: string;
      atMs: number;
      sourceKey?: string;
    }): boolean {
      return (
        insert.run(note.tokenId, note.author, note.authorName, note.text, note.atMs, note.sourceKey ?? null).changes ===
        1
      );
    },
    forToken(tokenId: string): NoteRow[] {
      return forToken.all(tokenId);
    },
    removeForToken(tokenId: string): void {
      removeForToken.run(tokenId);
    },
  };
}

export type NoteStore = ReturnType<typeof createNoteStore>;
