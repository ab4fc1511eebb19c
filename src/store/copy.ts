/**
 * What `rodizio migrate-store` copies from one store to another, parents before children, and how each table is
 * ordered. Outbox and intake rows that are done are history nobody reads again: only unfinished ones move.
 */
export const COPIED_TABLES = [
  { name: 'tokens', orderBy: 'seq', unfinishedOnly: false },
  { name: 'events', orderBy: 'seq', unfinishedOnly: false },
  // Where each audit chain ends: without them the copy could not tell a removed last event (src/audit).
  { name: 'audit_heads', orderBy: 'chain', unfinishedOnly: false },
  { name: 'notes', orderBy: 'id', unfinishedOnly: false },
  { name: 'approvals', orderBy: 'token_id, user_id', unfinishedOnly: false },
  { name: 'outbox', orderBy: 'id', unfinishedOnly: true },
  { name: 'subscriptions', orderBy: 'id', unfinishedOnly: false },
  { name: 'phase_files', orderBy: 'path', unfinishedOnly: false },
  { name: 'intake', orderBy: 'id', unfinishedOnly: true },
  { name: 'grants', orderBy: 'id', unfinishedOnly: false },
  { name: 'github_refs', orderBy: 'token_id', unfinishedOnly: false },
  { name: 'identity_links', orderBy: 'slack_user', unfinishedOnly: false },
  // Which Slack message lists which tokens (digests) or holds their thread (groups): without them a moved
  // purgatory would post those tokens again.
  { name: 'slack_digests', orderBy: 'id', unfinishedOnly: false },
  { name: 'slack_digest_tokens', orderBy: 'token_id', unfinishedOnly: false },
  { name: 'slack_groups', orderBy: 'id', unfinishedOnly: false },
  { name: 'slack_group_tokens', orderBy: 'token_id', unfinishedOnly: false },
] as const;

export type CopiedTable = (typeof COPIED_TABLES)[number]['name'];

/** A row as both engines return it: column name → value. */
export type CopiedRow = Record<string, unknown>;

/** Bulk access to the copied tables, for moving a purgatory between engines. */
export interface TableCopy {
  /** Up to `limit` rows of `table` after the first `offset`, in key order (unfinished ones for outbox and intake). */
  read(table: CopiedTable, offset: number, limit: number): Promise<CopiedRow[]>;
  /** Every row of `table`, finished or not: is the target empty? */
  count(table: CopiedTable): Promise<number>;
  /** Inserts the rows as they are (keys are column names; ids kept), in one transaction. */
  write(table: CopiedTable, rows: CopiedRow[]): Promise<void>;
  /** Empties every copied table, children first (`--force` onto a used target). */
  clear(): Promise<void>;
  /** After the last write: new ids continue after the copied ones. */
  finish(): Promise<void>;
}
