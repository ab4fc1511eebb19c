import { setTimeout as sleep } from 'node:timers/promises';
import { RodizioError } from '../errors.js';
import type { Logger } from '../logger.js';
import { packageVersion } from '../package-info.js';
import {
  BLOCKED_LABEL_STYLE,
  type Forge,
  type IssueRef,
  REPO_PERMISSIONS,
  type RepoPermission,
  type RepoRef,
} from './forge.js';

/**
 * A refused or failed Gitea call. It carries `status` and `response` in Octokit's shape so the GitHub jobs'
 * classification (src/github/errors.ts: 404/422 permanent, 429/5xx retried) applies to both forges unchanged.
 */
export class ForgeHttpError extends RodizioError {
  readonly status: number;
  readonly response: { headers: Record<string, string>; data: { message?: string } };

  constructor(method: string, path: string, status: number, headers: Record<string, string>, data: unknown) {
    const message =
      typeof data === 'object' && data !== null && typeof (data as { message?: unknown }).message === 'string'
        ? (data as { message: string }).message
        : `HTTP ${status}`;
    super('forge_http', `${method} ${path}: ${status} ${message}`);
    this.name = 'ForgeHttpError';
    this.status = status;
    this.response = { headers, data: { message } };
  }
}

export interface GiteaForgeOptions {
  /** The API base, ending in `/api/v1` (see giteaApiUrl). */
  apiUrl: string;
  token: string;
  logger: Logger;
  /** Retries of 5xx and network errors inside one call, as Octokit's retry plugin does (the outbox retries again later). */
  retry?: { retries?: number; retryAfterBaseValue?: number };
  /** Per request. */
  timeoutMs?: number;
}

/** Labels per page when looking one up: Gitea's default maximum (MAX_RESPONSE_ITEMS). */
const PAGE = 50;
/** A repository with more labels than this is not searched further. */
const MAX_PAGES = 40;

const enc = encodeURIComponent;
const repoPath = ({ owner, repo }: RepoRef) => `/repos/${enc(owner)}/${enc(repo)}`;

interface GiteaLabel {
  id: number;
  name: string;
}

/** Gitea's access modes ranked with GitHub's roles: `owner` counts as `admin`. */
export function giteaPermission(permission: unknown): RepoPermission {
  if (permission === 'owner') return 'admin';
  return REPO_PERMISSIONS.includes(permission as RepoPermission) ? (permission as RepoPermission) : 'none';
}

/**
 * The forge over Gitea/Forgejo's REST API (`/api/v1`, `Authorization: token …`). Labels are added and removed
 * by numeric id, so a label's id is looked up (paginated) and remembered; a stale id (the label was deleted and
 * made again) is looked up once more.
 */
export function createGiteaForge(options: GiteaForgeOptions): Forge {
  const base = options.apiUrl.replace(/\/+$/, '');
  const retries = options.retry?.retries ?? 2;
  const retryBaseMs = options.retry?.retryAfterBaseValue ?? 1000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const log = options.logger.child({ component: 'forge' });
  const labelIds = new Map<string, number>();

  /** One call; 5xx and network errors are tried again (1, 4, 9… × base), a 429 after its Retry-After (≤ 60 s). */
  async function call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; data: T }> {
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await fetch(`${base}${path}`, {
          method,
          headers: {
            authorization: `token ${options.token}`,
            accept: 'application/json',
            'user-agent': `rodizio/${packageVersion()}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        if (attempt >= retries) throw err;
        log.warn({ err, method, path, attempt }, 'Forgejo/Gitea call failed; trying again');
        await sleep((attempt + 1) ** 2 * retryBaseMs);
        continue;
      }
      const text = await res.text();
      let data: unknown;
      try {
        data = text === '' ? undefined : JSON.parse(text);
      } catch {
        data = text;
      }
      if (res.ok) return { status: res.status, data: data as T };
      const headers: Record<string, string> = {};
      res.headers.forEach((value, name) => {
        headers[name] = value;
      });
      const retryAfter = Number(res.headers.get('retry-after'));
      const again =
        attempt < retries &&
        (res.status >= 500 || (res.status === 429 && Number.isFinite(retryAfter) && retryAfter <= 60));
      if (!again) throw new ForgeHttpError(method, path, res.status, headers, data);
      log.warn({ status: res.status, method, path, attempt }, 'Forgejo/Gitea answered an error; trying again');
      await sleep(res.status === 429 ? retryAfter * 1000 : (attempt + 1) ** 2 * retryBaseMs);
    }
  }

  /** The label's id in the repository, searching every page; undefined when there is none of that name. */
  async function findLabel(repo: RepoRef, name: string): Promise<number | undefined> {
    const key = `${repo.owner}/${repo.repo}\n${name}`;
    const known = labelIds.get(key);
    if (known !== undefined) return known;
    let loose: number | undefined;
    for (let page = 1; page <= MAX_PAGES; page++) {
      const { data } = await call<GiteaLabel[]>('GET', `${repoPath(repo)}/labels?page=${page}&limit=${PAGE}`);
      const labels = Array.isArray(data) ? data : [];
      const exact = labels.find((l) => l.name === name);
      if (exact) {
        labelIds.set(key, exact.id);
        return exact.id;
      }
      loose ??= labels.find((l) => l.name.toLowerCase() === name.toLowerCase())?.id;
      if (labels.length < PAGE) break;
    }
    if (loose !== undefined) labelIds.set(key, loose);
    return loose;
  }

  async function createLabel(repo: RepoRef, name: string): Promise<number> {
    const { data } = await call<GiteaLabel>('POST', `${repoPath(repo)}/labels`, {
      name,
      color: `#${BLOCKED_LABEL_STYLE.color}`,
      description: BLOCKED_LABEL_STYLE.description,
    });
    labelIds.set(`${repo.owner}/${repo.repo}\n${name}`, data.id);
    log.info({ repo: `${repo.owner}/${repo.repo}`, label: name }, 'created the label');
    return data.id;
  }

  /** Runs `fn` with the label's id; when a remembered id turns out stale (404/422), looks it up once more. */
  async function withLabel(
    repo: RepoRef,
    name: string,
    create: boolean,
    fn: (id: number) => Promise<void>,
  ): Promise<void> {
    const key = `${repo.owner}/${repo.repo}\n${name}`;
    const remembered = labelIds.has(key);
    const id = (await findLabel(repo, name)) ?? (create ? await createLabel(repo, name) : undefined);
    if (id === undefined) return;
    try {
      await fn(id);
    } catch (err) {
      labelIds.delete(key);
      const status = (err as { status?: number }).status;
      if (!remembered || (status !== 404 && status !== 422)) throw err;
      await withLabel(repo, name, create, fn);
    }
  }

  return {
    kind: 'gitea',

    addLabel(issue, name) {
      return withLabel(issue, name, true, async (id) => {
        await call('POST', `${issuePath(issue)}/labels`, { labels: [id] });
      });
    },

    removeLabel(issue, name) {
      return withLabel(issue, name, false, async (id) => {
        try {
          await call('DELETE', `${issuePath(issue)}/labels/${id}`);
        } catch (err) {
          if ((err as { status?: number }).status !== 404) throw err; // the issue has it no more
        }
      });
    },

    async comment(issue, body) {
      await call('POST', `${issuePath(issue)}/comments`, { body });
    },

    async permissionOf(repo, login) {
      const { data } = await call<{ permission?: string }>(
        'GET',
        `${repoPath(repo)}/collaborators/${enc(login)}/permission`,
      );
      return giteaPermission(data?.permission);
    },

    async profileText(login) {
      try {
        const { data } = await call<{ description?: string }>('GET', `/users/${enc(login)}`);
        return data?.description ?? '';
      } catch (err) {
        if ((err as { status?: number }).status === 404) return undefined;
        throw err;
      }
    },
  };
}

const issuePath = (i: IssueRef) => `${repoPath(i)}/issues/${i.issue}`;

/** The API base for FORGE_API_URL: the instance's address (`https://forge.example`) or its `/api/v1`. */
export function giteaApiUrl(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  return /\/api\/v1$/.test(trimmed) ? trimmed : `${trimmed}/api/v1`;
}

/** Where issue links point on a Gitea/Forgejo instance: its address without `/api/v1`. */
export function giteaWebUrl(apiUrl: string): string {
  return giteaApiUrl(apiUrl).replace(/\/api\/v1$/, '');
}
