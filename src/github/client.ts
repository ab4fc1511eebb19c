import { createAppAuth } from '@octokit/auth-app';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import type { GitHubConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { packageVersion } from '../package-info.js';

// Typed as plain Octokit: the plugins only add options and a `retry` helper rodizio does not call.
const RodizioOctokit: typeof Octokit = Octokit.plugin(retry, throttling);
export type GitHubClient = Octokit;

export interface GitHubClientOptions {
  /** Octokit's own retries of 5xx (the outbox retries again later); tests lower the wait. */
  retry?: { retries?: number; retryAfterBaseValue?: number };
  /** The throttling plugin serializes writes about 1 s apart; tests turn it off. */
  throttle?: boolean;
}

/**
 * Octokit with the retry and throttling plugins, authenticated with a personal token or as a GitHub App
 * installation, pointed at GITHUB_API_URL (github.com, or GitHub Enterprise's `/api/v3`).
 * Rate limits: wait and retry twice when GitHub says it is soon; otherwise fail the call and let the outbox
 * come back later.
 */
export function createGitHubClient(
  config: GitHubConfig,
  logger: Logger,
  options: GitHubClientOptions = {},
): GitHubClient {
  const log = logger.child({ component: 'github' });
  const auth =
    config.auth.kind === 'token'
      ? { auth: config.auth.token }
      : {
          authStrategy: createAppAuth,
          auth: {
            appId: config.auth.appId,
            privateKey: config.auth.privateKey,
            installationId: config.auth.installationId,
          },
        };
  const onLimit =
    (kind: string) => (retryAfter: number, opts: { method: string; url: string }, _o: unknown, retryCount: number) => {
      const again = retryCount < 2 && retryAfter <= 60;
      log.warn(
        { retry_after_s: retryAfter, method: opts.method, url: opts.url, retrying: again },
        `GitHub ${kind} rate limit`,
      );
      return again;
    };
  return new RodizioOctokit({
    baseUrl: config.apiUrl.replace(/\/+$/, ''),
    userAgent: `rodizio/${packageVersion()}`,
    ...auth,
    log: {
      debug: (msg: string) => log.debug(msg),
      info: (msg: string) => log.debug(msg),
      warn: (msg: string) => log.warn(msg),
      error: (msg: string) => log.error(msg),
    },
    // 429 is left to the throttling plugin, which honours Retry-After (the retry plugin would ignore it).
    retry: { retries: 2, doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451], ...options.retry },
    throttle: {
      enabled: options.throttle ?? true,
      onRateLimit: onLimit('primary'),
      onSecondaryRateLimit: onLimit('secondary'),
    },
  });
}
