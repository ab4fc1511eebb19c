import { z } from 'zod';
import { parseIsoTime, parseIsoTimeAt, parseUtcOffset } from '../time.js';
import { AnswerSchema } from './answer-schema.js';
import { GithubRef } from './github-ref.js';

/** Why an agent stopped; the six reasons of the interoperable format. */
export const Reason = z.enum([
  'approval_needed',
  'context_required',
  'sensitive_action',
  'ambiguous_choice',
  'resource_decision',
  'error_recovery',
]);
export type Reason = z.infer<typeof Reason>;

export const Severity = z.enum(['info', 'warning', 'critical']);
export type Severity = z.infer<typeof Severity>;

export const TokenStatus = z.enum(['pending', 'resolved', 'cancelled', 'expired']);
export type TokenStatus = z.infer<typeof TokenStatus>;

export const TokenKind = z.enum(['semaphore', 'phase_escalation']);
export type TokenKind = z.infer<typeof TokenKind>;

/**
 * How an answer reached rodizio. `grant` and `rule`: decided when the token was created, by a standing grant
 * someone made in Slack or by a rule of the config file, without asking anyone.
 */
export const AnswerVia = z.enum([
  'button',
  'form',
  'thread',
  'cli',
  'api',
  'slash_command',
  'deadline',
  'phase',
  'grant',
  'rule',
]);
export type AnswerVia = z.infer<typeof AnswerVia>;

export const IsoTime = z.string().refine((s) => parseIsoTime(s) !== undefined, {
  message:
    "must be an ISO 8601 time such as 2025-01-01T12:00:00 (a time without an offset is read in the runner's time zone, else UTC)",
});

/** Standard base64 (not URL-safe), padded; the empty string is allowed. */
export const Base64 = z
  .string()
  .regex(
    /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/,
    'must be standard base64 (A-Z a-z 0-9 + /, padded with =)',
  );

export const TokenId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'may hold letters, digits, ".", "_", ":" and "-" only');

export const GithubIssueRef = z.string().regex(/^[A-Za-z0-9][\w.-]*\/[\w.-]+#\d+$/, 'must look like owner/repo#123');

const SlackId = z.string().regex(/^[A-Z][A-Z0-9]{2,}$/, 'must be a Slack id such as U0123ABCD or S0123ABCD');

/**
 * The machine a tmux or file target is on (RODIZIO_HOST_ID of the replica there). With several replicas on
 * several hosts, only that host's replica delivers to it; unset, any replica does.
 */
export const HostId = z.string().regex(/^[\w.:-]{1,200}$/, 'must be a host id (letters, digits, ".", "_", ":", "-")');

/** Where the reentry goes besides long-poll, which always works. */
export const Delivery = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('webhook'), url: z.url({ protocol: /^https?$/ }) }),
  z.strictObject({
    type: z.literal('tmux'),
    session: z.string().regex(/^[\w.@-]{1,100}$/, 'must be a tmux session name'),
    host: HostId.optional(),
  }),
  z.strictObject({ type: z.literal('file'), dir: z.string().min(1).max(1024), host: HostId.optional() }),
  z.strictObject({ type: z.literal('reply_file'), path: z.string().min(1).max(1024), host: HostId.optional() }),
]);
export type Delivery = z.infer<typeof Delivery>;

/** Who may answer: Slack user ids and user-group ids. Empty lists mean "anyone in the channel". */
export const Answerers = z.strictObject({
  users: z.array(SlackId).max(200).default([]),
  groups: z.array(SlackId).max(50).default([]),
});
export type Answerers = z.infer<typeof Answerers>;

/** `escalate` (default), `expire`, or `resolve:<option>` to answer automatically at the deadline. */
export const ExpiryPolicy = z.union([z.literal('escalate'), z.literal('expire'), z.string().regex(/^resolve:.+$/s)], {
  error: 'must be "escalate", "expire" or "resolve:<option>"',
});
export type ExpiryPolicy = z.infer<typeof ExpiryPolicy>;

/** The access to the token's repository on the forge that an answerer may be required to have. */
export const AnswererPermission = z.enum(['write', 'admin'], { error: 'must be "write" or "admin"' });
export type AnswererPermission = z.infer<typeof AnswererPermission>;

/** At most this many characters as JSON text: a proposed or edited input (shown on a card, typed in a modal). */
export const MAX_INPUT_JSON = 100_000;

const jsonWithin = (max: number) =>
  z.json().refine((v) => JSON.stringify(v).length <= max, { message: `must be at most ${max} characters as JSON` });

/**
 * A Claude Code permission request, as its `--permission-prompt-tool` receives it: the tool the agent wants to
 * run and that tool's input. The card reads it as what the agent wants to do; grants and rules match it.
 */
export const PermissionRequest = z.strictObject({
  tool_name: z.string().min(1).max(200),
  input: z.record(z.string(), z.json()).refine((v) => JSON.stringify(v).length <= MAX_INPUT_JSON, {
    message: `must be at most ${MAX_INPUT_JSON} characters as JSON`,
  }),
  tool_use_id: z.string().min(1).max(200).optional(),
});
export type PermissionRequest = z.infer<typeof PermissionRequest>;

/** The options of a permission request when the agent names none; also the answers grants and rules give. */
export const PERMISSION_OPTIONS = ['Allow', 'Deny'] as const;

/** What decided a token automatically: a standing grant (until when), or a config rule (its index and pattern). */
export const DecidedBy = z.union([
  z.strictObject({ grant_id: z.string(), expires_at: z.string() }),
  z.strictObject({ rule: z.int().min(0), match: z.string() }),
]);
export type DecidedBy = z.infer<typeof DecidedBy>;

/** What an answer carries besides `human_input`: an edit of the proposed input, a Deny reason, who decided. */
export const AnswerDetail = z.object({
  edited_input: z.json().optional(),
  message: z.string().optional(),
  decided_by: DecidedBy.optional(),
  /** The answer also made a standing grant ("Allow for 1 h"). */
  granted: z
    .object({ grant_id: z.string(), scope: z.enum(['exact', 'prefix']), value: z.string(), expires_at: z.string() })
    .optional(),
});
export type AnswerDetail = z.infer<typeof AnswerDetail>;

const nullableTime = IsoTime.nullable().optional();
const mustBeNull = z.null({ error: 'must be null or absent when a token is created' }).optional();

/**
 * A token as an agent sends it: the 14 keys of the interoperable format (snake_case, as the Python
 * implementation emits them) plus rodizio's optional extensions. Unknown keys are rejected so typos surface.
 */
export const TokenInput = z
  .strictObject({
    id: TokenId.optional(),
    reason: Reason,
    frozen_state: Base64.default(''),
    original_event: z.json().default(null),
    required_type: z.string().max(200).nullable().default(null),
    deadline: IsoTime.nullable().default(null),
    escalation: z.string().max(200).nullable().default(null),
    prompt: z.string().max(20_000).default(''),
    options: z.array(z.string().min(1).max(2000)).max(100).default([]),
    severity: Severity.default('info'),
    created_at: nullableTime,
    resolved_at: mustBeNull,
    cancelled_at: mustBeNull,
    voided_at: mustBeNull,
    // rodizio extensions
    kind: TokenKind.default('semaphore'),
    project: z
      .string()
      .regex(/^[\w.-]{1,100}$/, 'may hold letters, digits, ".", "_" and "-" only')
      .nullable()
      .default(null),
    github_issue: GithubIssueRef.nullable().default(null),
    runner: z.string().min(1).max(100).optional(),
    delivery: Delivery.nullable().default(null),
    slack_channel: z.string().min(1).max(100).nullable().default(null),
    answerers: Answerers.nullable().default(null),
    answer_schema: AnswerSchema.nullable().default(null),
    expiry_policy: ExpiryPolicy.nullable().default(null),
    requested_by: z.string().min(1).max(100).nullable().default(null),
    required_approvals: z.int().min(1).max(10).default(1),
    destructive_options: z.array(z.string().min(1).max(2000)).max(100).default([]),
    thread_resolves: z.boolean().nullable().default(null),
    /** What the agent proposes to do (JSON, or a command as a string): shown on the card, editable with Edit…. */
    proposed_input: jsonWithin(MAX_INPUT_JSON).default(null),
    /** A Claude Code permission request; its options default to Allow/Deny, its proposed_input to its input. */
    permission: PermissionRequest.nullable().default(null),
    /** Whoever answers must have this access to the token's repository on the forge (a linked login). */
    answerer_permission: AnswererPermission.optional(),
    /** The branch or pull request head the agent looked at, and its sha: the card says when it moves. */
    github_ref: GithubRef.optional(),
  })
  .superRefine((t, ctx) => {
    // Grants, rules and the Deny modal answer with these two, and agents map "Deny" to a refusal.
    if (t.permission && t.options.length > 0) {
      for (const needed of PERMISSION_OPTIONS) {
        if (!t.options.includes(needed)) {
          ctx.addIssue({
            code: 'custom',
            path: ['options'],
            message: `a permission request's options must include "${needed}" (or leave options out)`,
          });
        }
      }
    }
    const auto = t.expiry_policy?.startsWith('resolve:') ? t.expiry_policy.slice('resolve:'.length) : undefined;
    if (auto !== undefined && t.options.length > 0 && !t.options.includes(auto)) {
      ctx.addIssue({ code: 'custom', path: ['expiry_policy'], message: `"${auto}" is not one of the options` });
    }
    for (const [i, option] of t.destructive_options.entries()) {
      if (!t.options.includes(option)) {
        ctx.addIssue({
          code: 'custom',
          path: ['destructive_options', i],
          message: `"${option}" is not one of the options`,
        });
      }
    }
    if (new Set(t.options).size !== t.options.length) {
      ctx.addIssue({ code: 'custom', path: ['options'], message: 'options must be distinct' });
    }
  })
  .transform((t) =>
    t.permission
      ? {
          ...t,
          options: t.options.length > 0 ? t.options : [...PERMISSION_OPTIONS],
          proposed_input: t.proposed_input ?? t.permission.input,
        }
      : t,
  );
export type TokenInput = z.input<typeof TokenInput>;
export type ParsedTokenInput = z.output<typeof TokenInput>;

/** A note a person left in the card's thread; carried in the reentry. */
export const Note = z.object({
  by: z.string(),
  by_name: z.string().nullable(),
  text: z.string(),
  at: z.string(),
});
export type Note = z.infer<typeof Note>;

export const Followup = z.object({
  escalated_at: z.string().nullable(),
  escalated_to: z.string().nullable(),
  reminders: z.int(),
  last_reminder_at: z.string().nullable(),
  claimed_by: z.string().nullable(),
  claimed_by_name: z.string().nullable(),
  claimed_until: z.string().nullable(),
  github_blocked_at: z.string().nullable(),
  github_unblocked_at: z.string().nullable(),
  github_error: z.string().nullable(),
  /** Reminders are snoozed until then (the deadline is not), by `snoozed_by`. */
  snoozed_until: z.string().nullable(),
  snoozed_by: z.string().nullable(),
  /** The project's quiet hours hold back its reminders (`reminder`), or its escalation too, until then. */
  quiet_until: z.string().nullable(),
  quiet_hold: z.enum(['reminder', 'escalation']).nullable(),
});
export type Followup = z.infer<typeof Followup>;

/**
 * What rodizio assumed about a token's naive (offset-less) times: the offset it read them with and why. Absent
 * when every time carried an offset or none was assumed (naive times read as UTC). The strings themselves are
 * always returned exactly as sent.
 */
export const TimeOffset = z.object({
  /** The UTC offset applied to the naive deadline (or, without one, to the naive created_at), e.g. "-05:00". */
  assumed: z.string().regex(/^[+-]\d{2}:\d{2}$/),
  /** `created_at`: inferred from created_at against the arrival time; `runner_timezone`: the runner's declared zone. */
  from: z.enum(['created_at', 'runner_timezone']),
  /** The IANA zone, when `from` is `runner_timezone`. */
  timezone: z.string().optional(),
});
export type TimeOffset = z.infer<typeof TimeOffset>;

/** The instant of the token's deadline as rodizio reads it (naive deadlines shifted by the assumed offset). */
export function tokenDeadlineMs(token: { deadline: string | null; time_offset?: TimeOffset | null }): number | null {
  if (token.deadline === null) return null;
  const offset = token.time_offset ? (parseUtcOffset(token.time_offset.assumed) ?? 0) : 0;
  return parseIsoTimeAt(token.deadline, offset) ?? null;
}

/**
 * `PATCH /v1/tokens/:id`: what may change on a pending token. At least one key; unknown keys are refused.
 * A naive deadline is read with the same time-zone rule as at create.
 */
export const TokenPatch = z
  .strictObject({
    deadline: IsoTime.nullable().optional(),
    escalation: z.string().max(200).nullable().optional(),
    severity: Severity.optional(),
    prompt: z.string().max(20_000).optional(),
    options: z.array(z.string().min(1).max(2000)).max(100).optional(),
  })
  .refine((p) => Object.values(p).some((v) => v !== undefined), {
    message: 'give at least one of deadline, escalation, severity, prompt, options',
  })
  .superRefine((p, ctx) => {
    if (p.options && new Set(p.options).size !== p.options.length) {
      ctx.addIssue({ code: 'custom', path: ['options'], message: 'options must be distinct' });
    }
  });
export type TokenPatch = z.input<typeof TokenPatch>;
export type ParsedTokenPatch = z.output<typeof TokenPatch>;

/** A token as rodizio returns it: the 14 interoperable keys, the extensions, and its state. */
export const Token = z.object({
  id: z.string(),
  reason: Reason,
  frozen_state: z.string(),
  original_event: z.json(),
  required_type: z.string().nullable(),
  deadline: z.string().nullable(),
  escalation: z.string().nullable(),
  prompt: z.string(),
  options: z.array(z.string()),
  severity: Severity,
  created_at: z.string(),
  resolved_at: z.string().nullable(),
  cancelled_at: z.string().nullable(),
  voided_at: z.string().nullable(),
  kind: TokenKind,
  project: z.string().nullable(),
  github_issue: z.string().nullable(),
  runner: z.string(),
  delivery: Delivery.nullable(),
  slack_channel: z.string().nullable(),
  answerers: Answerers.nullable(),
  answer_schema: AnswerSchema.nullable(),
  /** null: the project's or DEFAULT_EXPIRY_POLICY applies. */
  expiry_policy: ExpiryPolicy.nullable(),
  requested_by: z.string().nullable(),
  required_approvals: z.int(),
  destructive_options: z.array(z.string()),
  thread_resolves: z.boolean().nullable(),
  /** The offset rodizio read naive times with, and why; null when it assumed none (naive times read as UTC). */
  time_offset: TimeOffset.nullable(),
  /** What the agent proposed to do; null when it proposed nothing. */
  proposed_input: z.json(),
  /** The Claude Code permission request this token asks about; null for other tokens. */
  permission: PermissionRequest.nullable(),
  /** The access to its repository an answerer must have; absent when the token asks none. */
  answerer_permission: AnswererPermission.optional(),
  /** The commit the agent looked at (absent when it named none). */
  github_ref: GithubRef.optional(),
  status: TokenStatus,
  /** When rodizio stored it (its own clock; `created_at` is the agent's). */
  received_at: z.string(),
  human_input: z.json().nullable(),
  answered_by: z.string().nullable(),
  answered_by_name: z.string().nullable(),
  answered_via: AnswerVia.nullable(),
  /** The answerer's edit of proposed_input (Edit…): use it instead. Absent when nobody edited. */
  edited_input: z.json().optional(),
  /** The reason typed with a Deny; absent when none was. */
  message: z.string().optional(),
  /** The grant or rule that answered (`answered_via` grant or rule). */
  decided_by: DecidedBy.optional(),
  /** The answer also made a standing grant for later requests like this one. */
  granted: AnswerDetail.shape.granted,
  slack: z.object({ channel: z.string(), ts: z.string() }).nullable(),
  /** What the follow-up rules have done so far. */
  followup: Followup,
});
export type Token = z.infer<typeof Token>;

export const Outcome = z.enum(['resolved', 'expired', 'cancelled']);
export type Outcome = z.infer<typeof Outcome>;

/** The green card: what the waiting agent resumes with. The token id is the receiver's idempotency key. */
export const Reentry = z.object({
  token_id: z.string(),
  frozen_state: z.string(),
  human_input: z.json().nullable(),
  original_event: z.json(),
  outcome: Outcome,
  answered_by: z.string().nullable(),
  answered_by_name: z.string().nullable(),
  answered_at: z.string(),
  via: AnswerVia.nullable(),
  /** Present when the answerer used Edit…: the value to use instead of proposed_input. */
  edited_input: z.json().optional(),
  /** The reason typed with a Deny (absent when none). */
  message: z.string().optional(),
  /** With `via` grant or rule: which one decided. */
  decided_by: DecidedBy.optional(),
  notes: z.array(Note),
  /** With `required_approvals` > 1: everyone who chose the winning option. */
  approvals: z.array(z.string()).optional(),
  /** With a `github_ref`: the commit the answer was given for (the ref's head then, which may have moved). */
  approved_sha: z.string().optional(),
});
export type Reentry = z.infer<typeof Reentry>;

/** The 14 keys of the interoperable format, in the order the Python implementation emits them. */
export const WIRE_KEYS = [
  'id',
  'reason',
  'frozen_state',
  'original_event',
  'required_type',
  'deadline',
  'escalation',
  'prompt',
  'options',
  'severity',
  'created_at',
  'resolved_at',
  'cancelled_at',
  'voided_at',
] as const;
