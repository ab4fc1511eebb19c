import type { Octokit } from '@octokit/rest';
import type { MetricsRegistry } from './registry.js';

/** The fetch both clients call: Slack's WebClient `fetch` option and Octokit's `request.fetch`. */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

type Api = 'slack' | 'github';

/** The label of a call that got no HTTP answer: "timeout" when it was aborted by its time budget. */
function noAnswer(err: unknown): string {
  const name = (err as { name?: string } | undefined)?.name;
  return name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'network';
}

/**
 * Times one HTTP attempt and counts its status, errors and rate limits. `slackError` reads Slack's `ok: false`
 * answers (HTTP 200 with an error code in the body) from a clone, after the response went back to the caller.
 */
function observedFetch(m: MetricsRegistry, api: Api, method: string, base: FetchLike, slackError: boolean): FetchLike {
  return async (input, init) => {
    const end = m.apiCalls.startTimer({ api, method });
    let res: Response;
    try {
      res = await base(input, init);
    } catch (err) {
      const label = noAnswer(err);
      end({ status: label });
      m.apiErrors.inc({ api, method, error: label });
      throw err;
    }
    end({ status: String(res.status) });
    const limited =
      res.status === 429 ||
      (api === 'github' && res.status === 403 && res.headers.get('x-ratelimit-remaining') === '0');
    if (limited) m.rateLimited.inc({ api, method });
    // 304 is GitHub's "not modified" answer to a conditional request: a saved call, not an error.
    if (res.status >= 400) m.apiErrors.inc({ api, method, error: String(res.status) });
    else if (slackError && res.status === 200) {
      void res
        .clone()
        .json()
        .then((body: { ok?: boolean; error?: string }) => {
          if (body.ok === false) m.apiErrors.inc({ api, method, error: String(body.error ?? 'unknown') });
        })
        .catch(() => {});
    }
    return res;
  };
}

/**
 * The `fetch` to give Slack's WebClient (Bolt's clients too, through `clientOptions`): every Web API call is
 * timed and counted by its method (`chat.postMessage`, the last segment of the URL).
 */
export function slackFetch(m: MetricsRegistry, base: FetchLike = globalThis.fetch): FetchLike {
  return (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const method = url.slice(url.lastIndexOf('/') + 1).split('?')[0] || 'unknown';
    return observedFetch(m, 'slack', method, base, true)(input, init);
  };
}

/** The part of Octokit observed: its hook on requests. */
type Hookable = Pick<Octokit, 'hook'>;

/**
 * Observes an Octokit: a hook before every request swaps in a timed `fetch` labelled with the route template
 * (`POST /repos/{owner}/{repo}/issues/{issue_number}/labels`, bounded, unlike the URL). The options object is
 * changed in place on purpose: before-after-hook binds every inner hook to the options the chain started with, so
 * a copy handed on would be ignored. The fetch is what Octokit's retry and throttling plugins call again, so each
 * attempt is seen, 429s that the throttling plugin then waits out included.
 */
export function observeOctokit(m: MetricsRegistry, octokit: Hookable): void {
  octokit.hook.before('request', (options) => {
    const base: FetchLike = options.request?.fetch ?? globalThis.fetch;
    if (OBSERVED.has(base)) return;
    const fetch = observedFetch(m, 'github', `${options.method} ${routeOf(options.url)}`, base, false);
    OBSERVED.add(fetch);
    options.request = { ...options.request, fetch };
  });
}

/** Fetches already timed, so a request made again through the hook is not counted twice. */
const OBSERVED = new WeakSet<FetchLike>();

/** A route template as it is; a full URL (a next page's link) as its path with numbers folded, to bound the labels. */
function routeOf(url: string): string {
  if (!url.includes('://')) return url;
  try {
    return new URL(url).pathname.replace(/\/\d+(?=\/|$)/g, '/{n}');
  } catch {
    return 'unknown';
  }
}
