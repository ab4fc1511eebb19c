/** The shapes the fake GitHub answers with, the options it takes and the handle tests hold. */
import type { Clock } from '../../src/clock.js';

/** A user or bot as GitHub embeds it in issues and comments (the fields rodizio might read). */
export interface GitHubUser {
  login: string;
  id: number;
  node_id: string;
  type: 'User' | 'Bot';
}

/** A label as the REST API returns it. */
export interface GitHubLabel {
  id: number;
  node_id: string;
  url: string;
  name: string;
  color: string;
  description: string | null;
  default: boolean;
}

/** An issue comment as the REST API returns it. */
export interface GitHubComment {
  id: number;
  node_id: string;
  url: string;
  html_url: string;
  issue_url: string;
  body: string;
  user: GitHubUser;
  created_at: string;
  updated_at: string;
  author_association: string;
}

/** An issue as the REST API returns it (the commonly read fields). */
export interface GitHubIssue {
  id: number;
  node_id: string;
  url: string;
  repository_url: string;
  labels_url: string;
  comments_url: string;
  html_url: string;
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  locked: boolean;
  user: GitHubUser;
  labels: GitHubLabel[];
  assignee: null;
  assignees: never[];
  comments: number;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  author_association: string;
}

/** A label that exists before the test starts. */
export interface FakeLabelSeed {
  name: string;
  /** Six hex digits without `#`; `ededed` (GitHub's default) if left out. */
  color?: string;
  description?: string | null;
  default?: boolean;
}

/** An issue that exists before the test starts. */
export interface FakeIssueSeed {
  number: number;
  title?: string;
  body?: string | null;
  state?: 'open' | 'closed';
  /** Label names; labels missing from the repository are created. */
  labels?: string[];
}

export interface FakeGitHubOptions {
  host?: string;
  port?: number;
  /** A path prefix the API lives under, as GitHub Enterprise Server's `/api/v3`; `''` (api.github.com) by default. */
  prefix?: string;
  /** The only personal/installation token accepted besides tokens the fake issued; any non-empty one if unset. */
  token?: string;
  /** The GitHub App's id: app JWTs must carry it as `iss`. */
  appId?: number | string;
  /** The app's public key as PEM (the private key PEM works too): app JWTs must be RS256-signed by it. */
  appPublicKey?: string;
  /** Installation ids the app has; others answer 404. Any id if unset. */
  installations?: number[];
  /** The app's slug: comments written with an installation token are by `<slug>[bot]`. Default `rodizio`. */
  appSlug?: string;
  /** Who a personal token acts as. Default `rodizio-bot`. */
  login?: string;
  /** `owner/repo` names that exist; others answer 404. Any repository is created on first use if unset. */
  repos?: string[];
  /** Labels per `owner/repo` that exist from the start. */
  labels?: Record<string, FakeLabelSeed[]>;
  /** Issues per `owner/repo` that exist from the start. When given, other issue numbers answer 404. */
  issues?: Record<string, (number | FakeIssueSeed)[]>;
  /** Create issues on first reference even though `issues` is given. */
  autoCreateIssues?: boolean;
  /** Requests allowed per hour before GitHub's primary rate limit answers 403. Default 5000. */
  rateLimit?: number;
  /** Where `html_url`s point. Default `https://github.com`. */
  htmlUrl?: string;
  /** The clock for timestamps, token expiry, JWT checks and rate-limit windows. */
  clock?: Clock;
}

/** One request the fake received. */
export interface FakeGitHubCall {
  method: string;
  /** The path as sent (still percent-encoded), without the prefix and the query string. */
  path: string;
  query: string;
  /** The parsed JSON body, the raw text if it was not JSON, or undefined when empty. */
  body: unknown;
  /** The status answered; 0 when the connection was dropped. */
  status: number;
  at: number;
  /** The credential presented in `Authorization` (token or JWT), if any. */
  auth?: string;
  /** The `If-None-Match` sent (a conditional request), if any. */
  ifNoneMatch?: string;
}

/** Which requests a fault applies to: all those matching every given field. */
export interface FakeGitHubMatch {
  method?: string;
  /** Tested against the path without the prefix, e.g. `/\/issues\/\d+\/labels$/`. */
  path?: RegExp;
}

/**
 * An answer to force: a server error, a permission or primary-rate-limit 403, a secondary-rate-limit 429 with
 * `retry-after`, a 404 or 422, a delay before the normal answer, or a dropped connection.
 */
export type FakeGitHubFault =
  | { status: 500 | 502 | 503 }
  | { status: 403; rateLimited?: boolean; resetAfterSeconds?: number }
  | { status: 429; retryAfter: number }
  | { status: 404 }
  | { status: 422 }
  | { delayMs: number }
  | { disconnect: true };

/** An installation token the fake issued. */
export interface FakeInstallationToken {
  token: string;
  installationId: number;
  expiresAt: number;
}

export type FakeGitHubChange =
  | { kind: 'call'; call: FakeGitHubCall }
  | { kind: 'label'; repo: string; name: string }
  | { kind: 'issue'; repo: string; number: number }
  | { kind: 'comment'; repo: string; number: number; id: number }
  | { kind: 'token'; installationId: number };

/** A fake GitHub REST API on loopback; `start()` it, then give Octokit `baseUrl: fake.url`. */
export interface FakeGitHub {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The API base, prefix included (`http://127.0.0.1:PORT` or `…/api/v3`). */
  readonly url: string;
  readonly calls: readonly FakeGitHubCall[];
  /** Calls with this method whose path (without the prefix) matches. */
  callsTo(method: string, path: RegExp): FakeGitHubCall[];
  /** A repository's labels, sorted by name; `[]` for an unknown repository. */
  labels(repo: string): GitHubLabel[];
  issue(repo: string, number: number): GitHubIssue | undefined;
  comments(repo: string, number: number): GitHubComment[];
  /** The installation tokens issued so far. */
  readonly tokens: readonly FakeInstallationToken[];
  /** Seeds a label as if it had been created earlier. */
  addLabel(repo: string, label: FakeLabelSeed): GitHubLabel;
  /** Seeds an issue as if it had been opened earlier. */
  addIssue(repo: string, issue: FakeIssueSeed): GitHubIssue;
  /** Points a branch (`main`, `refs/heads/main`) or a pull request head (`pull/42`) at a commit (a push). */
  setRef(repo: string, ref: string, sha: string): void;
  refHead(repo: string, ref: string): string | undefined;
  /** Answers the next `times` matching requests with `fault`, oldest injection first. */
  inject(match: FakeGitHubMatch, fault: FakeGitHubFault, times?: number): void;
  clearFaults(): void;
  /** Every request answers 503 until `up()`. */
  down(): void;
  up(): void;
  subscribe(listener: (change: FakeGitHubChange) => void): () => void;
  /** Resolves with the first truthy `check()`, re-checked after every change; rejects after `timeoutMs`. */
  waitFor<T>(check: () => T | undefined | null | false, timeoutMs?: number): Promise<T>;
}
