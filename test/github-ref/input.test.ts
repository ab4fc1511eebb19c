import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ADMIN_SECRET, startTestBridge } from '../helpers/bridge.js';
import { A, B, deliver, push, REPO, SECRET } from './setup.js';

const withRef = (github_ref: unknown) => ({
  reason: 'approval_needed',
  prompt: 'Deploy?',
  options: ['Approve'],
  github_ref,
});

describe('a token’s github_ref', () => {
  it('is refused with a 400 naming the field when it is not a repo, a branch or pull request, and a full sha; nothing is stored', async () => {
    const t = await startTestBridge();
    const cases: [unknown, string, RegExp][] = [
      [{ repo: 'acme', ref: 'main', sha: A }, 'github_ref.repo', /owner\/name/],
      [{ repo: REPO, ref: 'main', sha: 'abc1234' }, 'github_ref.sha', /full commit sha: 40 lowercase hex/],
      [{ repo: REPO, ref: 'main', sha: A.toUpperCase() }, 'github_ref.sha', /40 lowercase hex/],
      [{ repo: REPO, ref: 'refs/tags/v1.0', sha: A }, 'github_ref.ref', /tags and other refs\/… are not watched/],
      [{ repo: REPO, ref: 'feature..x', sha: A }, 'github_ref.ref', /branch name/],
      [{ repo: REPO, ref: 'pull/0', sha: A }, 'github_ref.ref', /pull\/<number>/],
      [{ repo: REPO, ref: 'main', sha: A, url: 'https://github.com' }, 'github_ref', /url/],
      [`${REPO}@main`, 'github_ref', /object/],
    ];
    for (const [ref, path, message] of cases) {
      const res = await t.call('POST', '/v1/tokens', { body: withRef(ref) });
      expect(res.status, JSON.stringify(ref)).toBe(400);
      expect(res.json.error.code).toBe('invalid_request');
      expect(res.json.error.issues).toContainEqual({ path, message: expect.stringMatching(message) });
    }
    expect((await t.call('GET', '/v1/tokens')).json.tokens).toEqual([]);
    expect(await t.bridge.store.githubRefs.watched(null, 10)).toEqual([]);
  });

  it('is returned as sent; an answer through the API carries the commit it was for', async () => {
    const t = await startTestBridge({
      config: { githubRefs: { webhookSecret: SECRET, poll: false, pollIntervalMs: 60_000 } },
    });
    const branch = await t.call('POST', '/v1/tokens', {
      body: withRef({ repo: REPO, ref: 'refs/heads/feat/x', sha: A }),
    });
    expect(branch.status).toBe(201);
    expect(branch.json.github_ref).toEqual({ repo: REPO, ref: 'refs/heads/feat/x', sha: A });
    const pr = await t.call('POST', '/v1/tokens', { body: withRef({ repo: REPO, ref: 'pull/42', sha: A }) });
    expect(pr.status).toBe(201);
    const plain = await t.call('POST', '/v1/tokens', { body: { reason: 'approval_needed', prompt: 'No ref' } });
    expect(plain.json).not.toHaveProperty('github_ref');
    expect(await t.bridge.store.githubRefs.watched(null, 10)).toEqual([
      { repo: REPO, ref: 'refs/heads/feat/x' },
      { repo: REPO, ref: 'refs/pull/42/head' },
    ]);

    expect((await deliver(t, 'push', push(B, A, 'refs/heads/feat/x'))).json).toEqual({ moved: 1 });
    const answer = (id: string) =>
      t.call('POST', `/v1/tokens/${id}/resolve`, {
        token: ADMIN_SECRET,
        body: { human_input: 'Approve', by: 'ops' },
      });
    expect((await answer(branch.json.id)).status).toBe(200);
    expect((await answer(pr.json.id)).status).toBe(200);
    expect((await answer(plain.json.id)).status).toBe(200);
    const reentry = async (id: string) => (await t.call('GET', `/v1/tokens/${id}/reentry`)).json;
    expect(await reentry(branch.json.id)).toMatchObject({ approved_sha: B });
    expect(await reentry(pr.json.id)).toMatchObject({ approved_sha: A });
    expect(await reentry(plain.json.id)).not.toHaveProperty('approved_sha');
  });

  it('the refs pending tokens watch are listed once each, page by page', async () => {
    const t = await startTestBridge();
    for (const [repo, ref] of [
      ['b/x', 'main'],
      ['a/x', 'main'],
      ['a/x', 'dev'],
      ['A/X', 'dev'],
      ['a/x', 'pull/3'],
    ]) {
      expect((await t.call('POST', '/v1/tokens', { body: withRef({ repo, ref, sha: A }) })).status).toBe(201);
    }
    const refs = t.bridge.store.githubRefs;
    const first = await refs.watched(null, 2);
    expect(first).toEqual([
      { repo: 'a/x', ref: 'refs/heads/dev' },
      { repo: 'a/x', ref: 'refs/heads/main' },
    ]);
    const second = await refs.watched(first[1] ?? null, 2);
    expect(second).toEqual([
      { repo: 'a/x', ref: 'refs/pull/3/head' },
      { repo: 'b/x', ref: 'refs/heads/main' },
    ]);
    expect(await refs.watched(second[1] ?? null, 2)).toEqual([]);
  });

  it('settings: the webhook secret turns polling off unless asked for; a short secret is refused by name', () => {
    expect(loadConfig({}).githubRefs).toEqual({ webhookSecret: undefined, poll: true, pollIntervalMs: 60_000 });
    expect(loadConfig({ GITHUB_WEBHOOK_SECRET: SECRET }).githubRefs).toMatchObject({ poll: false });
    expect(
      loadConfig({ GITHUB_WEBHOOK_SECRET: SECRET, GITHUB_REF_POLL: 'true', GITHUB_REF_POLL_INTERVAL: '5m' }).githubRefs,
    ).toMatchObject({ poll: true, pollIntervalMs: 300_000 });
    expect(() => loadConfig({ GITHUB_WEBHOOK_SECRET: 'short' })).toThrow(/GITHUB_WEBHOOK_SECRET.*at least 16/s);
    expect(() => loadConfig({ REFS_SCHEDULE: 'often' })).toThrow(/REFS_SCHEDULE/);
  });
});
