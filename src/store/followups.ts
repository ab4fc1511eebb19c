import type { TokenRow } from './tokens.js';

/**
 * The follow-up rules' queries: which pending tokens are due for a deadline action, a warning, a reminder, a
 * claim release or a GitHub label; and the compare-and-set updates that record each action exactly once.
 */
export interface FollowupStore {
  deadlineDue(nowMs: number, limit: number): Promise<TokenRow[]>;
  /** Pending tokens whose deadline falls within `(now, now + aheadMs]` and that were not warned yet. */
  warningDue(nowMs: number, aheadMs: number, limit: number): Promise<TokenRow[]>;
  /** Pending, posted, unclaimed tokens whose last reminder (or creation) is at least `intervalMs` old. */
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
}
