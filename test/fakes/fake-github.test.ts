import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createAppAuth } from '@octokit/auth-app';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import type { RequestError } from '@octokit/request-error';
import { Octokit } from '@octokit/rest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { createFakeGitHub, type FakeGitHub, type FakeGitHubOptions, JWT_ERRORS } from './fake-github.js';

const GitHub = Octokit.plugin(retry, throttling);
type GitHubOptions = NonNullable<ConstructorParameters<typeof GitHub>[0]>;

const TOKEN = 'ghp_test0123456789';
const REPO = { owner: 'acme', repo: 'widgets' };
const FULL = 'acme/widgets';
const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

const fakes: FakeGitHub[] = [];
afterEach(async () => {
  for (const f of fakes.splice(0)) await f.stop();
});

async function startFake(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const fake = createFakeGitHub({ token: TOKEN, ...options });
  fakes.push(fake);
  await fake.start();
  return fake;
}

/** An Octokit as rodizio builds one, with both plugins off unless a test turns them on. */
function client(fake: FakeGitHub, options: Partial<GitHubOptions> = {}) {
  return new GitHub({
    baseUrl: fake.url,
    auth: TOKEN,
    log: quiet,
    throttle: { enabled: false },
    retry: { enabled: false },
    ...options,
  });
}

/** The throttling plugin's handler signature; returning true asks it to retry. */
type LimitHandler = (retryAfter: number, options: { url: string }, octokit: unknown, retryCount: number) => boolean;
const limitHandler = (answer: boolean) => vi.fn<LimitHandler>(() => answer);

/** The RequestError a call rejects with. */
async function failure(promise: Promise<unknown>): Promise<RequestError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof Error && err.name === 'HttpError') return err as RequestError;
    throw err;
  }
  throw new Error('expected the request to fail');
}

describe('labels', () => {
  it('creates a label (201) and refuses a second one with 422 already_exists, whatever the case', async () => {
    const fake = await startFake();
    const gh = client(fake);
    const created = await gh.rest.issues.createLabel({
      ...REPO,
      name: 'blocked',
      color: 'B60205',
      description: 'Waiting',
    });
    expect(created.status).toBe(201);
    expect(created.data).toMatchObject({ name: 'blocked', color: 'b60205', description: 'Waiting', default: false });
    expect(created.data.url).toBe(`${fake.url}/repos/acme/widgets/labels/blocked`);
    expect(created.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(created.headers['x-github-request-id']).toMatch(/^[0-9A-F:]+$/);
    expect(created.headers['x-ratelimit-resource']).toBe('core');
    expect(Number(created.headers['x-ratelimit-remaining'])).toBe(4999);

    for (const name of ['blocked', 'BLOCKED']) {
      const err = await failure(gh.rest.issues.createLabel({ ...REPO, name, color: 'ffffff' }));
      expect(err.status).toBe(422);
      expect(err.response?.data).toMatchObject({
        message: 'Validation Failed',
        errors: [{ resource: 'Label', code: 'already_exists', field: 'name' }],
        documentation_url: expect.stringContaining('create-a-label'),
      });
    }
    expect(fake.labels(FULL).map((l) => l.name)).toEqual(['blocked']);
  });

  it('gets a label by name and answers 404 for a missing one; rejects a bad color', async () => {
    const fake = await startFake({ labels: { [FULL]: [{ name: 'needs human', color: '0e8a16' }] } });
    const gh = client(fake);
    const { data } = await gh.rest.issues.getLabel({ ...REPO, name: 'needs human' });
    expect(data).toMatchObject({ name: 'needs human', color: '0e8a16' });
    expect((await failure(gh.rest.issues.getLabel({ ...REPO, name: 'nope' }))).status).toBe(404);
    const bad = await failure(gh.rest.issues.createLabel({ ...REPO, name: 'x', color: '#fff' }));
    expect(bad.response?.data).toMatchObject({ errors: [{ code: 'invalid', field: 'color' }] });
  });
});

describe('issues', () => {
  it('adds labels (creating unknown ones), removes one, 404s a label the issue lacks', async () => {
    const fake = await startFake({ labels: { [FULL]: [{ name: 'blocked', color: 'b60205' }] } });
    const gh = client(fake);
    const added = await gh.rest.issues.addLabels({ ...REPO, issue_number: 7, labels: ['blocked', 'rodizio'] });
    expect(added.status).toBe(200);
    expect(added.data.map((l) => l.name)).toEqual(['blocked', 'rodizio']);
    expect(fake.labels(FULL).find((l) => l.name === 'rodizio')?.color).toBe('ededed');
    // A bare array is accepted too, and adding a label twice keeps one.
    await gh.request('POST /repos/{owner}/{repo}/issues/{issue_number}/labels', {
      ...REPO,
      issue_number: 7,
      data: ['blocked'],
    });
    expect(fake.issue(FULL, 7)?.labels.map((l) => l.name)).toEqual(['blocked', 'rodizio']);

    const removed = await gh.rest.issues.removeLabel({ ...REPO, issue_number: 7, name: 'blocked' });
    expect(removed.data.map((l) => l.name)).toEqual(['rodizio']);
    const err = await failure(gh.rest.issues.removeLabel({ ...REPO, issue_number: 7, name: 'blocked' }));
    expect(err.status).toBe(404);
    expect(err.response?.data).toMatchObject({ message: 'Label does not exist' });
    expect(fake.labels(FULL).map((l) => l.name)).toEqual(['blocked', 'rodizio']);
  });

  it('comments and shows the issue and its comments', async () => {
    const fake = await startFake();
    const gh = client(fake);
    const { status, data } = await gh.rest.issues.createComment({
      ...REPO,
      issue_number: 3,
      body: 'Blocked on a human',
    });
    expect(status).toBe(201);
    expect(data).toMatchObject({ body: 'Blocked on a human', user: { login: 'rodizio-bot' } });
    expect(data.html_url).toBe(`https://github.com/acme/widgets/issues/3#issuecomment-${data.id}`);
    expect(data.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    const issue = await gh.rest.issues.get({ ...REPO, issue_number: 3 });
    expect(issue.data).toMatchObject({ number: 3, state: 'open', comments: 1, labels: [] });
    expect(issue.data.html_url).toBe('https://github.com/acme/widgets/issues/3');
    const list = await gh.rest.issues.listComments({ ...REPO, issue_number: 3 });
    expect(list.data.map((c) => c.body)).toEqual(['Blocked on a human']);
    expect(fake.comments(FULL, 3)).toEqual(list.data);
  });

  it('answers 404 for repositories and issues outside the configured ones', async () => {
    const fake = await startFake({ repos: [FULL], issues: { [FULL]: [1, { number: 2, labels: ['blocked'] }] } });
    const gh = client(fake);
    expect(fake.issue(FULL, 2)?.labels.map((l) => l.name)).toEqual(['blocked']);
    const noRepo = await failure(
      gh.rest.issues.addLabels({ owner: 'acme', repo: 'other', issue_number: 1, labels: ['x'] }),
    );
    expect(noRepo.status).toBe(404);
    expect(noRepo.response?.data).toMatchObject({ message: 'Not Found', documentation_url: expect.any(String) });
    expect((await failure(gh.rest.issues.createComment({ ...REPO, issue_number: 9, body: 'hi' }))).status).toBe(404);
    await gh.rest.issues.createComment({ ...REPO, issue_number: 1, body: 'hi' });
    expect(fake.comments('ACME/Widgets', 1)).toHaveLength(1);
  });
});

describe('auth', () => {
  it('answers 401 Bad credentials for a wrong token and Requires authentication for none', async () => {
    const fake = await startFake();
    const wrong = await failure(client(fake, { auth: 'ghp_wrong' }).rest.issues.get({ ...REPO, issue_number: 1 }));
    expect(wrong.status).toBe(401);
    expect(wrong.response?.data).toMatchObject({ message: 'Bad credentials' });
    const none = await failure(client(fake, { auth: undefined }).rest.issues.get({ ...REPO, issue_number: 1 }));
    expect(none.status).toBe(401);
    expect(fake.calls.map((c) => [c.status, c.auth])).toEqual([
      [401, 'ghp_wrong'],
      [401, undefined],
    ]);
  });

  it('gets an installation token with a signed app JWT, then labels and comments as the bot', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    const fake = await startFake({
      appId: 123,
      appPublicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      installations: [42],
    });
    const gh = client(fake, {
      authStrategy: createAppAuth,
      auth: { appId: 123, privateKey: pem, installationId: 42 },
    });
    await gh.rest.issues.addLabels({ ...REPO, issue_number: 5, labels: ['blocked'] });
    const { data } = await gh.rest.issues.createComment({ ...REPO, issue_number: 5, body: 'waiting' });
    expect(data.user?.login).toBe('rodizio[bot]');

    expect(fake.tokens).toHaveLength(1);
    const token = fake.tokens[0]?.token;
    expect(token).toMatch(/^ghs_[A-Za-z0-9]{36}$/);
    expect(fake.calls.map((c) => [c.method, c.path, c.status])).toEqual([
      ['POST', '/app/installations/42/access_tokens', 201],
      ['POST', '/repos/acme/widgets/issues/5/labels', 200],
      ['POST', '/repos/acme/widgets/issues/5/comments', 201],
    ]);
    expect(fake.calls[1]?.auth).toBe(token);
    expect(fake.calls[0]?.auth).not.toBe(token);

    // A JWT signed by another key, or for an installation the app does not have, gets no token.
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    });
    const forged = client(fake, {
      authStrategy: createAppAuth,
      auth: { appId: 123, privateKey: other.toString(), installationId: 42 },
    });
    const err = await failure(forged.rest.issues.get({ ...REPO, issue_number: 5 }));
    expect([err.status, err.response?.data]).toMatchObject([401, { message: JWT_ERRORS.undecodable }]);
    const elsewhere = client(fake, {
      authStrategy: createAppAuth,
      auth: { appId: 123, privateKey: pem, installationId: 7 },
    });
    expect((await failure(elsewhere.rest.issues.get({ ...REPO, issue_number: 5 }))).status).toBe(404);
    expect(fake.tokens).toHaveLength(1);
  });

  it("lets @octokit/auth-app correct its JWT for a skewed clock from the fake's Date header", async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    // GitHub's clock is 20 minutes ahead: the first JWT has already expired there.
    const fake = await startFake({ appId: 9, appPublicKey: pem, clock: new ManualClock(Date.now() + 20 * 60_000) });
    const gh = client(fake, { authStrategy: createAppAuth, auth: { appId: 9, privateKey: pem, installationId: 1 } });
    await gh.rest.issues.get({ ...REPO, issue_number: 1 });
    expect(fake.calls.map((c) => c.status)).toEqual([401, 201, 200]);
  });
});

describe('faults', () => {
  it('answers injected 5xx as RequestErrors, then recovers; down() answers 503 until up()', async () => {
    const fake = await startFake();
    const gh = client(fake);
    fake.inject({ method: 'POST', path: /\/labels$/ }, { status: 502 });
    const err = await failure(gh.rest.issues.addLabels({ ...REPO, issue_number: 1, labels: ['blocked'] }));
    expect(err.status).toBe(502);
    await gh.rest.issues.addLabels({ ...REPO, issue_number: 1, labels: ['blocked'] });
    expect(fake.callsTo('POST', /\/issues\/1\/labels$/).map((c) => c.status)).toEqual([502, 200]);

    fake.down();
    expect((await failure(gh.rest.issues.get({ ...REPO, issue_number: 1 }))).status).toBe(503);
    fake.up();
    expect((await gh.rest.issues.get({ ...REPO, issue_number: 1 })).status).toBe(200);
  });

  it('tells a permission 403 from a rate-limit 403, and drops connections', async () => {
    const fake = await startFake();
    const gh = client(fake);
    fake.inject({}, { status: 403 });
    const denied = await failure(gh.rest.issues.get({ ...REPO, issue_number: 1 }));
    expect(denied.response?.data).toMatchObject({ message: 'Resource not accessible by integration' });
    expect(denied.response?.headers['x-ratelimit-remaining']).not.toBe('0');
    fake.inject({}, { status: 403, rateLimited: true, resetAfterSeconds: 30 });
    const limited = await failure(gh.rest.issues.get({ ...REPO, issue_number: 1 }));
    expect(limited.message).toMatch(/^API rate limit exceeded/);
    expect(limited.response?.headers['x-ratelimit-remaining']).toBe('0');
    expect(Number(limited.response?.headers['x-ratelimit-reset'])).toBeGreaterThan(Date.now() / 1000 + 28);

    fake.inject({ path: /\/issues\/1$/ }, { disconnect: true });
    const dropped = await failure(gh.rest.issues.get({ ...REPO, issue_number: 1 }));
    expect([dropped.status, dropped.response]).toEqual([500, undefined]);
    expect(fake.calls.at(-1)?.status).toBe(0);
  });

  it('answers 403 rate-limited once the hourly budget is spent', async () => {
    const fake = await startFake({ rateLimit: 2 });
    const gh = client(fake);
    await gh.rest.issues.get({ ...REPO, issue_number: 1 });
    const second = await gh.rest.issues.get({ ...REPO, issue_number: 1 });
    expect(second.headers['x-ratelimit-remaining']).toBe('0');
    const third = await failure(gh.rest.issues.get({ ...REPO, issue_number: 1 }));
    expect(third.status).toBe(403);
    expect(third.response?.data).toMatchObject({ message: expect.stringMatching(/^API rate limit exceeded/) });
  });

  it('delays an answer, which a caller can time out with AbortSignal.timeout (a RequestError 500)', async () => {
    const fake = await startFake();
    const gh = client(fake);
    fake.inject({ method: 'GET' }, { delayMs: 150 });
    const started = Date.now();
    await gh.rest.issues.get({ ...REPO, issue_number: 1 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    fake.inject({ method: 'GET' }, { delayMs: 1000 });
    const aborted = gh.rest.issues.get({ ...REPO, issue_number: 1, request: { signal: AbortSignal.timeout(50) } });
    const timedOut = await failure(aborted);
    expect([timedOut.status, timedOut.message]).toEqual([500, 'The operation was aborted due to timeout']);
  });
});

describe('with the retry and throttling plugins', () => {
  it('retries an injected 502 transparently, and gives up after `retries`', async () => {
    const fake = await startFake();
    const gh = client(fake, { retry: { retries: 2, retryAfterBaseValue: 10 } });
    fake.inject({ method: 'POST' }, { status: 502 });
    const { status } = await gh.rest.issues.addLabels({ ...REPO, issue_number: 1, labels: ['blocked'] });
    expect(status).toBe(200);
    expect(fake.calls.map((c) => c.status)).toEqual([502, 200]);

    fake.inject({ method: 'GET' }, { status: 500 }, 3);
    const err = await failure(gh.rest.issues.get({ ...REPO, issue_number: 1 }));
    expect(err.status).toBe(500);
    expect(fake.callsTo('GET', /.*/).map((c) => c.status)).toEqual([500, 500, 500]);

    // 4xx other than 429 are not retried.
    fake.inject({}, { status: 422 });
    expect((await failure(gh.rest.issues.get({ ...REPO, issue_number: 1 }))).status).toBe(422);
    expect(fake.calls.filter((c) => c.status === 422)).toHaveLength(1);
  });

  it('calls onRateLimit with the seconds until reset + 1 and retries when it returns true', async () => {
    const fake = await startFake();
    const onRateLimit = limitHandler(true);
    const onSecondaryRateLimit = limitHandler(true);
    // retryAfterBaseValue scales the wait: 25 ms per announced second keeps the test quick.
    const throttle = { id: randomUUID(), onRateLimit, onSecondaryRateLimit, retryAfterBaseValue: 25 };
    const gh = client(fake, { throttle, retry: { retries: 2, retryAfterBaseValue: 10 } });
    fake.inject({ method: 'GET' }, { status: 403, rateLimited: true, resetAfterSeconds: 1 });
    const { status } = await gh.rest.issues.get({ ...REPO, issue_number: 1 });
    expect(status).toBe(200);
    expect(onRateLimit).toHaveBeenCalledTimes(1);
    const url = '/repos/{owner}/{repo}/issues/{issue_number}';
    expect(onRateLimit).toHaveBeenCalledWith(
      expect.any(Number),
      expect.objectContaining({ url }),
      expect.anything(),
      0,
    );
    // The plugin announces the seconds until `x-ratelimit-reset`, rounded up, plus one.
    expect(onRateLimit.mock.calls[0]?.[0]).toBeGreaterThanOrEqual(2);
    expect(onRateLimit.mock.calls[0]?.[0]).toBeLessThanOrEqual(3);
    expect(fake.calls.map((c) => c.status)).toEqual([403, 200]);

    // Returning false surfaces the 403.
    onRateLimit.mockReturnValueOnce(false);
    fake.inject({ method: 'GET' }, { status: 403, rateLimited: true, resetAfterSeconds: 1 });
    expect((await failure(gh.rest.issues.get({ ...REPO, issue_number: 1 }))).status).toBe(403);
  });

  it('leaves a 429 to onSecondaryRateLimit (with retry-after) only if the retry plugin does not retry 429', async () => {
    const fake = await startFake();
    const onSecondaryRateLimit = limitHandler(true);
    const throttle = { id: randomUUID(), onRateLimit: () => false, onSecondaryRateLimit, retryAfterBaseValue: 25 };
    // By default the retry plugin retries a 429 itself, after its own backoff, before throttling sees it.
    const eager = client(fake, { throttle, retry: { retries: 2, retryAfterBaseValue: 10 } });
    fake.inject({ method: 'GET' }, { status: 429, retryAfter: 4 });
    expect((await eager.rest.issues.get({ ...REPO, issue_number: 1 })).status).toBe(200);
    expect(onSecondaryRateLimit).not.toHaveBeenCalled();

    const doNotRetry = [400, 401, 403, 404, 410, 422, 429, 451];
    const patient = client(fake, { throttle, retry: { retries: 2, retryAfterBaseValue: 10, doNotRetry } });
    fake.inject({ method: 'GET' }, { status: 429, retryAfter: 4 });
    expect((await patient.rest.issues.get({ ...REPO, issue_number: 1 })).status).toBe(200);
    expect(onSecondaryRateLimit.mock.calls[0]?.[0]).toBe(4);
    expect(fake.calls.map((c) => c.status)).toEqual([429, 200, 429, 200]);
  });
});

describe('the server', () => {
  it('serves under a GitHub Enterprise prefix and 404s outside it', async () => {
    const fake = await startFake({ prefix: '/api/v3' });
    expect(fake.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v3$/);
    const { data } = await client(fake).rest.issues.addLabels({ ...REPO, issue_number: 2, labels: ['blocked'] });
    expect(data[0]?.url).toBe(`${fake.url}/repos/acme/widgets/labels/blocked`);
    expect(fake.calls[0]?.path).toBe('/repos/acme/widgets/issues/2/labels');
    const outside = await fetch(`${new URL(fake.url).origin}/repos/acme/widgets/issues/2`, {
      headers: { authorization: `token ${TOKEN}` },
    });
    expect(outside.status).toBe(404);
  });

  it('answers 400 to malformed JSON and 404 to unknown routes, and notifies subscribers', async () => {
    const fake = await startFake();
    const headers = { authorization: `token ${TOKEN}`, 'content-type': 'application/json' };
    const url = `${fake.url}/repos/acme/widgets/issues/1/comments`;
    const bad = await fetch(url, { method: 'POST', headers, body: '{nope' });
    expect([bad.status, await bad.json()]).toMatchObject([400, { message: 'Problems parsing JSON' }]);
    expect((await fetch(`${fake.url}/nowhere`, { headers })).status).toBe(404);

    const posted = fetch(url, { method: 'POST', headers, body: JSON.stringify({ body: 'hello' }) });
    const comment = await fake.waitFor(() => fake.comments(FULL, 1)[0]);
    expect(comment.body).toBe('hello');
    expect((await posted).status).toBe(201);
    await expect(fake.waitFor(() => fake.comments(FULL, 2).length > 0, 20)).rejects.toThrow(/within 20 ms/);
  });
});
