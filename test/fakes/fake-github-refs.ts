/**
 * The fake GitHub's branches and pull request heads, with conditional requests: every answer carries an `ETag`,
 * and a request whose `If-None-Match` still matches gets a bodiless 304 (which GitHub does not count against the
 * rate limit). `GET /repos/{o}/{r}/commits/{ref}` answers the bare sha with `Accept: application/vnd.github.sha`
 * (the commit JSON otherwise); `GET /repos/{o}/{r}/pulls/{n}` answers the pull request with its `head`.
 */
import { createHash } from 'node:crypto';
import { type Answer, DOCS, fail } from './fake-github-http.js';

const COMMITS_DOCS = `${DOCS}/commits/commits#get-a-commit`;
const PULLS_DOCS = `${DOCS}/pulls/pulls#get-a-pull-request`;
const SEGMENT = '([^/]+)';
const COMMIT = new RegExp(`^/repos/${SEGMENT}/${SEGMENT}/commits/(.+)$`);
const PULL = new RegExp(`^/repos/${SEGMENT}/${SEGMENT}/pulls/(\\d+)$`);

/** A ref as tests name it: `main`, `refs/heads/main` or `pull/42`. */
function refKey(repo: string, ref: string): string {
  const pull = /^(?:refs\/)?pull\/(\d+)(?:\/head)?$/.exec(ref);
  const name = pull ? `pull/${pull[1]}` : ref.replace(/^(?:refs\/)?heads\//, '');
  return `${repo.toLowerCase()} ${name}`;
}

const etagOf = (text: string) => `"${createHash('sha256').update(text).digest('hex').slice(0, 32)}"`;

/** A header value, whichever way Node gave it. */
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** Weak comparison, as GitHub does: `W/"x"` matches `"x"`; a list matches if any entry does. */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const bare = (t: string) => t.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((t) => t.trim() === '*' || bare(t) === bare(etag));
}

export class GitHubRefs {
  readonly #heads = new Map<string, string>();
  readonly #htmlUrl: string;

  constructor(htmlUrl: string) {
    this.#htmlUrl = htmlUrl;
  }

  /** Points a branch (`main`, `refs/heads/main`) or a pull request head (`pull/42`) at `sha`. */
  set(repo: string, ref: string, sha: string): void {
    if (!/^[0-9a-f]{40}$/.test(sha)) throw new Error(`fake GitHub: not a full sha: ${sha}`);
    this.#heads.set(refKey(repo, ref), sha);
  }

  head(repo: string, ref: string): string | undefined {
    return this.#heads.get(refKey(repo, ref));
  }

  /**
   * The answer to a refs request, or undefined when the path is not one (the other routes answer it). The
   * caller checks credentials first and does not count a 304 against the rate limit.
   */
  answer(method: string, path: string, headers: Record<string, string | string[] | undefined>): Answer | undefined {
    if (method !== 'GET') return undefined;
    const commit = COMMIT.exec(path);
    const pull = commit ? null : PULL.exec(path);
    if (!commit && !pull) return undefined;
    const [owner = '', name = '', third = ''] = (commit ?? pull)?.slice(1) ?? [];
    let repo: string;
    let ref: string;
    try {
      repo = `${decodeURIComponent(owner)}/${decodeURIComponent(name)}`;
      ref = decodeURIComponent(third);
    } catch {
      return fail(404, 'Not Found');
    }
    const accept = one(headers.accept) ?? '';
    if (commit) {
      const sha = /^[0-9a-f]{40}$/.test(ref) ? ref : this.head(repo, ref);
      if (!sha) return fail(422, `No commit found for SHA: ${ref}`, COMMITS_DOCS);
      const shaOnly = /application\/vnd\.github(?:\.v3)?\.sha/.test(accept);
      const url = `${this.#htmlUrl}/${repo}/commit/${sha}`;
      const body = shaOnly ? sha : { sha, html_url: url, commit: { message: `Commit ${sha.slice(0, 7)}` } };
      return this.#conditional(body, shaOnly, headers);
    }
    const number = Number(ref);
    const sha = this.head(repo, `pull/${number}`);
    if (!sha) return fail(404, 'Not Found', PULLS_DOCS);
    const body = {
      number,
      state: 'open',
      html_url: `${this.#htmlUrl}/${repo}/pull/${number}`,
      head: { ref: `feature-${number}`, sha },
      base: { ref: 'main' },
    };
    return this.#conditional(body, false, headers);
  }

  #conditional(body: unknown, text: boolean, headers: Record<string, string | string[] | undefined>): Answer {
    const etag = etagOf(`${text ? 'sha' : 'json'}:${JSON.stringify(body)}`);
    if (matches(one(headers['if-none-match']), etag)) return { status: 304, headers: { etag } };
    return {
      status: 200,
      body,
      headers: { etag, ...(text ? { 'content-type': 'application/vnd.github.sha; charset=utf-8' } : {}) },
      ...(text ? { raw: true } : {}),
    };
  }
}
