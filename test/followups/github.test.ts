import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createFakeGitHub } from '../fakes/fake-github.js';
import { HOUR, REPO, startFollowupBridge } from '../helpers/followups.js';
import { CARDS } from '../helpers/slack.js';

const TEN_MINUTES = 10 * 60_000;

describe('the 24-hour `blocked` label on GitHub', () => {
  it('GitHub down (5xx) during the sweep: the label arrives after it recovers, once', async () => {
    const t = await startFollowupBridge();
    const { id } = await t.createAndPost({ reason: 'approval_needed', prompt: 'Waiting…', github_issue: `${REPO}#7` });
    t.github.down();
    await t.at(24 * HOUR);
    expect(t.github.issue(REPO, 7)?.labels ?? []).toEqual([]);
    for (let i = 1; i <= 4; i++) await t.at(24 * HOUR + i * TEN_MINUTES);
    expect(t.github.calls.filter((c) => c.status === 503).length).toBeGreaterThan(2);
    t.github.up();
    for (let i = 5; i <= 12; i++) await t.at(24 * HOUR + i * TEN_MINUTES);
    expect(t.github.issue(REPO, 7)?.labels.map((l) => l.name)).toEqual(['blocked']);
    expect(t.github.callsTo('POST', /\/issues\/7\/labels$/).filter((c) => c.status === 200)).toHaveLength(1);
    expect(t.github.comments(REPO, 7)).toHaveLength(1);
    expect(await t.bridge.purgatory.store.outbox.count('pending')).toBe(0);
    expect((await t.bridge.purgatory.get(id)).followup.github_error).toBeNull();
  });

  it('a 404 is recorded on the token and said in the thread, not retried', async () => {
    const t = await startFollowupBridge();
    t.github.inject({ method: 'POST', path: /\/issues\/9\/labels$/ }, { status: 404 });
    const { id, card } = await t.createAndPost({
      reason: 'approval_needed',
      prompt: 'Waiting…',
      github_issue: `${REPO}#9`,
    });
    await t.at(24 * HOUR);
    const token = await t.bridge.purgatory.get(id);
    expect(token.followup.github_error).toMatch(/^404 /);
    expect(t.fake.thread(CARDS, card.ts).at(-1)?.text).toMatch(
      /^⚠️ GitHub refused to update `acme\/web#9`: 404 .*rodizio will not retry\.$/,
    );
    const labelCalls = t.github.callsTo('POST', /\/issues\/9\/labels$/).length;
    await t.at(30 * HOUR);
    await t.at(48 * HOUR);
    expect(t.github.callsTo('POST', /\/issues\/9\/labels$/)).toHaveLength(labelCalls);
    expect((await t.bridge.purgatory.history(id)).filter((e) => e.type === 'github_error')).toHaveLength(1);
  });

  it('a permission 403 and a 422 are permanent too; a rate-limit 403 is retried', async () => {
    const t = await startFollowupBridge();
    t.github.inject({ method: 'POST', path: /\/issues\/1\/comments$/ }, { status: 403 });
    t.github.inject(
      { method: 'POST', path: /\/issues\/2\/labels$/ },
      { status: 403, rateLimited: true, resetAfterSeconds: 1 },
    );
    const a = await t.createAndPost({ reason: 'approval_needed', prompt: 'a', github_issue: `${REPO}#1` });
    const b = await t.createAndPost({ reason: 'approval_needed', prompt: 'b', github_issue: `${REPO}#2` });
    await t.at(24 * HOUR);
    await t.at(24 * HOUR + TEN_MINUTES);
    expect((await t.bridge.purgatory.get(a.id)).followup.github_error).toMatch(/^403 /);
    expect((await t.bridge.purgatory.get(b.id)).followup.github_error).toBeNull();
    expect(t.github.issue(REPO, 2)?.labels.map((l) => l.name)).toEqual(['blocked']);
  });

  it('tokens without a GitHub issue, and bridges without GitHub, are never labelled', async () => {
    const t = await startFollowupBridge();
    await t.createAndPost({ reason: 'approval_needed', prompt: 'no issue' });
    await t.at(48 * HOUR);
    expect(t.github.calls).toHaveLength(0);
  });

  it('authenticates as a GitHub App installation', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const github = createFakeGitHub({
      appId: 4242,
      appPublicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      installations: [77],
    });
    await github.start();
    try {
      const t = await startFollowupBridge({
        github,
        githubAuth: {
          kind: 'app',
          appId: 4242,
          privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
          installationId: 77,
        },
      });
      await t.createAndPost({ reason: 'approval_needed', prompt: 'App auth?', github_issue: `${REPO}#3` });
      await t.at(24 * HOUR);
      expect(github.issue(REPO, 3)?.labels.map((l) => l.name)).toEqual(['blocked']);
      expect(github.tokens.map((tk) => tk.installationId)).toEqual([77]);
      expect(github.callsTo('POST', /\/app\/installations\/77\/access_tokens$/).map((c) => c.status)).toEqual([201]);
    } finally {
      await github.stop();
    }
  });
});
