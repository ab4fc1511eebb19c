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

/** The phase-file bridge's memory of what it acted on. */
export interface PhaseFileStore {
  get(path: string): Promise<PhaseFileRow | undefined>;
  all(): Promise<PhaseFileRow[]>;
  byToken(tokenId: string): Promise<PhaseFileRow | undefined>;
  save(row: PhaseFileRow): Promise<void>;
  remove(path: string): Promise<void>;
}
