import type { Clock } from '../clock.js';
import type { GrantChoice } from '../domain/grant.js';
import type { PermissionRules } from '../domain/permission.js';
import type { ReassignTarget } from '../domain/reassign.js';
import type { AnswerVia, DecidedBy, Delivery, Outcome, Reentry, Token } from '../domain/token.js';
import type { EventPlanner } from '../events/append-hook.js';
import type { Logger } from '../logger.js';
import type { EventType } from '../store/events.js';
import type { NewJob } from '../store/outbox.js';
import type { Store, Tx } from '../store/store.js';

/** Who is acting through the API or CLI. */
export interface Actor {
  runner: string;
  admin: boolean;
}

/** A committed state change, handed to effect planners so they can enqueue side effects in the same transaction. */
export type Change =
  | { type: 'created'; token: Token }
  | {
      type: 'settled';
      token: Token;
      outcome: Outcome;
      /** Answered by a standing grant: the grant's thread, where the request is noted instead of a card. */
      grantThread?: { grantId: string; channel: string; ts: string };
    }
  | { type: 'updated'; token: Token; what: string }
  | { type: 'escalated'; token: Token; target: string | null }
  | { type: 'warned'; token: Token; dueInMs: number }
  | { type: 'reminded'; token: Token; waitedMs: number; mention: string | null }
  | { type: 'blocked'; token: Token }
  | { type: 'github_error'; token: Token; error: string }
  | { type: 'noted'; token: Token; text: string }
  | {
      type: 'reassigned';
      token: Token;
      target: ReassignTarget;
      by: string;
      note: string | null;
      /** The card that was left behind by a channel move (the token's `slack` is cleared, a new card is posted). */
      movedFrom: { channel: string; ts: string } | null;
    };

/** Inside `purgatory.change(...)`: read, record and plan within one transaction. */
export interface ChangeContext {
  nowMs: number;
  /** The transaction's repos, for the compare-and-set the change makes (e.g. `tx.followups.markWarned`). */
  tx: Tx;
  /** The token as the transaction sees it now (after any updates made so far). */
  token(id: string): Promise<Token>;
  /** Appends an audit event. */
  event(e: {
    tokenId: string | null;
    type: EventType;
    actor?: string | null;
    data?: Record<string, unknown>;
  }): Promise<void>;
  /** Enqueues the side effects of a change. */
  plan(change: Change): Promise<void>;
  /** Enqueues one job directly (e.g. a redelivery), bypassing the planners. */
  enqueue(job: NewJob): Promise<void>;
}

/** Turns a change into outbox jobs (Slack posts, reentry deliveries, GitHub calls). Must not do I/O. */
export type EffectPlanner = (change: Change) => NewJob[];

export interface Answer {
  humanInput: unknown;
  by: string;
  byName?: string | null;
  via: AnswerVia;
  /** Edit…: the answerer's version of the token's proposed_input (the agent uses it instead). */
  editedInput?: unknown;
  /** The reason typed with a Deny. */
  message?: string;
  /** "Allow for…": also record a standing grant for later requests like this one (permission tokens only). */
  grant?: GrantChoice;
  /** The commit the answerer was shown (a github_ref token's card): refused when the ref has moved on since. */
  sha?: string;
}

/** A decision made without asking anyone, at create: by a config rule or a standing grant. */
export interface AutoDecision {
  humanInput: 'Allow' | 'Deny';
  via: 'rule' | 'grant';
  decidedBy: DecidedBy;
  /** The reason the agent reads with a Deny a rule made (it says which rule, not a person). */
  message?: string;
  /** What the audit event says about the rule or grant. */
  audit: Record<string, unknown>;
  grantThread?: { grantId: string; channel: string; ts: string };
}

export interface Vote {
  option: string;
  by: string;
  byName?: string | null;
  via: AnswerVia;
  /** As Answer.sha. */
  sha?: string;
}

export interface VoteResult {
  /** False when the token had already left pending: nothing was recorded. */
  changed: boolean;
  /** True when this vote completed the quorum and resolved the token. */
  settled: boolean;
  /** People who now chose this option. */
  count: number;
  token: Token;
  reentry: Reentry | undefined;
}

export interface SettleResult {
  /** True when this call moved the token out of pending; false when it had already left. */
  changed: boolean;
  token: Token;
  reentry: Reentry;
}

export interface ListResult {
  tokens: Token[];
  next_cursor: string | null;
}

export interface PurgatoryOptions {
  store: Store;
  clock: Clock;
  planners?: EffectPlanner[];
  /** Refuses a delivery target the token's runner may not use (throws a ValidationError); see delivery/targets.ts. */
  checkDelivery?: DeliveryCheck;
  /** The IANA zone a runner declared (`runners.<name>.timezone`): its naive times are read there. */
  runnerTimeZone?: (runner: string) => string | undefined;
  /** For warnings the lifecycle logs itself (an offset inferred from a runner's naive created_at). */
  logger?: Logger;
  /** Plans outbox jobs for every appended audit event (event subscriptions), in the event's transaction. */
  eventPlanner?: EventPlanner;
  /** The config file's permission rules, evaluated when a permission request is created. */
  permissionRules?: PermissionRules;
}

/** Called before a token with a `delivery` is stored; throws to refuse it. */
export type DeliveryCheck = (runner: string, delivery: Delivery) => void;
