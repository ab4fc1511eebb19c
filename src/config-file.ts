import { readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { parseHostPattern, parseUrlPrefix } from './delivery/url-patterns.js';
import { PermissionRule } from './domain/permission.js';
import { Answerers, Delivery, HostId } from './domain/token.js';
import { ConfigError } from './errors.js';
import { SubscriptionInput } from './events/event.js';
import { QuietHours } from './followups/quiet-hours.js';
import { ForgeLogin, RequiredPermission, SlackUserId } from './identity/login.js';
import { isValidTimeZone, parseDuration } from './time.js';

const Name = z.string().regex(/^[\w.-]{1,100}$/, 'may hold letters, digits, ".", "_" and "-" only');

/** What happens at a deadline when the token does not say: `resolve:<option>` must come from the token itself. */
export const DefaultExpiryPolicy = z.enum(['escalate', 'expire'], {
  error: 'must be "escalate" or "expire" ("resolve:<option>" only on a token)',
});

/** A duration such as `15m`, `1h` or `1h30m` between `min` and `max` ms, read as milliseconds. */
const Interval = (min: number, max: number, words: string) =>
  z.string().transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined || ms < min || ms > max) {
      ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration ${words} (like "15m", "1h", "1h30m")` });
      return z.NEVER;
    }
    return ms;
  });

/** Per-project routing in the RODIZIO_CONFIG file. */
export const ProjectRoute = z.strictObject({
  /** Channel id (or name) for this project's cards; falls back to SLACK_CHANNEL. */
  channel: z.string().min(1).optional(),
  /** Channel for deadline escalations and phase escalations; falls back to SLACK_ESCALATION_CHANNEL. */
  escalation_channel: z.string().min(1).optional(),
  /** Who may answer this project's tokens when a token does not say. */
  answerers: Answerers.optional(),
  /** The GitHub repository (`owner/repo`) the project's issue numbers refer to. */
  repo: z
    .string()
    .regex(/^[\w.-]+\/[\w.-]+$/, 'must look like owner/repo')
    .optional(),
  /** Who to mention on escalations: a Slack user (U…), user group (S…) or a name from escalation_targets. */
  oncall: z.string().min(1).optional(),
  /** Deadline policy for this project's tokens that name none. */
  expiry_policy: DefaultExpiryPolicy.optional(),
  /**
   * Whoever answers this project's `critical` tokens must have this access to `repo` on the forge, through the
   * forge login linked to their Slack account (identities, `/rodizio link`). A token's `answerer_permission` wins.
   */
  critical_permission: RequiredPermission.optional(),
  /** `{"every": "1h"}`: `info` tokens wait for one digest message per interval instead of a card each. */
  digest: z.strictObject({ every: Interval(60_000, 86_400_000, 'from 1m to 24h') }).optional(),
  /** `{"window": "2m"}`: a runner's tokens arriving together go into one thread under a parent message. */
  grouping: z.strictObject({ window: Interval(1000, 3_600_000, 'from 1s to 1h').default(120_000) }).optional(),
  /**
   * `{"tz": "Europe/Lisbon", "from": "20:00", "to": "08:00", "days": ["sat", "sun"]}`: reminders and escalations of
   * non-critical tokens that fall inside wait until the quiet hours end (see src/followups/quiet-hours.ts).
   */
  quiet_hours: QuietHours.optional(),
});
export type ProjectRoute = z.infer<typeof ProjectRoute>;

const HostPatternText = z.string().superRefine((text, ctx) => {
  const parsed = parseHostPattern(text);
  if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: `"${text}": ${parsed}` });
});

const UrlPrefixText = z.string().superRefine((text, ctx) => {
  const parsed = parseUrlPrefix(text);
  if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: `"${text}": ${parsed}` });
});

const AbsoluteDir = z
  .string()
  .min(1)
  .max(1024)
  .refine((p) => isAbsolute(p) && !p.includes('\0'), 'must be an absolute path');

const SessionGlob = z
  .string()
  .regex(/^[\w.@*?-]{1,100}$/, 'must be a tmux session name or a glob of one (* and ? as wildcards)');

/**
 * Where a runner may aim its reentries (`runners.<name>.allow`), checked when a token is created and again
 * when the bridge connects. Without it: webhooks to public addresses only (http or https), no file, reply-file
 * or tmux targets. The runner's own `delivery` default is written by the operator and is not checked.
 */
export const DeliveryAllow = z
  .strictObject({
    /**
     * Hosts a webhook URL may name: `hooks.example.com` (any port), `hooks.example.com:8443`, `[fd00::7]:80`,
     * `*.example.com` (any subdomain, not the domain itself), or `*`. With neither this nor `webhook_prefixes`
     * set, any host may be named; `[]` refuses every webhook. Naming a host does not allow a private address.
     */
    webhook_hosts: z.array(HostPatternText).max(200).optional(),
    /**
     * URL prefixes a webhook URL may start with, compared parsed: same scheme, host and port, and a path at or
     * under the prefix's path (`https://hooks.example.com/rodizio` allows `/rodizio` and `/rodizio/...`).
     */
    webhook_prefixes: z.array(UrlPrefixText).max(200).optional(),
    /**
     * Let webhooks reach loopback, link-local, private, CGNAT and other non-public addresses (a literal, or what
     * a host name resolves to when the bridge connects). Needs `webhook_hosts` or `webhook_prefixes` naming the
     * receivers, and `*` may not be one of them.
     */
    private_networks: z.boolean().default(false),
    /**
     * Absolute folders that `file` targets (the folder itself or below) and `reply_file` targets (below) must
     * resolve into, symlinks and `..` resolved. Empty: no file targets.
     */
    file_dirs: z.array(AbsoluteDir).max(100).default([]),
    /** tmux session names the runner may type into, as globs (`dev-*`, `agent-?`, `*`). Empty: no tmux targets. */
    tmux_sessions: z.array(SessionGlob).max(200).default([]),
  })
  .superRefine((allow, ctx) => {
    if (!allow.private_networks) return;
    const named = [...(allow.webhook_hosts ?? []), ...(allow.webhook_prefixes ?? [])];
    if (named.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['private_networks'],
        message: 'needs webhook_hosts or webhook_prefixes naming the private receivers this runner may reach',
      });
    }
    if (allow.webhook_hosts?.includes('*')) {
      ctx.addIssue({
        code: 'custom',
        path: ['webhook_hosts'],
        message: '"*" with private_networks would open every internal address (cloud metadata too): name the hosts',
      });
    }
  });
export type DeliveryAllow = z.infer<typeof DeliveryAllow>;

/** Per-runner settings in the RODIZIO_CONFIG file. */
export const RunnerDefaults = z.strictObject({
  /** Where the runner's reentries go when a token names no target; trusted (the operator wrote it). */
  delivery: Delivery.optional(),
  /** Which delivery targets the runner's tokens may name. */
  allow: DeliveryAllow.optional(),
  /**
   * The host (RODIZIO_HOST_ID) the runner's agents run on: with several replicas, its tmux and file deliveries
   * run on that host's replica. A target's own `host` wins.
   */
  host: HostId.optional(),
  /**
   * The IANA time zone the runner's agents write naive times in (`America/New_York`): Python's `datetime.now()`
   * has no offset. Without it, an offset is inferred per token from a naive created_at (see src/lifecycle/time-zones.ts).
   */
  timezone: z
    .string()
    .refine(isValidTimeZone, { error: (i) => `"${String(i.input)}" is not an IANA time zone such as America/New_York` })
    .optional(),
  /**
   * Webhooks that receive this runner's audit events (`[{url, types?, project?}]`), signed with its secret. Written
   * by the operator, so trusted like `delivery`; they cannot be deleted through the API.
   */
  subscriptions: z.array(SubscriptionInput).max(100).optional(),
});

/** The optional JSON file named by RODIZIO_CONFIG: routing and policies. */
export const FileConfig = z.strictObject({
  $schema: z.string().optional(),
  projects: z.record(Name, ProjectRoute).default({}),
  runners: z.record(Name, RunnerDefaults).default({}),
  /** Names used in a token's `escalation` field mapped to a Slack user (U…), user group (S…) or channel (C…). */
  escalation_targets: z
    .record(z.string().min(1), z.string().regex(/^[UWSCG][A-Z0-9]{2,}$/, 'must be a Slack user, group or channel id'))
    .default({}),
  /** Escalation channels by severity, used when the project names none. */
  severity_channels: z.partialRecord(z.enum(['info', 'warning', 'critical']), z.string().min(1)).default({}),
  /**
   * Permission requests answered before anyone is asked: `{tool, match, decision, runner?}`, `match` a regular
   * expression on the request's subject (a Bash command, a URL, a file path, else the input as JSON). A deny
   * rule that matches wins; otherwise the first match. A bad rule stops start-up, named by its index.
   */
  rules: z.array(PermissionRule).max(1000).default([]),
  /** Slack user id → forge login, declared by the operator; wins over links people make with `/rodizio link`. */
  identities: z
    .record(SlackUserId, ForgeLogin, {
      error: (i) => (i.code === 'invalid_key' ? 'must be a Slack user id such as U0123ABCD' : undefined),
    })
    .optional(),
});
export type FileConfig = z.infer<typeof FileConfig>;

/** One line per problem, each starting with the variable (or file key) it concerns. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `  ${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('\n');
}

/** Reads and validates the RODIZIO_CONFIG file. */
export function loadFileConfig(path: string): FileConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`RODIZIO_CONFIG: cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`RODIZIO_CONFIG: ${path} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  const parsed = FileConfig.safeParse(json);
  if (!parsed.success) {
    throw new ConfigError(`RODIZIO_CONFIG: ${path} is invalid:\n${describeIssues(parsed.error)}`);
  }
  return parsed.data;
}
