import type { Config } from '../config.js';
import type { AnswererPermission, Token } from '../domain/token.js';
import { FORGE_NAME, type Forge, permits, type RepoRef } from '../forge/forge.js';
import { parseIssueRef } from '../github/comments.js';
import type { Logger } from '../logger.js';
import type { Identities } from './identities.js';

/** The same shape as the Slack answerer check's verdict, so the two compose. */
export type RepoVerdict = { ok: true } | { ok: false; message: string };

/**
 * The access an answerer of `token` must have on its repository: the token's own `answerer_permission`, else
 * its project's `critical_permission` when the token is critical; undefined when none is asked.
 */
export function requiredPermission(
  config: Pick<Config, 'file'>,
  token: Pick<Token, 'answerer_permission' | 'severity' | 'project'>,
): AnswererPermission | undefined {
  if (token.answerer_permission) return token.answerer_permission;
  if (token.severity !== 'critical' || !token.project) return undefined;
  return config.file.projects[token.project]?.critical_permission;
}

/** The repository a token concerns: its GitHub issue's, else its project's. */
export function repositoryOf(config: Pick<Config, 'file'>, token: Pick<Token, 'github_issue' | 'project'>) {
  const issue = token.github_issue ? parseIssueRef(token.github_issue) : undefined;
  if (issue) return { owner: issue.owner, repo: issue.repo };
  const repo = token.project ? config.file.projects[token.project]?.repo : undefined;
  const [owner, name] = repo?.split('/') ?? [];
  return owner && name ? { owner, repo: name } : undefined;
}

export interface RepoPermissionDeps {
  config: Pick<Config, 'file'>;
  identities: Identities;
  /** Undefined when no forge is configured: tokens that ask for a permission cannot be answered in Slack then. */
  forge: Forge | undefined;
  logger: Logger;
}

/**
 * Checked when a person answers (or cancels) in Slack, before anything is recorded: a token that asks for
 * `write` or `admin` on its repository is answered only by someone whose linked forge login has it. The forge is
 * asked at answer time (permissions change), outside any transaction.
 */
export function createRepoPermissionCheck({ config, identities, forge, logger }: RepoPermissionDeps) {
  return async function mayAnswerOnForge(token: Token, slackUser: string): Promise<RepoVerdict> {
    const needs = requiredPermission(config, token);
    if (!needs) return { ok: true };
    const repo: RepoRef | undefined = repositoryOf(config, token);
    const forgeName = forge ? FORGE_NAME[forge.kind] : 'GitHub';
    if (!repo) {
      return {
        ok: false,
        message: `This needs ${needs} access to its repository, but it names none; it can be answered with the CLI or the API`,
      };
    }
    const repoName = `${repo.owner}/${repo.repo}`;
    const login = await identities.loginOf(slackUser);
    if (!login) {
      return {
        ok: false,
        message: `You need ${needs} access to ${repoName} to answer this, and your Slack account is not linked to a ${forgeName} account: run \`/rodizio link <${forgeName === 'GitHub' ? 'github' : 'forge'}-login>\` first`,
      };
    }
    if (!forge) return { ok: false, message: `Cannot check your access to ${repoName}: no forge is configured` };
    try {
      const has = await forge.permissionOf(repo, login);
      if (permits(has, needs)) return { ok: true };
      return {
        ok: false,
        message: `You need ${needs} access to ${repoName} to answer this; your linked ${forgeName} account ${login} has ${has}`,
      };
    } catch (err) {
      logger.warn({ err, repo: repoName, login }, 'cannot read a repository permission from the forge');
      const status = (err as { status?: number }).status;
      return {
        ok: false,
        message: `Cannot check ${login}'s access to ${repoName} on ${forgeName} right now${status ? ` (${status})` : ''}; try again in a moment`,
      };
    }
  };
}

export type RepoPermissionCheck = ReturnType<typeof createRepoPermissionCheck>;

/** `check` first (who may answer in Slack), then, when it allows, the forge permission check. */
export function withRepoPermission(
  check: (token: Token, slackUser: string) => Promise<RepoVerdict>,
  onForge: RepoPermissionCheck,
): (token: Token, slackUser: string) => Promise<RepoVerdict> {
  return async (token, slackUser) => {
    const first = await check(token, slackUser);
    return first.ok ? onForge(token, slackUser) : first;
  };
}
