import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { Answerers, Delivery } from './domain/token.js';
import { ConfigError } from './errors.js';
import { parseDuration } from './time.js';

const Name = z.string().regex(/^[\w.-]{1,100}$/, 'may hold letters, digits, ".", "_" and "-" only');

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
  escalation_targets: z.record(z.string().min(1), z.string().regex(/^[UWSCG][A-Z0-9]{2,}$/)).default({}),
});
export type FileConfig = z.infer<typeof FileConfig>;

const LogLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** Parses `runner:secret,runner2:secret2`. */
const ApiTokens = z
  .string()
  .default('')
  .transform((text, ctx) => {
    const map = new Map<string, string>();
    for (const [i, entry] of text
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean)
      .entries()) {
      const at = entry.indexOf(':');
      const runner = entry.slice(0, at);
      const secret = entry.slice(at + 1);
      if (at <= 0 || secret.length === 0) {
        ctx.addIssue({ code: 'custom', message: `entry ${i + 1} must look like runner:secret` });
        continue;
      }
      if (!/^[\w.-]{1,100}$/.test(runner)) {
        ctx.addIssue({
          code: 'custom',
          message: `runner name "${runner}" may hold letters, digits, ".", "_" and "-" only`,
        });
        continue;
      }
      if (map.has(runner)) ctx.addIssue({ code: 'custom', message: `runner "${runner}" is listed twice` });
      map.set(runner, secret);
    }
    return map;
  });

/** A duration such as `1s`, `6h`, `30d`. */
const Duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration such as 90s, 6h or 30d` });
        return z.NEVER;
      }
      return ms;
    });

const Env = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().min(1).default('127.0.0.1'),
    RODIZIO_DB: z.string().min(1).default('./data/rodizio.db'),
    RODIZIO_API_TOKENS: ApiTokens,
    RODIZIO_ADMIN_TOKEN: z.string().min(1).optional(),
    RODIZIO_CONFIG: z.string().min(1).optional(),
    LOG_LEVEL: LogLevel.default('info'),
    SLACK_BOT_TOKEN: z
      .string()
      .regex(/^xoxb-/, 'must be a bot token (xoxb-…)')
      .optional(),
    SLACK_SIGNING_SECRET: z.string().min(1).optional(),
    SLACK_APP_TOKEN: z
      .string()
      .regex(/^xapp-/, 'must be an app-level token (xapp-…)')
      .optional(),
    SLACK_API_URL: z.url({ protocol: /^https?$/ }).optional(),
    SLACK_CHANNEL: z.string().min(1).optional(),
    SLACK_ESCALATION_CHANNEL: z.string().min(1).optional(),
    SLACK_POST_INTERVAL: Duration('1s'),
    GITHUB_WEB_URL: z.url({ protocol: /^https?$/ }).default('https://github.com'),
  })
  .superRefine((e, ctx) => {
    if (!e.SLACK_BOT_TOKEN) {
      for (const key of ['SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN', 'SLACK_CHANNEL'] as const) {
        if (e[key])
          ctx.addIssue({ code: 'custom', path: ['SLACK_BOT_TOKEN'], message: `is required when ${key} is set` });
      }
      return;
    }
    if (!e.SLACK_SIGNING_SECRET && !e.SLACK_APP_TOKEN) {
      ctx.addIssue({
        code: 'custom',
        path: ['SLACK_SIGNING_SECRET'],
        message: 'is required with SLACK_BOT_TOKEN (HTTP mode); or set SLACK_APP_TOKEN for Socket Mode',
      });
    }
    if (!e.SLACK_CHANNEL) {
      ctx.addIssue({
        code: 'custom',
        path: ['SLACK_CHANNEL'],
        message: 'is required with SLACK_BOT_TOKEN: the default channel for cards',
      });
    }
  });

/** Slack settings; present when SLACK_BOT_TOKEN is set. */
export interface SlackConfig {
  botToken: string;
  /** HTTP mode verifies requests with it; Socket Mode does not need it. */
  signingSecret: string | undefined;
  /** Set → Socket Mode. */
  appToken: string | undefined;
  /** Web API base URL (tests and the sandbox point it at the fake Slack). */
  apiUrl: string | undefined;
  channel: string;
  escalationChannel: string | undefined;
  /** Minimum gap between chat.postMessage calls to one channel. */
  postIntervalMs: number;
}

export interface Config {
  port: number;
  host: string;
  dbPath: string;
  /** runner name → bearer secret */
  apiTokens: Map<string, string>;
  adminToken: string | undefined;
  configFile: string | undefined;
  logLevel: z.infer<typeof LogLevel>;
  file: FileConfig;
  slack: SlackConfig | undefined;
  /** Where GitHub issue links point (an Enterprise host differs from github.com). */
  githubWebUrl: string;
}

/** One line per problem, each starting with the variable (or file key) it concerns. */
function describeIssues(error: z.ZodError): string {
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

/**
 * Builds the configuration from environment variables (and the RODIZIO_CONFIG file they name).
 * Throws ConfigError naming each bad variable; empty strings count as unset.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = Env.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(`invalid configuration:\n${describeIssues(parsed.error)}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    dbPath: e.RODIZIO_DB,
    apiTokens: e.RODIZIO_API_TOKENS,
    adminToken: e.RODIZIO_ADMIN_TOKEN,
    configFile: e.RODIZIO_CONFIG,
    logLevel: e.LOG_LEVEL,
    file: e.RODIZIO_CONFIG ? loadFileConfig(e.RODIZIO_CONFIG) : FileConfig.parse({}),
    slack: e.SLACK_BOT_TOKEN
      ? {
          botToken: e.SLACK_BOT_TOKEN,
          signingSecret: e.SLACK_SIGNING_SECRET,
          appToken: e.SLACK_APP_TOKEN,
          apiUrl: e.SLACK_API_URL,
          channel: e.SLACK_CHANNEL as string,
          escalationChannel: e.SLACK_ESCALATION_CHANNEL,
          postIntervalMs: e.SLACK_POST_INTERVAL,
        }
      : undefined,
    githubWebUrl: e.GITHUB_WEB_URL,
  };
}
