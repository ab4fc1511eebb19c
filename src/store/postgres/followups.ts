import type { FollowupStore } from '../followups.js';
import type { TokenRow } from '../tokens.js';
import { all, changes, type PgConn } from './conn.js';

const DEADLINE_DUE = `
  SELECT * FROM tokens
  WHERE status = 'pending' AND escalated_at_ms IS NULL AND deadline_ms IS NOT NULL AND deadline_ms <= $1
    AND (quiet_hold IS DISTINCT FROM 'escalation' OR quiet_until_ms <= $1)
  ORDER BY deadline_ms LIMIT $2`;
const WARNING_DUE = `
  SELECT * FROM tokens
  WHERE status = 'pending' AND deadline_ms > $1 AND deadline_ms <= $2 AND warned_at_ms IS NULL AND slack_ts IS NOT NULL
  ORDER BY deadline_ms LIMIT $3`;
const REMINDER_DUE = `
  SELECT * FROM tokens
  WHERE status = 'pending' AND coalesce(last_reminder_ms, received_ms) <= $1 AND slack_ts IS NOT NULL
    AND (claim_until_ms IS NULL OR claim_until_ms <= $2)
    AND (snooze_until_ms IS NULL OR snooze_until_ms <= $2)
    AND (quiet_until_ms IS NULL OR quiet_until_ms <= $2)
  ORDER BY coalesce(last_reminder_ms, received_ms) LIMIT $3`;
const CLAIMS_ENDED = `
  SELECT * FROM tokens WHERE claim_until_ms IS NOT NULL AND claim_until_ms <= $1 ORDER BY claim_until_ms LIMIT $2`;
const SNOOZES_ENDED = `
  SELECT * FROM tokens WHERE snooze_until_ms IS NOT NULL AND snooze_until_ms <= $1 ORDER BY snooze_until_ms LIMIT $2`;
const QUIET_ENDED = `
  SELECT * FROM tokens WHERE quiet_until_ms IS NOT NULL AND quiet_until_ms <= $1 ORDER BY quiet_until_ms LIMIT $2`;
const BLOCKABLE = `
  SELECT * FROM tokens
  WHERE status = 'pending' AND github_issue IS NOT NULL AND blocked_at_ms IS NULL AND github_error IS NULL
    AND received_ms <= $1
  ORDER BY received_ms LIMIT $2`;

/**
 * SQL for the follow-up rules on Postgres: the due queries, and compare-and-set updates that record each action
 * exactly once (a concurrent update waits on the row lock and re-checks its WHERE, so one of two racing sweeps wins).
 */
export function createFollowupStore(db: PgConn): FollowupStore {
  const rows = (sql: string, values: unknown[]) => all<TokenRow>(db, sql, values);
  const cas = async (sql: string, values: unknown[]) => (await changes(db, sql, values)) === 1;

  return {
    deadlineDue: (nowMs, limit) => rows(DEADLINE_DUE, [nowMs, limit]),
    warningDue: (nowMs, aheadMs, limit) => rows(WARNING_DUE, [nowMs, nowMs + aheadMs, limit]),
    reminderDue: (nowMs, intervalMs, limit) => rows(REMINDER_DUE, [nowMs - intervalMs, nowMs, limit]),
    claimsEnded: (nowMs, limit) => rows(CLAIMS_ENDED, [nowMs, limit]),
    blockable: (nowMs, afterMs, limit) => rows(BLOCKABLE, [nowMs - afterMs, limit]),

    markEscalated: (id, atMs, target) =>
      cas(
        `UPDATE tokens SET escalated_at_ms = $1, escalated_to = $2
         WHERE id = $3 AND status = 'pending' AND escalated_at_ms IS NULL`,
        [atMs, target, id],
      ),
    markWarned: (id, atMs) =>
      cas(`UPDATE tokens SET warned_at_ms = $1 WHERE id = $2 AND status = 'pending' AND warned_at_ms IS NULL`, [
        atMs,
        id,
      ]),
    markReminded: (id, atMs, intervalMs) =>
      cas(
        `UPDATE tokens SET last_reminder_ms = $1, reminders = reminders + 1
         WHERE id = $2 AND status = 'pending' AND coalesce(last_reminder_ms, received_ms) <= $3`,
        [atMs, id, atMs - intervalMs],
      ),
    claim: (id, user, userName, untilMs, nowMs) =>
      cas(
        `UPDATE tokens SET claim_user = $1, claim_user_name = $2, claim_until_ms = $3
         WHERE id = $4 AND status = 'pending' AND (claim_until_ms IS NULL OR claim_until_ms <= $5 OR claim_user = $1)`,
        [user, userName, untilMs, id, nowMs],
      ),
    releaseClaim: (id) =>
      cas(
        `UPDATE tokens SET claim_user = NULL, claim_user_name = NULL, claim_until_ms = NULL
         WHERE id = $1 AND claim_until_ms IS NOT NULL`,
        [id],
      ),
    markBlocked: (id, atMs) =>
      cas(`UPDATE tokens SET blocked_at_ms = $1 WHERE id = $2 AND blocked_at_ms IS NULL AND github_error IS NULL`, [
        atMs,
        id,
      ]),
    markUnblocked: (id, atMs) =>
      cas(
        `UPDATE tokens SET unblocked_at_ms = $1 WHERE id = $2 AND blocked_at_ms IS NOT NULL AND unblocked_at_ms IS NULL`,
        [atMs, id],
      ),
    recordGithubError: (id, error) =>
      cas('UPDATE tokens SET github_error = $1 WHERE id = $2 AND github_error IS NULL', [error, id]),
    snooze: (id, user, untilMs) =>
      cas(`UPDATE tokens SET snooze_until_ms = $1, snooze_user = $2 WHERE id = $3 AND status = 'pending'`, [
        untilMs,
        user,
        id,
      ]),
    resumeSnooze: (id, nowMs) =>
      cas(
        `UPDATE tokens SET snooze_until_ms = NULL, snooze_user = NULL
         WHERE id = $1 AND status = 'pending' AND snooze_until_ms > $2`,
        [id, nowMs],
      ),
    snoozesEnded: (nowMs, limit) => rows(SNOOZES_ENDED, [nowMs, limit]),
    releaseSnooze: (id, nowMs) =>
      cas('UPDATE tokens SET snooze_until_ms = NULL, snooze_user = NULL WHERE id = $1 AND snooze_until_ms <= $2', [
        id,
        nowMs,
      ]),
    // A reminder hold may grow into an escalation hold within the same spell; nothing else replaces a live hold.
    holdForQuiet: (id, untilMs, what, nowMs) =>
      cas(
        `UPDATE tokens SET quiet_until_ms = $2, quiet_hold = $3
         WHERE id = $1 AND status = 'pending'
           AND (quiet_until_ms IS NULL OR quiet_until_ms <= $4 OR ($3 = 'escalation' AND quiet_hold = 'reminder'))`,
        [id, untilMs, what, nowMs],
      ),
    quietEnded: (nowMs, limit) => rows(QUIET_ENDED, [nowMs, limit]),
    releaseQuiet: (id, nowMs) =>
      cas('UPDATE tokens SET quiet_until_ms = NULL, quiet_hold = NULL WHERE id = $1 AND quiet_until_ms <= $2', [
        id,
        nowMs,
      ]),
  };
}
