import { z } from 'zod';
import type { RefState } from '../../blocks/stale-ref.js';
import type { Clock } from '../clock.js';
import { branchName, CommitSha, pullNumber, type RefKey } from '../domain/github-ref.js';
import type { Token } from '../domain/token.js';
import type { Logger } from '../logger.js';
import type { Purgatory } from '../purgatory.js';
import type { GithubRefStore } from '../store/github-refs.js';
import type { GitHubClient } from './client.js';
import { describeGitHubError } from './errors.js';

/** How a ref's move became known: a push / pull_request webhook, or the polling sweep. */
export type MoveSource = 'webhook' | 'poll';

/** What the card shows about a github_ref token's commit (undefined for a token without one). */
export async function readRefState(store: Pick<GithubRefStore, 'get'>, token: Token): Promise<RefState | undefined> {
  if (!token.github_ref) return undefined;
  const row = await store.get(token.id);
  return {
    repo: token.github_ref.repo,
    ref: token.github_ref.ref,
    seen: token.github_ref.sha,
    head: row?.head_sha ?? token.github_ref.sha,
    movedAt: row?.moved_ms ?? null,
    approved: row?.approved_sha ?? null,
  };
}

/**
 * Records that `key` now points at `sha`, for every pending token watching it whose known head differs: the
 * head moves (compare-and-set), a `ref_moved` audit event says from what to what, the votes of a quorum are
 * cleared (they were for the old commit), and the card is drawn again. One transaction; returns how many
 * tokens moved. Idempotent: a webhook delivered twice or a poll after the webhook moves nothing.
 */
export function createRefMover({ purgatory }: { purgatory: Purgatory }) {
  return async function moveRef(key: RefKey, sha: string, via: MoveSource): Promise<number> {
    const behind = await purgatory.store.githubRefs.behind(key.repo, key.ref, sha);
    if (behind.length === 0) return 0;
    return purgatory.change(async (ctx) => {
      let moved = 0;
      for (const row of behind) {
        const token = await ctx.token(row.token_id);
        if (token.status !== 'pending') continue;
        if (!(await ctx.tx.githubRefs.move(row.token_id, row.head_sha, sha, ctx.nowMs))) continue;
        const votes = token.required_approvals > 1 ? (await ctx.tx.approvals.forToken(token.id)).length : 0;
        if (votes > 0) await ctx.tx.approvals.removeForToken(token.id);
        await ctx.event({
          tokenId: token.id,
          type: 'ref_moved',
          actor: via === 'webhook' ? 'github' : 'rodizio',
          data: {
            repo: token.github_ref?.repo ?? key.repo,
            ref: token.github_ref?.ref ?? key.ref,
            from: row.head_sha,
            to: sha,
            seen: row.seen_sha,
            via,
            ...(votes > 0 ? { votes_cleared: votes } : {}),
          },
        });
        await ctx.plan({ type: 'updated', token, what: 'ref_moved' });
        moved++;
      }
      return moved;
    });
  };
}

export type RefMover = ReturnType<typeof createRefMover>;

/** The part of `GET /repos/{owner}/{repo}/pulls/{n}` the poll reads. */
const PullHead = z.object({ head: z.object({ sha: CommitSha }) });

/** What the poller remembers of a ref: the ETag of its last answer, the sha it said, when it was asked. */
interface Polled {
  etag: string | undefined;
  sha: string;
  at: number;
}

const PAGE = 200;
const status = (err: unknown) => (err as { status?: number })?.status;

/**
 * The sweep that notices moved refs without webhooks: each ref some pending token watches is asked for once per
 * sweep (however many tokens watch it), at most once per `intervalMs`, with `If-None-Match` — a 304 costs no rate
 * limit. Branches: `GET /repos/{o}/{r}/commits/{branch}` with the `sha` media type (40 bytes back); pull requests:
 * `GET /repos/{o}/{r}/pulls/{n}` (its head). ETags are kept in memory: they only save rate limit, the last known
 * head is in the database, so a restart costs one full request per ref and nothing else.
 */
export function createRefPoller(deps: {
  store: Pick<GithubRefStore, 'watched'>;
  client: () => GitHubClient | undefined;
  move: RefMover;
  clock: Clock;
  intervalMs: number;
  logger: Logger;
}) {
  const { store, move, clock, intervalMs } = deps;
  const log = deps.logger.child({ component: 'github-refs' });
  const polled = new Map<string, Polled>();
  const keyOf = (k: RefKey) => `${k.repo} ${k.ref}`;

  async function head(client: GitHubClient, key: RefKey): Promise<string> {
    const [owner = '', repo = ''] = key.repo.split('/');
    const last = polled.get(keyOf(key));
    const conditional = last?.etag ? { 'if-none-match': last.etag } : {};
    const pull = pullNumber(key.ref);
    try {
      const res =
        pull !== undefined
          ? await client.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', {
              owner,
              repo,
              pull_number: pull,
              headers: conditional,
            })
          : await client.request('GET /repos/{owner}/{repo}/commits/{ref}', {
              owner,
              repo,
              ref: branchName(key.ref) ?? key.ref,
              headers: { ...conditional, accept: 'application/vnd.github.sha' },
            });
      // With the sha media type the body is the bare sha (Octokit's types describe the JSON commit instead).
      const data: unknown = res.data;
      const sha =
        pull !== undefined ? PullHead.parse(data).head.sha : CommitSha.parse(String(data).trim().toLowerCase());
      polled.set(keyOf(key), { etag: res.headers.etag, sha, at: clock.now() });
      return sha;
    } catch (err) {
      if (status(err) !== 304 || !last) throw err;
      last.at = clock.now();
      return last.sha;
    }
  }

  return {
    /** One sweep: every watched ref that is due, each once. */
    async poll(): Promise<Record<string, number>> {
      const client = deps.client();
      if (!client) return { moved: 0, errors: 0 };
      const result = { moved: 0, errors: 0 };
      const seen = new Set<string>();
      let after: RefKey | null = null;
      for (;;) {
        const page: RefKey[] = await store.watched(after, PAGE);
        for (const key of page) {
          seen.add(keyOf(key));
          const last = polled.get(keyOf(key));
          if (last && clock.now() - last.at < intervalMs) continue;
          try {
            result.moved += await move(key, await head(client, key), 'poll');
          } catch (err) {
            result.errors++;
            log.warn({ repo: key.repo, ref: key.ref, error: describeGitHubError(err) }, 'cannot read a watched ref');
            // Rate limited: the rest of this sweep would fail the same way.
            if (status(err) === 403 || status(err) === 429) return result;
          }
        }
        after = page.at(-1) ?? null;
        if (page.length < PAGE) break;
      }
      // Refs nobody waits on any more are forgotten.
      for (const k of polled.keys()) if (!seen.has(k)) polled.delete(k);
      return result;
    },
  };
}

export type RefPoller = ReturnType<typeof createRefPoller>;
