export interface NoteRow {
  id: number;
  token_id: string;
  author: string;
  author_name: string | null;
  text: string;
  at_ms: number;
  source_key: string | null;
}

export interface NewNote {
  tokenId: string;
  author: string;
  authorName: string | null;
  text: string;
  atMs: number;
  sourceKey?: string;
}

/** Notes left on a token (thread replies, CLI notes). */
export interface NoteStore {
  /** Adds a note; false when `sourceKey` was seen before (a retried Slack event). */
  add(note: NewNote): Promise<boolean>;
  forToken(tokenId: string): Promise<NoteRow[]>;
  removeForToken(tokenId: string): Promise<void>;
}
