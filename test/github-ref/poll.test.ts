import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { createFakeGitHub } from '../fakes/fake-github.js';
import { startFollowupBridge, T0 } from '../helpers/followups.js';
import { A, B, C, REPO, refLine } from './setup.js';

const MINUTE = 60_000;

const token = (ref: string, prompt: string) => ({
  reason: 'approval_needed',
  prompt,
  options: ['Approve', 'Reject'],
  github_ref: { repo: REPO, ref, sha: A },
});

describe('approvals tied to repository state: polling without webhooks', () => {
  it('each watched ref is asked for once per sweep, conditionally after the first time; a move is seen; 304s cost no rate limit', async () => {
    // Three requests an hour (by the bridge's clock): enough only because 304s are free.
    const clock = new ManualClock(T0);
    const github = createFakeGitHub({ rateLimit: 3, clock });
    await github.start();
    try {
      github.setRef(REPO, 'main', A);
      github.setRef(REPO, 'pull/7', A);
      const t = await startFollowupBridge({
        github,
        clock,
        config: { githubRefs: { webhookSecret: undefined, poll: true, pollIntervalMs: MINUTE } },
      });
      const one = await t.createAndPost(token('main', 'Deploy main?'));
      const two = await t.createAndPost(token('refs/heads/main', 'Migrate main?'));
      const pr = await t.createAndPost(token('pull/7', 'Merge PR 7?'));
      const reads = () =>
        github.calls
          .filter((c) => /\/commits\/|\/pulls\//.test(c.path))
          .map((c) => `${c.path} ${c.status}${c.ifNoneMatch ? ' if-none-match' : ''}`);

      await t.at(0);
      expect(reads()).toEqual(['/repos/acme/web/commits/main 200', '/repos/acme/web/pulls/7 200']);
      // Within the poll interval: not asked again.
      await t.at(30_000);
      expect(reads()).toHaveLength(2);
      await t.at(2 * MINUTE);
      expect(reads().slice(2)).toEqual([
        '/repos/acme/web/commits/main 304 if-none-match',
        '/repos/acme/web/pulls/7 304 if-none-match',
      ]);
      for (const { id } of [one, two, pr]) {
        expect((await t.bridge.purgatory.history(id)).map((e) => e.type)).not.toContain('ref_moved');
      }

      github.setRef(REPO, 'main', B);
      await t.at(4 * MINUTE);
      expect(reads().slice(4)).toEqual([
        '/repos/acme/web/commits/main 200 if-none-match',
        '/repos/acme/web/pulls/7 304 if-none-match',
      ]);
      for (const { id } of [one, two]) {
        const moved = (await t.bridge.purgatory.history(id)).filter((e) => e.type === 'ref_moved');
        expect(moved).toEqual([
          expect.objectContaining({ actor: 'rodizio', data: expect.objectContaining({ from: A, to: B, via: 'poll' }) }),
        ]);
        expect(refLine(await t.card(id))).toMatch(/^⚠️ \*Stale:\* `main` moved from .*`aaaaaaa`.* to .*`bbbbbbb`/);
      }
      expect(refLine(await t.card(pr.id))).toMatch(/^🔀 `PR #7` of acme\/web at /);

      // The rate limit is spent now (three full answers), yet unchanged refs still read as 304s.
      await t.at(6 * MINUTE);
      expect(reads().slice(6)).toEqual([
        '/repos/acme/web/commits/main 304 if-none-match',
        '/repos/acme/web/pulls/7 304 if-none-match',
      ]);
      // And a move while it is spent is an error for this sweep, caught up once GitHub answers again.
      github.setRef(REPO, 'pull/7', C);
      await t.at(8 * MINUTE);
      expect(reads().slice(8)).toEqual([
        '/repos/acme/web/commits/main 304 if-none-match',
        '/repos/acme/web/pulls/7 403 if-none-match',
      ]);
      await t.at(70 * MINUTE);
      expect(refLine(await t.card(pr.id))).toMatch(/^⚠️ \*Stale:\* `PR #7` moved from .* to .*`ccccccc`/);
    } finally {
      await github.stop();
    }
  });

  it('refs nobody waits on any more are not asked for', async () => {
    const github = createFakeGitHub();
    await github.start();
    try {
      github.setRef(REPO, 'main', A);
      const t = await startFollowupBridge({
        github,
        config: { githubRefs: { webhookSecret: undefined, poll: true, pollIntervalMs: MINUTE } },
      });
      const { id } = await t.createAndPost(token('main', 'Deploy?'));
      await t.at(0);
      const res = await t.call('POST', `/v1/tokens/${id}/cancel`, { body: {} });
      expect(res.status).toBe(200);
      const before = github.calls.length;
      await t.at(10 * MINUTE);
      expect(github.calls.length).toBe(before);
    } finally {
      await github.stop();
    }
  });
});
