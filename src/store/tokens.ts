import type { AnswerDetail, Token, TokenStatus } from '../domain/token.js';
import { formatIsoTime } from '../time.js';
import type { NewEvent } from './events.js';
import type { NoteRow } from './notes.js';

/** A row of `tokens` as both engines return it. */
export interface TokenRow {
  seq: number;
  id: string;
  kind: string;
  status: string;
  reason: string;
  prompt: string;
  options: string;
  severity: string;
  frozen_state: string;
  original_event: string;
  required_type: string | null;
  deadline: string | null;
  deadline_ms: number | null;
  escalation: string | null;
  created_at: string;
  received_ms: number;
  resolved_at: string | null;
  cancelled_at: string | null;
  voided_at: string | null;
  closed_ms: number | null;
  runner: string;
  project: string | null;
  github_issue: string | null;
  ext: string;
  content_hash: string;
  human_input: string | null;
  answered_by: string | null;
  answered_by_name: string | null;
  answered_via: string | null;
  slack_channel_id: string | null;
  slack_ts: string | null;
  escalated_at_ms: number | null;
  escalated_to: string | null;
  warned_at_ms: number | null;
  last_reminder_ms: number | null;
  reminders: number;
  claim_user: string | null;
  claim_user_name: string | null;
  claim_until_ms: number | null;
  blocked_at_ms: number | null;
  unblocked_at_ms: number | null;
  github_error: string | null;
  snooze_until_ms: number | null;
  snooze_user: string | null;
  quiet_until_ms: number | null;
  quiet_hold: string | null;
}

/** Columns the follow-up rules own; a new token starts with none of them set. */
type FollowupColumns =
  | 'escalated_at_ms'
  | 'escalated_to'
  | 'warned_at_ms'
  | 'last_reminder_ms'
  | 'reminders'
  | 'claim_user'
  | 'claim_user_name'
  | 'claim_until_ms'
  | 'blocked_at_ms'
  | 'unblocked_at_ms'
  | 'github_error'
  | 'snooze_until_ms'
  | 'snooze_user'
  | 'quiet_until_ms'
  | 'quiet_hold';

export type NewTokenRow = Omit<
  TokenRow,
  | 'seq'
  | 'status'
  | 'resolved_at'
  | 'cancelled_at'
  | 'voided_at'
  | 'closed_ms'
  | 'human_input'
  | 'answered_by'
  | 'answered_by_name'
  | 'answered_via'
  | 'slack_channel_id'
  | 'slack_ts'
  | FollowupColumns
>;

/**
 * A token stored already closed (imported history): its terminal time as sent and `closed_ms` parsed from it, no
 * answer, no Slack message, no follow-up state.
 */
export type ClosedTokenRow = NewTokenRow &
  Pick<TokenRow, 'resolved_at' | 'cancelled_at' | 'voided_at'> & {
    status: Exclude<TokenStatus, 'pending'>;
    closed_ms: number;
  };

/** Extensions kept in the `ext` JSON column rather than in columns of their own. */
export type TokenExt = Pick<
  Token,
  | 'delivery'
  | 'slack_channel'
  | 'answerers'
  | 'answer_schema'
  | 'expiry_policy'
  | 'requested_by'
  | 'required_approvals'
  | 'destructive_options'
  | 'thread_resolves'
> & {
  /** Absent in rows written before time offsets were recorded (and by paths that assume none): read as null. */
  time_offset?: Token['time_offset'];
  /** Absent in rows written before edit-before-approve: read as null. */
  proposed_input?: Token['proposed_input'];
  permission?: Token['permission'];
  answerer_permission?: Token['answerer_permission'];
  /** The commit the agent looked at; absent when it named none. */
  github_ref?: Token['github_ref'];
  /** Written with the settlement: the edit, the Deny reason, the grant or rule (absent when there is none). */
  answer?: AnswerDetail;
};

/** What `PATCH /v1/tokens/:id` rewrites on a pending token, with the follow-up columns it recomputes. */
export interface TokenPatchRow {
  id: string;
  deadline: string | null;
  deadline_ms: number | null;
  escalation: string | null;
  severity: string;
  prompt: string;
  options: string;
  ext: string;
  warned_at_ms: number | null;
}

/** What a reassignment rewrites on a pending token: answerers/channel (in ext) and, on a channel move, the card. */
export interface TokenReassignRow {
  id: string;
  ext: string;
  slack_channel_id: string | null;
  slack_ts: string | null;
}

export interface ListFilter {
  status?: TokenStatus;
  project?: string;
  runner?: string;
  /** Return tokens older than this `seq` (the cursor of the previous page). */
  before?: number;
  limit: number;
}

export interface Settlement {
  id: string;
  status: Exclude<TokenStatus, 'pending'>;
  at: string;
  atMs: number;
  humanInput: unknown;
  by: string | null;
  byName: string | null;
  via: string | null;
  /** The token's `ext` JSON rewritten with the answer's details; undefined leaves it as it is. */
  ext?: string;
}

/** A token just settled: the row as left, its notes, and the seq of the audit event appended with it, if any. */
export interface Settled {
  row: TokenRow;
  notes: NoteRow[];
  eventSeq?: number;
}

/** The `tokens` table (see the engine folders for the SQL). */
export interface TokenStore {
  /** Inserts a new pending token; false when the id is taken. */
  insert(row: NewTokenRow): Promise<boolean>;
  /**
   * Inserts several new pending tokens at once (group commit), in order; for each row, whether it went in (false
   * when its id is taken). The ids must differ from one another.
   */
  insertMany(rows: readonly NewTokenRow[]): Promise<boolean[]>;
  /** Inserts a token that is already closed (imported history); false when the id is taken. */
  insertClosed(row: ClosedTokenRow): Promise<boolean>;
  get(id: string): Promise<TokenRow | undefined>;
  /** A token with the notes left on it, oldest first: what a reentry is made of, in one read on Postgres. */
  getWithNotes(id: string): Promise<{ row: TokenRow; notes: NoteRow[] } | undefined>;
  /** getWithNotes for several tokens in one read; ids with no token are left out. */
  getManyWithNotes(ids: readonly string[]): Promise<{ row: TokenRow; notes: NoteRow[] }[]>;
  /** Newest first. The caller asks for one extra row to know whether there is a next page. */
  list(filter: ListFilter): Promise<TokenRow[]>;
  /**
   * Compare-and-set out of pending: the row as it is left, with the token's notes read in the same statement
   * (what its reentry shows); undefined when it had already left pending. With `event`, the settlement's audit
   * event is appended in the same transaction when (and only when) the token settles, and `eventSeq` is its
   * number: on Postgres in the same statement, one round trip fewer on every answer. Meant for a transaction (the
   * lifecycle's), which the settle and the append then commit with.
   */
  settle(s: Settlement, event?: NewEvent): Promise<Settled | undefined>;
  /** Compare-and-set of a pending token's changeable fields: false when it has left pending. */
  patch(row: TokenPatchRow): Promise<boolean>;
  /** Compare-and-set of a pending token's answerers, channel and card: false when it has left pending. */
  reassign(row: TokenReassignRow): Promise<boolean>;
  /** Pending tokens whose deadline is at or before `nowMs`, earliest first. */
  due(nowMs: number, limit: number): Promise<TokenRow[]>;
  /** The token whose card is the Slack message `channel`/`ts`. */
  bySlackMessage(channel: string, ts: string): Promise<TokenRow | undefined>;
  setSlackMessage(id: string, channel: string, ts: string): Promise<void>;
  /** Terminal tokens that left pending before `beforeMs`, oldest first. */
  collectable(beforeMs: number, limit: number): Promise<string[]>;
  remove(id: string): Promise<void>;
  countByStatus(): Promise<Record<string, number>>;
}

/** What a row holds besides what it was inserted with, before anything happens to it. */
const UNTOUCHED: Omit<TokenRow, keyof NewTokenRow> = {
  seq: 0,
  status: 'pending',
  resolved_at: null,
  cancelled_at: null,
  voided_at: null,
  closed_ms: null,
  human_input: null,
  answered_by: null,
  answered_by_name: null,
  answered_via: null,
  slack_channel_id: null,
  slack_ts: null,
  escalated_at_ms: null,
  escalated_to: null,
  warned_at_ms: null,
  last_reminder_ms: null,
  reminders: 0,
  claim_user: null,
  claim_user_name: null,
  claim_until_ms: null,
  blocked_at_ms: null,
  unblocked_at_ms: null,
  github_error: null,
  snooze_until_ms: null,
  snooze_user: null,
  quiet_until_ms: null,
  quiet_hold: null,
};

/**
 * The token a freshly inserted row reads back as, without reading it back. Object.assign rather than an object
 * literal spreading `row` then listing these keys: V8 builds that literal in about 110 µs (dictionary-mode
 * transitions on every call, measured on Node 20), Object.assign in about 4 µs, and every create makes one.
 */
export function newRowToToken(row: NewTokenRow): Token {
  return rowToToken(Object.assign({}, row, UNTOUCHED));
}

/** Turns a stored row into the token rodizio returns: the 14 wire keys, the extensions, and its state. */
export function rowToToken(row: TokenRow): Token {
  const ext = JSON.parse(row.ext) as TokenExt;
  return {
    id: row.id,
    reason: row.reason as Token['reason'],
    frozen_state: row.frozen_state,
    original_event: JSON.parse(row.original_event),
    required_type: row.required_type,
    deadline: row.deadline,
    escalation: row.escalation,
    prompt: row.prompt,
    options: JSON.parse(row.options) as string[],
    severity: row.severity as Token['severity'],
    created_at: row.created_at,
    resolved_at: row.resolved_at,
    cancelled_at: row.cancelled_at,
    voided_at: row.voided_at,
    kind: row.kind as Token['kind'],
    project: row.project,
    github_issue: row.github_issue,
    runner: row.runner,
    delivery: ext.delivery ?? null,
    slack_channel: ext.slack_channel ?? null,
    answerers: ext.answerers ?? null,
    answer_schema: ext.answer_schema ?? null,
    expiry_policy: ext.expiry_policy ?? null,
    requested_by: ext.requested_by ?? null,
    required_approvals: ext.required_approvals ?? 1,
    destructive_options: ext.destructive_options ?? [],
    thread_resolves: ext.thread_resolves ?? null,
    time_offset: ext.time_offset ?? null,
    proposed_input: ext.proposed_input ?? null,
    permission: ext.permission ?? null,
    ...(ext.answerer_permission ? { answerer_permission: ext.answerer_permission } : {}),
    ...(ext.github_ref ? { github_ref: ext.github_ref } : {}),
    status: row.status as Token['status'],
    received_at: formatIsoTime(row.received_ms),
    human_input: row.human_input === null ? null : JSON.parse(row.human_input),
    answered_by: row.answered_by,
    answered_by_name: row.answered_by_name,
    answered_via: row.answered_via as Token['answered_via'],
    ...answerDetail(ext.answer),
    slack: row.slack_channel_id && row.slack_ts ? { channel: row.slack_channel_id, ts: row.slack_ts } : null,
    followup: {
      escalated_at: iso(row.escalated_at_ms),
      escalated_to: row.escalated_to,
      reminders: row.reminders,
      last_reminder_at: iso(row.last_reminder_ms),
      claimed_by: row.claim_user,
      claimed_by_name: row.claim_user_name,
      claimed_until: iso(row.claim_until_ms),
      github_blocked_at: iso(row.blocked_at_ms),
      github_unblocked_at: iso(row.unblocked_at_ms),
      github_error: row.github_error,
      snoozed_until: iso(row.snooze_until_ms),
      snoozed_by: row.snooze_user,
      quiet_until: iso(row.quiet_until_ms),
      quiet_hold: row.quiet_hold === 'reminder' || row.quiet_hold === 'escalation' ? row.quiet_hold : null,
    },
  };
}

/** The answer's details as the token shows them: only the keys that were given. */
function answerDetail(detail: AnswerDetail | undefined): AnswerDetail {
  if (!detail) return {};
  return {
    ...(detail.edited_input !== undefined ? { edited_input: detail.edited_input } : {}),
    ...(detail.message !== undefined ? { message: detail.message } : {}),
    ...(detail.decided_by !== undefined ? { decided_by: detail.decided_by } : {}),
    ...(detail.granted !== undefined ? { granted: detail.granted } : {}),
  };
}

const iso = (ms: number | null) => (ms === null ? null : formatIsoTime(ms));
