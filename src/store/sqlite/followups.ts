import type { FollowupStore, QuietHold } from '../followups.js';
import type { TokenRow } from '../tokens.js';
import type { Db } from './database.js';

/**
 * SQL for the follow-up rules: which pending tokens are due for a deadline action, a warning, a reminder,
 * a claim release or a GitHub label; and the compare-and-set updates that record each action exactly once.
 */
export function createFollowupStore(db: Db): FollowupStore {
  const deadlineDue = db.prepare<{ now: number; limit: number }, TokenRow>(`
    SELECT * FROM tokens
    WHERE status = 'pending' AND escalated_at_ms IS NULL AND deadline_ms IS NOT NULL AND deadline_ms <= @now
      AND (quiet_hold IS NOT 'escalation' OR quiet_until_ms <= @now)
    ORDER BY deadline_ms LIMIT @limit`);
  const warningDue = db.prepare<[number, number, number], TokenRow>(`
    SELECT * FROM tokens
    WHERE status = 'pending' AND deadline_ms > ? AND deadline_ms <= ? AND warned_at_ms IS NULL AND slack_ts IS NOT NULL
    ORDER BY deadline_ms LIMIT ?`);
  const reminderDue = db.prepare<{ since: number; now: number; limit: number }, TokenRow>(`
    SELECT * FROM tokens
    WHERE status = 'pending' AND coalesce(last_reminder_ms, received_ms) <= @since AND slack_ts IS NOT NULL
      AND (claim_until_ms IS NULL OR claim_until_ms <= @now)
      AND (snooze_until_ms IS NULL OR snooze_until_ms <= @now)
      AND (quiet_until_ms IS NULL OR quiet_until_ms <= @now)
    ORDER BY coalesce(last_reminder_ms, received_ms) LIMIT @limit`);
  const claimsEnded = db.prepare<[number, number], TokenRow>(
    'SELECT * FROM tokens WHERE claim_until_ms IS NOT NULL AND claim_until_ms <= ? ORDER BY claim_until_ms LIMIT ?',
  );
  const blockable = db.prepare<[number, number], TokenRow>(`
    SELECT * FROM tokens
    WHERE status = 'pending' AND github_issue IS NOT NULL AND blocked_at_ms IS NULL AND github_error IS NULL
      AND received_ms <= ?
    ORDER BY received_ms LIMIT ?`);

  const escalate = db.prepare<[number, string | null, string]>(
    `UPDATE tokens SET escalated_at_ms = ?, escalated_to = ? WHERE id = ? AND status = 'pending' AND escalated_at_ms IS NULL`,
  );
  const warn = db.prepare<[number, string]>(
    `UPDATE tokens SET warned_at_ms = ? WHERE id = ? AND status = 'pending' AND warned_at_ms IS NULL`,
  );
  const remind = db.prepare<{ at: number; id: string; since: number }>(`
    UPDATE tokens SET last_reminder_ms = @at, reminders = reminders + 1
    WHERE id = @id AND status = 'pending' AND coalesce(last_reminder_ms, received_ms) <= @since`);
  const claim = db.prepare<{ user: string; name: string | null; until: number; id: string; now: number }>(`
    UPDATE tokens SET claim_user = @user, claim_user_name = @name, claim_until_ms = @until
    WHERE id = @id AND status = 'pending' AND (claim_until_ms IS NULL OR claim_until_ms <= @now OR claim_user = @user)`);
  const releaseClaim = db.prepare<[string]>(
    'UPDATE tokens SET claim_user = NULL, claim_user_name = NULL, claim_until_ms = NULL WHERE id = ? AND claim_until_ms IS NOT NULL',
  );
  const block = db.prepare<[number, string]>(
    `UPDATE tokens SET blocked_at_ms = ? WHERE id = ? AND blocked_at_ms IS NULL AND github_error IS NULL`,
  );
  const unblock = db.prepare<[number, string]>(
    `UPDATE tokens SET unblocked_at_ms = ? WHERE id = ? AND blocked_at_ms IS NOT NULL AND unblocked_at_ms IS NULL`,
  );
  const githubError = db.prepare<[string, string]>(
    'UPDATE tokens SET github_error = ? WHERE id = ? AND github_error IS NULL',
  );
  const snooze = db.prepare<[number, string, string]>(
    `UPDATE tokens SET snooze_until_ms = ?, snooze_user = ? WHERE id = ? AND status = 'pending'`,
  );
  const resumeSnooze = db.prepare<[string, number]>(
    `UPDATE tokens SET snooze_until_ms = NULL, snooze_user = NULL
     WHERE id = ? AND status = 'pending' AND snooze_until_ms > ?`,
  );
  const snoozesEnded = db.prepare<[number, number], TokenRow>(
    'SELECT * FROM tokens WHERE snooze_until_ms IS NOT NULL AND snooze_until_ms <= ? ORDER BY snooze_until_ms LIMIT ?',
  );
  const releaseSnooze = db.prepare<[string, number]>(
    'UPDATE tokens SET snooze_until_ms = NULL, snooze_user = NULL WHERE id = ? AND snooze_until_ms <= ?',
  );
  // A reminder hold may grow into an escalation hold within the same spell; nothing else replaces a live hold.
  const holdForQuiet = db.prepare<{ id: string; until: number; what: string; now: number }>(`
    UPDATE tokens SET quiet_until_ms = @until, quiet_hold = @what
    WHERE id = @id AND status = 'pending'
      AND (quiet_until_ms IS NULL OR quiet_until_ms <= @now OR (@what = 'escalation' AND quiet_hold = 'reminder'))`);
  const quietEnded = db.prepare<[number, number], TokenRow>(
    'SELECT * FROM tokens WHERE quiet_until_ms IS NOT NULL AND quiet_until_ms <= ? ORDER BY quiet_until_ms LIMIT ?',
  );
  const releaseQuiet = db.prepare<[string, number]>(
    'UPDATE tokens SET quiet_until_ms = NULL, quiet_hold = NULL WHERE id = ? AND quiet_until_ms <= ?',
  );

  return {
    deadlineDue: async (nowMs: number, limit: number) => deadlineDue.all({ now: nowMs, limit }),
    /** Pending tokens whose deadline falls within `(now, now + aheadMs]` and that were not warned yet. */
    warningDue: async (nowMs: number, aheadMs: number, limit: number) => warningDue.all(nowMs, nowMs + aheadMs, limit),
    /** Pending, posted, unclaimed tokens whose last reminder (or creation) is at least `intervalMs` old. */
    reminderDue: async (nowMs: number, intervalMs: number, limit: number) =>
      reminderDue.all({ since: nowMs - intervalMs, now: nowMs, limit }),
    claimsEnded: async (nowMs: number, limit: number) => claimsEnded.all(nowMs, limit),
    /** Pending tokens tied to a GitHub issue, older than `afterMs`, not labelled yet. */
    blockable: async (nowMs: number, afterMs: number, limit: number) => blockable.all(nowMs - afterMs, limit),

    markEscalated: async (id: string, atMs: number, target: string | null) =>
      escalate.run(atMs, target, id).changes === 1,
    markWarned: async (id: string, atMs: number) => warn.run(atMs, id).changes === 1,
    /** Records a reminder unless one was recorded within the interval (a second sweep racing this one). */
    markReminded: async (id: string, atMs: number, intervalMs: number) =>
      remind.run({ at: atMs, id, since: atMs - intervalMs }).changes === 1,
    /** Claims for `user` unless somebody else holds a live claim; renewing one's own claim extends it. */
    claim: async (id: string, user: string, userName: string | null, untilMs: number, nowMs: number) =>
      claim.run({ user, name: userName, until: untilMs, id, now: nowMs }).changes === 1,
    releaseClaim: async (id: string) => releaseClaim.run(id).changes === 1,
    markBlocked: async (id: string, atMs: number) => block.run(atMs, id).changes === 1,
    markUnblocked: async (id: string, atMs: number) => unblock.run(atMs, id).changes === 1,
    recordGithubError: async (id: string, error: string) => githubError.run(error, id).changes === 1,
    snooze: async (id: string, user: string, untilMs: number) => snooze.run(untilMs, user, id).changes === 1,
    resumeSnooze: async (id: string, nowMs: number) => resumeSnooze.run(id, nowMs).changes === 1,
    snoozesEnded: async (nowMs: number, limit: number) => snoozesEnded.all(nowMs, limit),
    releaseSnooze: async (id: string, nowMs: number) => releaseSnooze.run(id, nowMs).changes === 1,
    holdForQuiet: async (id: string, untilMs: number, what: QuietHold, nowMs: number) =>
      holdForQuiet.run({ id, until: untilMs, what, now: nowMs }).changes === 1,
    quietEnded: async (nowMs: number, limit: number) => quietEnded.all(nowMs, limit),
    releaseQuiet: async (id: string, nowMs: number) => releaseQuiet.run(id, nowMs).changes === 1,
  };
}
