import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { Answerers, Delivery } from './domain/token.js';
import { ConfigError } from './errors.js';

const Name = z.string().regex(/^[\w.-]{1,100}$/, 'may hold letters, digits, ".", "_" and "-" only');

/** What happens at a deadline when the token does not say: `resolve:<option>` must come from the token itself. */
export const DefaultExpiryPolicy = z.enum(['escalate', 'expire'], {
  error: 'must be "escalate" or "expire" ("resolve:<option>" only on a token)',
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
});
export type ProjectRoute = z.infer<typeof ProjectRoute>;

/** Per-runner defaults in the RODIZIO_CONFIG file. */
export const RunnerDefaults = z.strictObject({
  delivery: Delivery.optional(),
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
