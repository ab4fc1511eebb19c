import type { GitHubConfig } from '../config.js';
import { createGitHubClient, type GitHubClient, type GitHubClientOptions } from '../github/client.js';
import type { Logger } from '../logger.js';
import type { Forge } from './forge.js';
import { createGiteaForge } from './gitea.js';
import { createGitHubForge } from './github.js';

/**
 * The configured forge: Octokit for GitHub (the given client, so the composition root can share it), the
 * fetch-based client for Gitea/Forgejo. `options` are Octokit's retry settings, used by both.
 */
export function createForge(
  config: GitHubConfig,
  logger: Logger,
  options: GitHubClientOptions = {},
  client?: GitHubClient,
): Forge {
  if (config.forge === 'gitea') {
    if (config.auth.kind !== 'token') throw new Error('a Gitea/Forgejo forge authenticates with FORGE_TOKEN only');
    return createGiteaForge({ apiUrl: config.apiUrl, token: config.auth.token, logger, retry: options.retry });
  }
  return createGitHubForge(client ?? createGitHubClient(config, logger, options));
}
