import type { TokenRow } from './tokens.js';

/**
 * The follow-up rules' queries: which pending tokens are due for a deadline action, a warning, a reminder, a
 * claim release or a GitHub label; and the compare-and-set updates that record each action exactly once.
 */
export interface FollowupStore {
  /** Pending, not escalated, past the deadline; an escalation held by quiet hours waits until they end. */
  deadlineDue(nowMs: number, limit: number): Promise<TokenRow[]>;
  /** Pending tokens whose deadline falls within `(now, now + aheadMs]` and that were not warned yet. */
  warningDue(nowMs: number, aheadMs: number, limit: number): Promise<TokenRow[]>;
  /**
   * Pending, posted tokens whose last reminder (or creation) is at least `intervalMs` old, and that nobody claimed
   * or snoozed and quiet hours do not hold.
   */
  reminderDue(nowMs: number, intervalMs: number, limit: number): Promise<TokenRow[]>;
  claimsEnded(nowMs: number, limit: number): Promise<TokenRow[]>;
  /** Pending tokens tied to a GitHub issue, older than `afterMs`, not labelled yet. */
  blockable(nowMs: number, afterMs: number, limit: number): Promise<TokenRow[]>;
  markEscalated(id: string, atMs: number, target: string | null): Promise<boolean>;
  markWarned(id: string, atMs: number): Promise<boolean>;
  /** Records a reminder unless one was recorded within the interval (a second sweep racing this one). */
  markReminded(id: string, atMs: number, intervalMs: number): Promise<boolean>;
  /** Claims for `user` unless somebody else holds a live claim; renewing one's own claim extends it. */
  claim(id: string, user: string, userName: string | null, untilMs: number, nowMs: number): Promise<boolean>;
  releaseClaim(id: string): Promise<boolean>;
  markBlocked(id: string, atMs: number): Promise<boolean>;
  markUnblocked(id: string, atMs: number): Promise<boolean>;
  recordGithubError(id: string, error: string): Promise<boolean>;
  /** Pauses the token's reminders until `untilMs` (a later snooze replaces an earlier one); the deadline runs on. */
  snooze(id: string, user: string, untilMs: number): Promise<boolean>;
  /** Ends a live snooze early ("Resume reminders"); false when none was live at `nowMs`. */
  resumeSnooze(id: string, nowMs: number): Promise<boolean>;
  /** Tokens whose snooze ran out by `nowMs` (any status: a closed token's snooze is cleared quietly). */
  snoozesEnded(nowMs: number, limit: number): Promise<TokenRow[]>;
  /** Clears a snooze that ran out by `nowMs`. */
  releaseSnooze(id: string, nowMs: number): Promise<boolean>;
  /**
   * Holds the token's reminders (`what` reminder), or its escalation and reminders (`what` escalation), until the
   * project's quiet hours end at `untilMs`; false when that hold is already recorded.
   */
  holdForQuiet(id: string, untilMs: number, what: QuietHold, nowMs: number): Promise<boolean>;
  /** Tokens whose quiet-hours hold ran out by `nowMs` (any status). */
  quietEnded(nowMs: number, limit: number): Promise<TokenRow[]>;
  /** Clears a quiet-hours hold that ran out by `nowMs`. */
  releaseQuiet(id: string, nowMs: number): Promise<boolean>;
}

/** What quiet hours hold back: reminders, or the deadline's escalation too. */
export type QuietHold = 'reminder' | 'escalation';
