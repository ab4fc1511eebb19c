import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import cron from 'node-cron';
import { z } from 'zod';
import { DefaultExpiryPolicy, describeIssues, FileConfig, loadFileConfig } from './config-file.js';
import { HostId } from './domain/token.js';
import { ConfigError } from './errors.js';
import type { ForgeKind } from './forge/forge.js';
import { giteaApiUrl, giteaWebUrl } from './forge/gitea.js';
import { parseDuration } from './time.js';

export { FileConfig, loadFileConfig, ProjectRoute, RunnerDefaults } from './config-file.js';

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

/** A duration such as `1s`, `6h`, `30d`; `0` only where `allowZero` says so. */
const Duration = (fallback: string, minMs = 0, allowZero = false) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const ms = text.trim() === '0' ? 0 : parseDuration(text);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration such as 90s, 6h or 30d` });
        return z.NEVER;
      }
      if (!(allowZero && ms === 0) && ms < minMs) {
        ctx.addIssue({ code: 'custom', message: `"${text}" is too short: at least ${minMs / 1000}s` });
        return z.NEVER;
      }
      return ms;
    });

/** A node-cron expression (5 fields, or 6 with seconds first), checked at start-up. */
const CronExpression = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .superRefine((text, ctx) => {
      const check = cron.validateDetailed(text);
      if (!check.valid) {
        const why = check.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
        ctx.addIssue({ code: 'custom', message: `"${text}" is not a cron expression (${why || 'bad syntax'})` });
      }
    });

const Env = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().min(1).default('127.0.0.1'),
    RODIZIO_DB: z
      .string()
      .min(1)
      .default('./data/rodizio.db')
      .refine((v) => !/^postgres(ql)?:/i.test(v) || URL.canParse(v), {
        message: 'a postgres:// URL must be a valid URL (postgres://user:password@host:5432/database)',
      }),
    // The same form as a delivery target's `host` and `runners.<name>.host`, so a replica can be named by them.
    RODIZIO_HOST_ID: HostId.optional(),
    RODIZIO_API_TOKENS: ApiTokens,
    RODIZIO_ADMIN_TOKEN: z.string().min(1).optional(),
    RODIZIO_METRICS_TOKEN: z
      .string()
      .regex(/^\S{16,}$/, 'must be at least 16 characters with no spaces (it is sent as a bearer token)')
      .optional(),
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
    GITHUB_WEB_URL: z.url({ protocol: /^https?$/ }).optional(),
    GITHUB_API_URL: z.url({ protocol: /^https?$/ }).default('https://api.github.com'),
    GITHUB_TOKEN: z.string().min(1).optional(),
    GITHUB_APP_ID: z.coerce.number().int().positive().optional(),
    GITHUB_APP_PRIVATE_KEY: z.string().min(1).optional(),
    GITHUB_APP_INSTALLATION_ID: z.coerce.number().int().positive().optional(),
    GITHUB_BLOCKED_LABEL: z.string().min(1).max(50).default('blocked'),
    GITHUB_WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters: use a long random string').optional(),
    GITHUB_REF_POLL: z.stringbool().optional(),
    GITHUB_REF_POLL_INTERVAL: Duration('1m', 10_000),
    FORGE: z
      .enum(['github', 'gitea'], { error: 'must be "github" or "gitea" (Forgejo speaks gitea)' })
      .default('github'),
    FORGE_API_URL: z.url({ protocol: /^https?$/ }).optional(),
    FORGE_TOKEN: z.string().min(1).optional(),
    RENOTIFY_INTERVAL: Duration('6h', 60_000),
    BLOCKED_AFTER: Duration('24h', 60_000),
    GC_RETENTION: Duration('30d', 3_600_000),
    CLAIM_LEASE: Duration('2h', 60_000),
    DEADLINE_WARNING: Duration('15m', 0, true),
    DEFAULT_EXPIRY_POLICY: DefaultExpiryPolicy.default('escalate'),
    UNBLOCK_ON_ANSWER: z.stringbool().default(true),
    DEADLINE_SCHEDULE: CronExpression('* * * * *'),
    RENOTIFY_SCHEDULE: CronExpression('*/5 * * * *'),
    BLOCKED_SCHEDULE: CronExpression('*/10 * * * *'),
    GC_SCHEDULE: CronExpression('30 3 * * *'),
    REFS_SCHEDULE: CronExpression('* * * * *'),
    RODIZIO_TMUX_SOCKET: z
      .string()
      .regex(/^[\w.-]{1,100}$/, 'a tmux -L socket name')
      .optional(),
    // Default depends on the mode (see phaseDirFor), so it is filled in after parsing.
    RODIZIO_PHASE_DIR: z.string().min(1).optional(),
    RODIZIO_PHASE_RESCAN: Duration('5s', 100),
    RODIZIO_PHASE_WATCH: z.stringbool().default(true),
    RODIZIO_PHASE_WATCH_EVENTS: z.stringbool().default(true),
    RODIZIO_SANDBOX: z.stringbool().optional(),
  })
  .superRefine((e, ctx) => {
    const issue = (key: string, message: string) => ctx.addIssue({ code: 'custom', path: [key], message });
    if (!e.SLACK_BOT_TOKEN) {
      for (const key of ['SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN', 'SLACK_CHANNEL'] as const) {
        if (e[key]) issue('SLACK_BOT_TOKEN', `is required when ${key} is set`);
      }
    } else {
      if (!e.SLACK_SIGNING_SECRET && !e.SLACK_APP_TOKEN) {
        issue(
          'SLACK_SIGNING_SECRET',
          'is required with SLACK_BOT_TOKEN (HTTP mode); or set SLACK_APP_TOKEN for Socket Mode',
        );
      }
      if (!e.SLACK_CHANNEL) issue('SLACK_CHANNEL', 'is required with SLACK_BOT_TOKEN: the default channel for cards');
    }
    const app = [e.GITHUB_APP_ID, e.GITHUB_APP_PRIVATE_KEY, e.GITHUB_APP_INSTALLATION_ID];
    if (app.some((v) => v !== undefined)) {
      for (const [key, value] of [
        ['GITHUB_APP_ID', e.GITHUB_APP_ID],
        ['GITHUB_APP_PRIVATE_KEY', e.GITHUB_APP_PRIVATE_KEY],
        ['GITHUB_APP_INSTALLATION_ID', e.GITHUB_APP_INSTALLATION_ID],
      ] as const) {
        if (value === undefined)
          issue(key, 'is required for GitHub App authentication (set all three, or GITHUB_TOKEN)');
      }
      if (e.GITHUB_TOKEN) issue('GITHUB_TOKEN', 'set either GITHUB_TOKEN or the GITHUB_APP_* variables, not both');
    }
    forgeIssues(e, issue);
  });

/** True for addresses only this machine can reach: `localhost`, 127.0.0.0/8 and ::1. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

/**
 * Where the bridge looks for phase files unless RODIZIO_PHASE_DIR says otherwise. A real deployment follows the
 * orchestrator convention (/tmp). The sandbox uses a private folder beside its database (`data/phase`, made
 * mode 0700 at start), so the demo's files are seen by this bridge only, not by every bridge on the machine
 * watching /tmp; `rodizio demo` reads the same setting, so both sides agree.
 */
export function phaseDirFor(sandbox: boolean, dbPath: string): string {
  if (!sandbox) return '/tmp';
  return /^[a-z]+:\/\//i.test(dbPath) ? join('data', 'phase') : join(dirname(dbPath), 'phase');
}

/** The sandbox workspace's channels: cards go to #agents, escalations to #oncall. */
export const SANDBOX_CHANNELS = { agents: 'C0AGENTS', oncall: 'C0ONCALL' } as const;

/** Slack settings; present when SLACK_BOT_TOKEN is set, or for the sandbox's fake workspace. */
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
  /** Bearer token GET /metrics requires; unset: /metrics is open. */
  metricsToken: string | undefined;
  configFile: string | undefined;
  logLevel: z.infer<typeof LogLevel>;
  file: FileConfig;
  slack: SlackConfig | undefined;
  /** Where GitHub issue links point (an Enterprise host differs from github.com). */
  githubWebUrl: string;
  /** Present when GITHUB_TOKEN or a GitHub App is configured. */
  github: GitHubConfig | undefined;
  /** Approvals tied to repository state (a token's github_ref): the webhook and the polling sweep. */
  githubRefs: GithubRefsConfig;
  followups: FollowupConfig;
  schedules: Record<SweepName, string>;
  /** `tmux -L` socket name for injections (unset: the default tmux server). */
  tmuxSocket: string | undefined;
  /**
   * The local sandbox: a built-in fake Slack and the /sandbox page. On when no Slack credentials are set (or
   * RODIZIO_SANDBOX=1); `slack` then describes the fake workspace.
   */
  sandbox: boolean;
  phase: PhaseConfig;
  /**
   * Which host this process is (RODIZIO_HOST_ID, default the hostname). Work tied to a machine — tmux and file
   * deliveries, phase files — runs only on a replica that declares the host it belongs to.
   */
  hostId: string;
}

export interface PhaseConfig {
  /** RODIZIO_PHASE_DIR was set: with several replicas, only those that set it watch phase files. */
  dirSet: boolean;
  /** Watch `dir` for `*.phase` files (RODIZIO_PHASE_WATCH). */
  enabled: boolean;
  dir: string;
  /** Watch events are lossy: rescan this often. */
  rescanMs: number;
  /** Use fs.watch events (false on file systems without them, such as NFS: rescans only). */
  events: boolean;
}

export type GitHubAuth =
  | { kind: 'token'; token: string }
  | { kind: 'app'; appId: number; privateKey: string; installationId: number };

export interface GitHubConfig {
  /** REST base URL: https://api.github.com, or https://host/api/v3 for GitHub Enterprise. */
  apiUrl: string;
  auth: GitHubAuth;
  blockedLabel: string;
  /** FORGE: `gitea` (Forgejo too) speaks Gitea's API at `apiUrl` (ending in /api/v1); absent means GitHub. */
  forge?: ForgeKind;
}

/**
 * FORGE=gitea needs FORGE_API_URL and FORGE_TOKEN and no GitHub App; with FORGE=github, FORGE_TOKEN and
 * FORGE_API_URL are other names for GITHUB_TOKEN and GITHUB_API_URL.
 */
function forgeIssues(
  e: { FORGE: ForgeKind; FORGE_API_URL?: string; FORGE_TOKEN?: string; GITHUB_TOKEN?: string; GITHUB_APP_ID?: number },
  issue: (key: string, message: string) => void,
): void {
  if (e.FORGE === 'gitea') {
    const what = 'is required with FORGE=gitea';
    if (!e.FORGE_API_URL) issue('FORGE_API_URL', `${what}: the Forgejo/Gitea address, e.g. https://forge.example.com`);
    if (!e.FORGE_TOKEN) issue('FORGE_TOKEN', `${what}: an access token of the account rodizio acts as`);
    if (e.GITHUB_APP_ID !== undefined) issue('GITHUB_APP_ID', 'GitHub App authentication is for FORGE=github only');
    if (e.GITHUB_TOKEN) issue('GITHUB_TOKEN', 'with FORGE=gitea set FORGE_TOKEN instead');
    return;
  }
  if (e.FORGE_TOKEN && (e.GITHUB_TOKEN || e.GITHUB_APP_ID !== undefined)) {
    issue('FORGE_TOKEN', 'set GITHUB_TOKEN, FORGE_TOKEN or the GITHUB_APP_* variables, only one of them');
  }
}

/** A project's `critical_permission` is checked on its repo through the forge: both must be there. */
function checkCriticalPermissions(file: FileConfig, forge: GitHubConfig | undefined): void {
  for (const [name, project] of Object.entries(file.projects)) {
    if (!project.critical_permission) continue;
    const key = `RODIZIO_CONFIG: projects.${name}.critical_permission`;
    if (!project.repo) throw new ConfigError(`${key} needs the project's repo (owner/repo) to check it on`);
    if (!forge) {
      throw new ConfigError(`${key} needs a forge to check it: set GITHUB_TOKEN, or FORGE=gitea with FORGE_TOKEN`);
    }
  }
}

/** The forge settings of a parsed environment (undefined without credentials). */
function forgeConfig(e: z.infer<typeof Env>): { web: string; github: GitHubConfig | undefined } {
  if (e.FORGE === 'gitea') {
    const apiUrl = giteaApiUrl(e.FORGE_API_URL as string);
    return {
      web: e.GITHUB_WEB_URL ?? giteaWebUrl(apiUrl),
      github: {
        forge: 'gitea',
        apiUrl,
        auth: { kind: 'token', token: e.FORGE_TOKEN as string },
        blockedLabel: e.GITHUB_BLOCKED_LABEL,
      },
    };
  }
  const apiUrl = e.FORGE_API_URL ?? e.GITHUB_API_URL;
  const token = e.GITHUB_TOKEN ?? e.FORGE_TOKEN;
  return {
    web: e.GITHUB_WEB_URL ?? webUrlFor(apiUrl),
    github:
      token || e.GITHUB_APP_ID
        ? {
            apiUrl,
            auth: token
              ? { kind: 'token', token }
              : {
                  kind: 'app',
                  appId: e.GITHUB_APP_ID as number,
                  // A PEM pasted into one line keeps its newlines as \n.
                  privateKey: (e.GITHUB_APP_PRIVATE_KEY as string).replace(/\\n/g, '\n'),
                  installationId: e.GITHUB_APP_INSTALLATION_ID as number,
                },
            blockedLabel: e.GITHUB_BLOCKED_LABEL,
          }
        : undefined,
  };
}

export interface FollowupConfig {
  renotifyIntervalMs: number;
  blockedAfterMs: number;
  gcRetentionMs: number;
  claimLeaseMs: number;
  /** 0 turns the "deadline soon" warning off. */
  deadlineWarningMs: number;
  defaultExpiryPolicy: 'escalate' | 'expire';
  unblockOnAnswer: boolean;
}

/** How rodizio learns that a token's branch or pull request moved. */
export interface GithubRefsConfig {
  /** GITHUB_WEBHOOK_SECRET: set → `POST /github/webhook` accepts GitHub's signed push and pull_request events. */
  webhookSecret: string | undefined;
  /** GITHUB_REF_POLL: the `refs` sweep asks GitHub (default: on unless the webhook is set up). */
  poll: boolean;
  /** GITHUB_REF_POLL_INTERVAL: a ref is asked for at most this often. */
  pollIntervalMs: number;
}

export type SweepName = 'deadlines' | 'renotify' | 'blocked' | 'gc' | 'refs';

/** The Web address GitHub issue links point to, derived from the API URL unless GITHUB_WEB_URL says otherwise. */
function webUrlFor(apiUrl: string): string {
  const url = new URL(apiUrl);
  if (url.hostname === 'api.github.com') return 'https://github.com';
  return `${url.origin}${url.pathname.replace(/\/api\/v3\/?$/, '')}`.replace(/\/+$/, '');
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
  // Without Slack credentials the bridge runs against its built-in fake Slack (RODIZIO_SANDBOX=0 turns that off).
  const sandbox = e.RODIZIO_SANDBOX ?? !e.SLACK_BOT_TOKEN;
  // The sandbox page lets whoever reaches it act as any person of the workspace and answer every card: a mode
  // chosen by default (no credentials) must not be reachable from the network by accident.
  if (sandbox && e.RODIZIO_SANDBOX !== true && !isLoopbackHost(e.HOST)) {
    throw new ConfigError(
      `HOST=${e.HOST} is not a loopback address, and without Slack credentials rodizio runs the sandbox, whose page lets anyone who reaches the port answer every card: set HOST=127.0.0.1, or RODIZIO_SANDBOX=1 to expose the sandbox on purpose`,
    );
  }
  const forge = forgeConfig(e);
  const file = e.RODIZIO_CONFIG ? loadFileConfig(e.RODIZIO_CONFIG) : FileConfig.parse({});
  checkCriticalPermissions(file, forge.github);
  return {
    port: e.PORT,
    host: e.HOST,
    dbPath: e.RODIZIO_DB,
    apiTokens: e.RODIZIO_API_TOKENS,
    adminToken: e.RODIZIO_ADMIN_TOKEN,
    metricsToken: e.RODIZIO_METRICS_TOKEN,
    configFile: e.RODIZIO_CONFIG,
    logLevel: e.LOG_LEVEL,
    file,
    sandbox,
    slack: sandbox
      ? {
          botToken: 'xoxb-sandbox',
          signingSecret: undefined, // made at start-up, shared by the bridge and the sandbox's own driver
          appToken: undefined,
          apiUrl: undefined,
          channel: SANDBOX_CHANNELS.agents,
          escalationChannel: SANDBOX_CHANNELS.oncall,
          postIntervalMs: cleaned.SLACK_POST_INTERVAL ? e.SLACK_POST_INTERVAL : 250,
        }
      : e.SLACK_BOT_TOKEN
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
    githubWebUrl: forge.web,
    github: forge.github,
    githubRefs: {
      webhookSecret: e.GITHUB_WEBHOOK_SECRET,
      poll: e.GITHUB_REF_POLL ?? !e.GITHUB_WEBHOOK_SECRET,
      pollIntervalMs: e.GITHUB_REF_POLL_INTERVAL,
    },
    followups: {
      renotifyIntervalMs: e.RENOTIFY_INTERVAL,
      blockedAfterMs: e.BLOCKED_AFTER,
      gcRetentionMs: e.GC_RETENTION,
      claimLeaseMs: e.CLAIM_LEASE,
      deadlineWarningMs: e.DEADLINE_WARNING,
      defaultExpiryPolicy: e.DEFAULT_EXPIRY_POLICY,
      unblockOnAnswer: e.UNBLOCK_ON_ANSWER,
    },
    tmuxSocket: e.RODIZIO_TMUX_SOCKET,
    hostId: e.RODIZIO_HOST_ID ?? hostname(),
    phase: {
      enabled: e.RODIZIO_PHASE_WATCH,
      dirSet: e.RODIZIO_PHASE_DIR !== undefined,
      dir: e.RODIZIO_PHASE_DIR ?? phaseDirFor(sandbox, e.RODIZIO_DB),
      rescanMs: e.RODIZIO_PHASE_RESCAN,
      events: e.RODIZIO_PHASE_WATCH_EVENTS,
    },
    schedules: {
      deadlines: e.DEADLINE_SCHEDULE,
      renotify: e.RENOTIFY_SCHEDULE,
      blocked: e.BLOCKED_SCHEDULE,
      gc: e.GC_SCHEDULE,
      refs: e.REFS_SCHEDULE,
    },
  };
}
