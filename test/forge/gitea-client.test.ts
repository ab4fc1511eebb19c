import { describe, expect, it } from 'vitest';
import { createGiteaForge, giteaApiUrl } from '../../src/forge/gitea.js';
import { createGitHubForge } from '../../src/forge/github.js';
import { createGitHubClient } from '../../src/github/client.js';
import { describeGitHubError, isPermanentGitHubError } from '../../src/github/errors.js';
import { captureLogger } from '../helpers/logs.js';
import { FORGE_TOKEN, startFakeForge } from './forge-harness.js';

const issue = { owner: 'acme', repo: 'web', issue: 3 };

async function gitea(options: Parameters<typeof startFakeForge>[1] = {}) {
  const fake = await startFakeForge('gitea', options);
  const forge = createGiteaForge({
    apiUrl: giteaApiUrl(fake.origin),
    token: FORGE_TOKEN,
    logger: captureLogger().logger,
    retry: { retries: 2, retryAfterBaseValue: 1 },
  });
  return { fake, forge };
}

describe('the Forgejo/Gitea client', () => {
  it('looks a label id up again when the remembered one went stale (label deleted and made anew)', async () => {
    const { fake, forge } = await gitea({ labels: { 'acme/web': [{ name: 'blocked' }] } });
    await forge.addLabel(issue, 'blocked');
    const first = fake.labels('acme/web')[0]?.id;
    // Somebody deletes the label and makes it again: a new id.
    fake.labels('acme/web').splice(0, 1);
    (fake.labels('acme/web') as { id: number; name: string; color: string; description: string }[]).push({
      id: 999,
      name: 'blocked',
      color: 'ededed',
      description: '',
    });
    await forge.addLabel({ ...issue, issue: 4 }, 'blocked');
    expect(fake.issueLabels('acme/web', 4)).toEqual(['blocked']);
    expect(fake.callsTo('POST', /\/issues\/4\/labels$/).map((c) => [c.body, c.status])).toEqual([
      [{ labels: [first] }, 422],
      [{ labels: [999] }, 200],
    ]);
  });

  it('retries 5xx inside the call, then gives up with an error the GitHub jobs classify', async () => {
    const { fake, forge } = await gitea();
    fake.inject({ method: 'POST', path: /\/comments$/ }, 502, 2);
    await forge.comment(issue, 'hello');
    expect(fake.comments('acme/web', 3).map((c) => c.body)).toEqual(['hello']);

    fake.inject({ method: 'POST', path: /\/comments$/ }, 500, 3);
    const err = await forge.comment(issue, 'again').catch((e: unknown) => e);
    expect(isPermanentGitHubError(err)).toBe(false);
    expect(describeGitHubError(err)).toBe('500 injected 500');

    fake.inject({ method: 'POST', path: /\/comments$/ }, 403);
    const refused = await forge.comment(issue, 'no').catch((e: unknown) => e);
    expect(isPermanentGitHubError(refused)).toBe(true);
  });

  it('reads permissions (owner counts as admin) and profiles; unknown users are told apart', async () => {
    const { forge } = await gitea({
      users: { ann: 'hi rodizio-0123456789', bob: '' },
      permissions: { 'acme/web': { ann: 'owner', bob: 'write' } },
    });
    expect(await forge.permissionOf({ owner: 'acme', repo: 'web' }, 'ann')).toBe('admin');
    expect(await forge.permissionOf({ owner: 'acme', repo: 'web' }, 'bob')).toBe('write');
    expect(await forge.profileText('ann')).toBe('hi rodizio-0123456789');
    expect(await forge.profileText('nobody')).toBeUndefined();
    await expect(forge.permissionOf({ owner: 'acme', repo: 'web' }, 'nobody')).rejects.toMatchObject({ status: 404 });
  });

  it('a wrong token is a permanent 401', async () => {
    const fake = await startFakeForge('gitea');
    const forge = createGiteaForge({ apiUrl: fake.url, token: 'wrong', logger: captureLogger().logger });
    const err = await forge.comment(issue, 'x').catch((e: unknown) => e);
    expect(isPermanentGitHubError(err)).toBe(true);
    expect(fake.calls[0]?.authorization).toBe('token wrong');
  });
});

describe('the GitHub forge', () => {
  it("ranks GitHub's role names (maintain, triage) over the legacy permission field", async () => {
    const fake = await startFakeForge('github', {
      users: { ann: '', bob: '', cy: 'my bio' },
      permissions: { 'acme/web': { ann: 'maintain', bob: 'triage', cy: 'admin' } },
    });
    const client = createGitHubClient(
      { apiUrl: fake.url, auth: { kind: 'token', token: FORGE_TOKEN }, blockedLabel: 'blocked' },
      captureLogger().logger,
      { throttle: false, retry: { retries: 0 } },
    );
    const forge = createGitHubForge(client);
    const repo = { owner: 'acme', repo: 'web' };
    expect(await forge.permissionOf(repo, 'ann')).toBe('maintain');
    expect(await forge.permissionOf(repo, 'bob')).toBe('triage');
    expect(await forge.permissionOf(repo, 'cy')).toBe('admin');
    expect(await forge.profileText('cy')).toBe('my bio');
    expect(await forge.profileText('ghost')).toBeUndefined();
  });
});
