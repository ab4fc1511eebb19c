import { describe, expect, it } from 'vitest';
import { HOUR } from '../helpers/followups.js';
import { buttonFor, CARDS } from '../helpers/slack.js';
import { FORGE_TOKEN, REPO, startFakeForge, startForgeBridge } from './forge-harness.js';

const FILE = {
  identities: { U0ALICE: 'octocat' },
  projects: { web: { repo: REPO } },
};

describe.each(['github', 'gitea'] as const)('the blocked label on a %s forge', (dialect) => {
  it('labels the issue after 24 h (creating the label), comments, and unlabels naming the answerer', async () => {
    const forge = await startFakeForge(dialect, { users: { octocat: '' } });
    const t = await startForgeBridge(forge, { file: FILE });
    const { id, card } = await t.createAndPost({
      reason: 'approval_needed',
      prompt: 'Ship the migration?',
      options: ['yes', 'no'],
      github_issue: `${REPO}#7`,
    });
    await t.at(23 * HOUR);
    expect(forge.calls).toHaveLength(0);

    await t.at(24 * HOUR);
    expect(forge.issueLabels(REPO, 7)).toEqual(['blocked']);
    expect(forge.labels(REPO)).toMatchObject([
      { name: 'blocked', color: 'b60205', description: 'Waiting for a human (rodizio)' },
    ]);
    const [blocked] = forge.comments(REPO, 7);
    expect(blocked?.body).toMatch(/^⏸️ \*\*Blocked: waiting for a human for 1d\*\*/);
    expect(blocked?.body).toContain('Ship the migration?');
    // Every call carried the token the way the forge wants it.
    expect(new Set(forge.calls.map((c) => c.authorization))).toEqual(new Set([`token ${FORGE_TOKEN}`]));
    if (dialect === 'gitea') {
      const labelId = forge.labels(REPO)[0]?.id;
      expect(forge.calls.map((c) => `${c.method} ${c.path}${c.query} ${c.status}`)).toEqual([
        `GET /repos/acme/web/labels?page=1&limit=50 200`,
        `POST /repos/acme/web/labels 201`,
        `POST /repos/acme/web/issues/7/labels 200`,
        `POST /repos/acme/web/issues/7/comments 201`,
      ]);
      expect(forge.callsTo('POST', /\/labels$/)[0]?.body).toEqual({
        name: 'blocked',
        color: '#b60205',
        description: 'Waiting for a human (rodizio)',
      });
      expect(forge.callsTo('POST', /\/issues\/7\/labels$/)[0]?.body).toEqual({ labels: [labelId] });
    }

    await t.driver.clickButton({ channel: CARDS, ts: card.ts, actionId: buttonFor(card, 'yes'), user: 'U0ALICE' });
    await t.settle();
    await t.drain();
    expect((await t.bridge.purgatory.get(id)).status).toBe('resolved');
    expect(forge.issueLabels(REPO, 7)).toEqual([]);
    const unblocked = forge.comments(REPO, 7)[1]?.body;
    expect(unblocked).toMatch(/^▶️ \*\*Unblocked:\*\* the question was answered by @octocat/);
    const removal = forge.callsTo('DELETE', /\/issues\/7\/labels\//);
    expect(removal).toHaveLength(1);
    expect(removal[0]?.path).toBe(
      dialect === 'gitea'
        ? `/repos/acme/web/issues/7/labels/${forge.labels(REPO)[0]?.id}`
        : '/repos/acme/web/issues/7/labels/blocked',
    );
    expect((await t.bridge.purgatory.get(id)).followup).toMatchObject({ github_error: null });
    expect((await t.bridge.purgatory.get(id)).followup.github_unblocked_at).not.toBeNull();
  });

  it('uses a label that is already there, also on a later page of the list, without creating one', async () => {
    const many = Array.from({ length: 70 }, (_, i) => ({ name: `area/${String(i).padStart(2, '0')}` }));
    const forge = await startFakeForge(dialect, {
      labels: { [REPO]: [...many, { name: 'blocked', color: '0e8a16' }] },
    });
    const t = await startForgeBridge(forge);
    await t.createAndPost({ reason: 'approval_needed', prompt: 'Waiting…', github_issue: `${REPO}#8` });
    await t.at(24 * HOUR);
    expect(forge.issueLabels(REPO, 8)).toEqual(['blocked']);
    expect(forge.callsTo('POST', /^\/repos\/acme\/web\/labels$/)).toHaveLength(0);
    expect(forge.labels(REPO).find((l) => l.name === 'blocked')?.color).toBe('0e8a16');
    if (dialect === 'gitea') {
      expect(forge.callsTo('GET', /\/labels$/).map((c) => c.query)).toEqual(['?page=1&limit=50', '?page=2&limit=50']);
    }
  });

  it('a refusal (404) is recorded on the token and said in its thread; a 5xx is retried until it works', async () => {
    const forge = await startFakeForge(dialect);
    forge.inject({ method: 'POST', path: /\/issues\/9\/comments$/ }, 404);
    forge.inject({ method: 'POST', path: /\/issues\/10\/labels$/ }, 503, 3);
    const refused = await startForgeBridge(forge);
    const a = await refused.createAndPost({ reason: 'approval_needed', prompt: 'a', github_issue: `${REPO}#9` });
    const b = await refused.createAndPost({ reason: 'approval_needed', prompt: 'b', github_issue: `${REPO}#10` });
    await refused.at(24 * HOUR);
    for (let i = 1; i <= 6; i++) await refused.at(24 * HOUR + i * 10 * 60_000);
    expect((await refused.bridge.purgatory.get(a.id)).followup.github_error).toMatch(/^404 /);
    expect(refused.fake.thread(CARDS, a.card.ts).at(-1)?.text).toMatch(/refused to update `acme\/web#9`: 404 /);
    expect((await refused.bridge.purgatory.get(b.id)).followup.github_error).toBeNull();
    expect(forge.issueLabels(REPO, 10)).toEqual(['blocked']);
    expect(forge.comments(REPO, 10)).toHaveLength(1);
  });

  it('PHASE:failed labels the issue and posts the diagnostic comment', async () => {
    const forge = await startFakeForge(dialect);
    const t = await startForgeBridge(forge, { file: { projects: { 'my-app': { repo: REPO } } } });
    await t.writePhase('dev-session-my-app-21.phase', 'PHASE:failed\nReason: gave up after 3 CI runs\n');
    expect(forge.issueLabels(REPO, 21)).toEqual(['blocked']);
    const [comment] = forge.comments(REPO, 21);
    expect(comment?.body).toContain('❌ **Agent session `dev-my-app-21` failed**');
    expect(comment?.body).toContain('**Exit reason:** gave up after 3 CI runs');
  });
});
