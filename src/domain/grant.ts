import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { requestSubject } from './permission.js';
import type { PermissionRequest } from './token.js';

/** `exact`: the request's subject must equal the value; `prefix`: it must start with it. */
export const GrantScope = z.enum(['exact', 'prefix']);
export type GrantScope = z.infer<typeof GrantScope>;

/** How long an "Allow for…" grant may last: a minute at least, a day at most. */
export const GRANT_MIN_MS = 60_000;
export const GRANT_MAX_MS = 24 * 60 * 60_000;
export const GRANT_DEFAULT_MS = 60 * 60_000;
/**
 * How long an expired grant's row is kept before the `gc` sweep deletes it: long enough to look into what it
 * allowed last week. The audit events that tell its story (`grant_created`, `grant_revoked`, `resolved` via
 * grant) stay with their tokens, for as long as those are kept (GC_RETENTION).
 */
export const GRANT_RETENTION_MS = 7 * 24 * 60 * 60_000;

/**
 * A standing grant: somebody clicked "Allow for 1 h" on a permission card, so later requests of the same runner
 * for the same tool whose subject (see requestSubject) is the same, or starts with the chosen prefix, are
 * allowed at once until it expires or is revoked.
 */
export interface Grant {
  id: string;
  runner: string;
  tool: string;
  scope: GrantScope;
  value: string;
  created_at: string;
  expires_at: string;
  expires_ms: number;
  created_by: string;
  created_by_name: string | null;
  /** The permission request whose card made the grant. */
  token_id: string;
  /** The thread where the requests it answers are noted (the card's thread); null without Slack. */
  slack: { channel: string; ts: string } | null;
  /** How many requests it has answered. */
  uses: number;
  revoked_at: string | null;
  revoked_by: string | null;
}

/** What the clicker chose in the grant modal. */
export interface GrantChoice {
  scope: GrantScope;
  value: string;
  durationMs: number;
}

/** Whether `grant` covers `permission` of `runner` at `nowMs`: same runner and tool, live, subject matching. */
export function grantCovers(
  grant: Pick<Grant, 'runner' | 'tool' | 'scope' | 'value' | 'expires_ms' | 'revoked_at'>,
  runner: string,
  permission: Pick<PermissionRequest, 'tool_name' | 'input'>,
  nowMs: number,
): boolean {
  if (grant.revoked_at !== null || grant.expires_ms <= nowMs) return false;
  if (grant.runner !== runner || grant.tool !== permission.tool_name) return false;
  const subject = requestSubject(permission);
  return grant.scope === 'exact' ? subject === grant.value : subject.startsWith(grant.value);
}

/** A fresh grant id: `grant-` + 12 lowercase hex. */
export function generateGrantId(): string {
  return `grant-${randomBytes(6).toString('hex')}`;
}
