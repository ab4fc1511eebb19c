import type { Grant, GrantScope } from '../domain/grant.js';
import { formatIsoTime } from '../time.js';

/** A row of `grants` as both engines return it. */
export interface GrantRow {
  id: string;
  runner: string;
  tool: string;
  scope: string;
  value: string;
  created_ms: number;
  expires_ms: number;
  created_by: string;
  created_by_name: string | null;
  token_id: string;
  slack_channel: string | null;
  slack_ts: string | null;
  uses: number;
  revoked_ms: number | null;
  revoked_by: string | null;
}

export type NewGrantRow = Omit<GrantRow, 'uses' | 'revoked_ms' | 'revoked_by'>;

/** The `grants` table: standing "Allow for…" decisions (see src/domain/grant.ts). */
export interface GrantStore {
  insert(row: NewGrantRow): Promise<void>;
  get(id: string): Promise<GrantRow | undefined>;
  /**
   * The oldest unrevoked grant of `runner` for `tool`, live at `nowMs`, that covers `subject`: its value equals
   * it (exact) or starts it (prefix). The same rule as grantCovers in src/domain/grant.ts, matched in SQL so a
   * request reads one row however many grants there are.
   */
  covering(runner: string, tool: string, subject: string, nowMs: number): Promise<GrantRow | undefined>;
  /** Every unrevoked grant still live at `nowMs`, soonest to expire first. */
  listLive(nowMs: number, limit: number): Promise<GrantRow[]>;
  /** Counts one request the grant answered. */
  used(id: string): Promise<void>;
  /** Compare-and-set: the row after revoking, undefined when it was already revoked (or is unknown). */
  revoke(id: string, by: string, atMs: number): Promise<GrantRow | undefined>;
  /**
   * Deletes up to `limit` grants that expired at or before `beforeMs` (revoked ones too: a grant lasts a day at
   * most, so they go by expiry as well); returns how many. The audit events about them stay.
   */
  removeExpired(beforeMs: number, limit: number): Promise<number>;
}

/** A stored row as the domain's Grant. */
export function rowToGrant(row: GrantRow): Grant {
  return {
    id: row.id,
    runner: row.runner,
    tool: row.tool,
    scope: row.scope as GrantScope,
    value: row.value,
    created_at: formatIsoTime(row.created_ms),
    expires_at: formatIsoTime(row.expires_ms),
    expires_ms: row.expires_ms,
    created_by: row.created_by,
    created_by_name: row.created_by_name,
    token_id: row.token_id,
    slack: row.slack_channel && row.slack_ts ? { channel: row.slack_channel, ts: row.slack_ts } : null,
    uses: row.uses,
    revoked_at: row.revoked_ms === null ? null : formatIsoTime(row.revoked_ms),
    revoked_by: row.revoked_by,
  };
}
