export interface ApprovalRow {
  token_id: string;
  user_id: string;
  user_name: string | null;
  option: string;
  at_ms: number;
}

/** Quorum votes: one current choice per person per token. */
export interface ApprovalStore {
  record(tokenId: string, userId: string, userName: string | null, option: string, atMs: number): Promise<void>;
  forToken(tokenId: string): Promise<ApprovalRow[]>;
  removeForToken(tokenId: string): Promise<void>;
}
