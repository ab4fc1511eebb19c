/**
 * A fake of GitHub's REST API as a real HTTP server on loopback: Octokit talks to it over HTTP (`baseUrl: fake.url`),
 * it keeps repositories, labels, issues and comments in memory, authenticates tokens and GitHub App JWTs, records
 * every request and can answer with 5xx, 403 (permission or rate limit), 429, 404, 422, delays and dropped sockets.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock } from '../../src/clock.js';
import { readBody } from '../../src/sandbox/fake-slack-http.js';
import { GitHubAuth } from './fake-github-auth.js';
import {
  type Answer,
  errorBody,
  faultAnswer,
  GitHubFaults,
  RATE_LIMIT_DOCS,
  RateBudget,
  requestId,
  testRegExp,
} from './fake-github-http.js';
import { GitHubRefs } from './fake-github-refs.js';
import { createDispatcher } from './fake-github-routes.js';
import { GitHubState } from './fake-github-state.js';
import type {
  FakeGitHub,
  FakeGitHubCall,
  FakeGitHubChange,
  FakeGitHubOptions,
  FakeIssueSeed,
} from './fake-github-types.js';

export { JWT_ERRORS } from './fake-github-auth.js';
export type * from './fake-github-types.js';

/** A fake GitHub REST API; `start()` it, then point Octokit's `baseUrl` at `url`. */
export function createFakeGitHub(options: FakeGitHubOptions = {}): FakeGitHub {
  const clock = options.clock ?? systemClock;
  const prefix = (options.prefix ?? '').replace(/\/+$/, '');
  if (prefix !== '' && !prefix.startsWith('/')) throw new Error(`fake GitHub: prefix must start with / (${prefix})`);
  const listeners = new Set<(change: FakeGitHubChange) => void>();
  const emit = (change: FakeGitHubChange) => {
    for (const listener of [...listeners]) {
      try {
        listener(change);
      } catch (err) {
        // A broken listener is a bug in the test, not an answer to the client: surface it out of band.
        setImmediate(() => {
          throw err;
        });
      }
    }
  };
  let server: Server | undefined;
  let origin = '';
  let isDown = false;
  const apiUrl = () => `${origin || 'http://127.0.0.1'}${prefix}`;
  const state = new GitHubState({
    clock,
    apiUrl,
    htmlUrl: (options.htmlUrl ?? 'https://github.com').replace(/\/+$/, ''),
    ...(options.repos ? { repos: options.repos } : {}),
    autoCreateIssues: options.autoCreateIssues ?? options.issues === undefined,
    onChange: emit,
  });
  const auth = new GitHubAuth({
    clock,
    token: options.token,
    appId: options.appId,
    appPublicKey: options.appPublicKey,
    appSlug: options.appSlug ?? 'rodizio',
    login: options.login ?? 'rodizio-bot',
  });
  const dispatch = createDispatcher({ state, auth, installations: options.installations, onChange: emit });
  const budget = new RateBudget(clock, options.rateLimit ?? 5000);
  const refs = new GitHubRefs((options.htmlUrl ?? 'https://github.com').replace(/\/+$/, ''));
  const faults = new GitHubFaults();
  const calls: FakeGitHubCall[] = [];
  const timers = new Set<NodeJS.Timeout>();

  for (const [repo, labels] of Object.entries(options.labels ?? {})) {
    for (const label of labels) seedLabel(repo, label);
  }
  for (const [repo, issues] of Object.entries(options.issues ?? {})) {
    for (const issue of issues)
      state.addIssue(state.seedRepo(repo), typeof issue === 'number' ? { number: issue } : issue);
  }

  function seedLabel(repo: string, label: Parameters<FakeGitHub['addLabel']>[1]) {
    const r = state.seedRepo(repo);
    const existing = state.label(r, label.name);
    if (existing) throw new Error(`fake GitHub: label ${label.name} already exists in ${repo}`);
    return state.renderLabel(r, state.createLabel(r, label));
  }

  const delay = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  function record(call: Omit<FakeGitHubCall, 'at'>) {
    const full = { ...call, at: clock.now() };
    calls.push(full);
    emit({ kind: 'call', call: full });
  }

  function send(res: ServerResponse, answer: Answer) {
    const text = answer.body === undefined ? '' : answer.raw ? String(answer.body) : JSON.stringify(answer.body);
    res.writeHead(answer.status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(text)),
      // From the fake's clock: @octokit/auth-app reads it to correct an app JWT for clock skew.
      date: new Date(clock.now()).toUTCString(),
      'x-github-request-id': requestId(),
      'x-github-media-type': 'github.v3; format=json',
      'x-github-api-version-selected': '2022-11-28',
      ...budget.headers(),
      ...answer.headers,
    });
    res.end(text);
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = (req.method ?? 'GET').toUpperCase();
    const inPrefix = url.pathname === prefix || url.pathname.startsWith(`${prefix}/`);
    const path = inPrefix ? url.pathname.slice(prefix.length) || '/' : url.pathname;
    const raw = await readBody(req);
    const credential = req.headers.authorization?.match(/^\S+\s+(\S+)/)?.[1];
    let body: unknown;
    let parseError = false;
    try {
      body = raw === '' ? undefined : JSON.parse(raw);
    } catch {
      body = raw;
      parseError = true;
    }
    const conditional = req.headers['if-none-match'];
    const base = {
      method,
      path,
      query: url.search,
      body,
      ...(credential ? { auth: credential } : {}),
      ...(typeof conditional === 'string' ? { ifNoneMatch: conditional } : {}),
    };
    const answer = (a: Answer) => {
      record({ ...base, status: a.status });
      if (!res.destroyed) send(res, a);
    };

    if (isDown) return answer({ status: 503, body: errorBody(503, 'Service Unavailable') });
    const fault = faults.take(method, path);
    if (fault && 'delayMs' in fault) await delay(fault.delayMs);
    else if (fault && 'disconnect' in fault) {
      record({ ...base, status: 0 });
      return req.socket.destroy();
    } else if (fault) return answer(faultAnswer(fault, budget));
    if (!inPrefix) return answer({ status: 404, body: errorBody(404, 'Not Found') });
    if (parseError) return answer({ status: 400, body: errorBody(400, 'Problems parsing JSON') });
    // Branches and pull request heads; a 304 (If-None-Match still matches) costs no rate limit.
    const ref = refs.answer(method, path, req.headers);
    if (ref && !auth.whoIs(credential ?? '')) return answer({ status: 401, body: errorBody(401, 'Bad credentials') });
    if (ref?.status === 304) return answer(ref);
    if (!budget.take()) {
      const message = 'API rate limit exceeded for user ID 1.';
      return answer({ status: 403, body: errorBody(403, message, RATE_LIMIT_DOCS) });
    }
    return answer(ref ?? dispatch(method, path, body, req.headers.authorization));
  }

  const fake: FakeGitHub = {
    async start() {
      if (server) return;
      const s = createServer((req, res) => {
        handle(req, res).catch((err: unknown) => {
          if (!res.headersSent) send(res, { status: 500, body: errorBody(500, `fake GitHub: ${String(err)}`) });
        });
      });
      server = s;
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
      });
      const address = s.address() as AddressInfo;
      const host = !options.host || options.host === '0.0.0.0' ? '127.0.0.1' : options.host;
      origin = `http://${host}:${address.port}`;
    },
    async stop() {
      const s = server;
      server = undefined;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      if (!s) return;
      await new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeAllConnections();
      });
    },
    get url() {
      if (!origin) throw new Error('the fake GitHub is not started: await fake.start() first');
      return apiUrl();
    },
    calls,
    callsTo: (method, path) => calls.filter((c) => c.method === method.toUpperCase() && testRegExp(path, c.path)),
    labels(repo) {
      const r = state.repo(repo, false);
      return r ? state.repoLabels(r) : [];
    },
    issue(repo, number) {
      const r = state.repo(repo, false);
      const issue = r && state.issue(r, number, false);
      return r && issue ? state.renderIssue(r, issue) : undefined;
    },
    comments(repo, number) {
      const r = state.repo(repo, false);
      const issue = r && state.issue(r, number, false);
      return r && issue ? state.renderComments(r, issue) : [];
    },
    tokens: auth.issued,
    addLabel: seedLabel,
    setRef: (repo, ref, sha) => refs.set(repo, ref, sha),
    refHead: (repo, ref) => refs.head(repo, ref),
    addIssue(repo: string, seed: FakeIssueSeed) {
      const r = state.seedRepo(repo);
      if (r.issues.has(seed.number)) throw new Error(`fake GitHub: issue ${repo}#${seed.number} already exists`);
      return state.renderIssue(r, state.addIssue(r, seed));
    },
    inject: (match, fault, times = 1) => faults.inject(match, fault, times),
    clearFaults: () => faults.clear(),
    down() {
      isDown = true;
    },
    up() {
      isDown = false;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    waitFor(check, timeoutMs = 2000) {
      return waitFor(fake, check, timeoutMs);
    },
  };
  return fake;
}

/** Resolves with the first truthy `check()`, re-checked after every change and call; rejects after `timeoutMs`. */
function waitFor<T>(fake: FakeGitHub, check: () => T | undefined | null | false, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const first = check();
    if (first) return resolve(first);
    const finish = () => {
      clearTimeout(timer);
      unsubscribe();
    };
    const unsubscribe = fake.subscribe(() => {
      try {
        const value = check();
        if (!value) return;
        finish();
        resolve(value);
      } catch (err) {
        finish();
        reject(err);
      }
    });
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`fake GitHub: condition not met within ${timeoutMs} ms`));
    }, timeoutMs);
  });
}
