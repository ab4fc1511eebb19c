import { describe, expect, it } from 'vitest';
import { startFakeForge, startForgeBridge } from '../forge/forge-harness.js';
import { buttonFor, CARDS } from '../helpers/slack.js';

const FILE = {
  projects: { api: { repo: 'acme/api', critical_permission: 'write' } },
  identities: { U0ALICE: 'octocat', U0BOB: 'hubot', U0ERIN: 'erin-admin' },
};

describe.each(['github', 'gitea'] as const)('answers that need repository access, on a %s forge', (dialect) => {
  const forgeName = dialect === 'gitea' ? 'Forgejo/Gitea' : 'GitHub';

  async function start() {
    const forge = await startFakeForge(dialect, {
      users: { octocat: '', hubot: '', 'erin-admin': '' },
      permissions: {
        'acme/api': { octocat: 'write', hubot: 'read', 'erin-admin': dialect === 'gitea' ? 'owner' : 'admin' },
      },
    });
    const t = await startForgeBridge(forge, { file: FILE });
    const click = async (card: { ts: string; blocks?: unknown }, label: string, user: string) => {
      const before = t.fake.ephemerals.filter((e) => e.user === user).length;
      await t.driver.clickButton({ channel: CARDS, ts: card.ts, actionId: buttonFor(card as never, label), user });
      await t.settle();
      return t.fake.ephemerals.filter((e) => e.user === user).slice(before)[0]?.text;
    };
    return { forge, t, click };
  }

  it('a critical token of the project: read access is refused by name, write access is recorded', async () => {
    const { forge, t, click } = await start();
    const { id, card } = await t.createAndPost({
      reason: 'approval_needed',
      severity: 'critical',
      project: 'api',
      prompt: 'Deploy api to production?',
      options: ['Deploy', 'Hold'],
    });
    expect(await click(card, 'Deploy', 'U0BOB')).toBe(
      `You need write access to acme/api to answer this; your linked ${forgeName} account hubot has read. Nothing changed.`,
    );
    expect(await click(card, 'Deploy', 'U0DAVE')).toBe(
      `You need write access to acme/api to answer this, and your Slack account is not linked to a ${forgeName} account: run \`/rodizio link <${dialect === 'gitea' ? 'forge' : 'github'}-login>\` first. Nothing changed.`,
    );
    const pending = await t.bridge.purgatory.get(id);
    expect(pending.status).toBe('pending');
    expect(await t.bridge.purgatory.history(id)).not.toContainEqual(expect.objectContaining({ type: 'resolved' }));
    expect(forge.callsTo('GET', /\/collaborators\/hubot\/permission$/)).toHaveLength(1);

    expect(await click(card, 'Deploy', 'U0ALICE')).toBeUndefined();
    expect(await t.bridge.purgatory.get(id)).toMatchObject({
      status: 'resolved',
      human_input: 'Deploy',
      answered_by: 'U0ALICE',
    });
    expect(forge.callsTo('GET', /^\/repos\/acme\/api\/collaborators\/octocat\/permission$/)).toHaveLength(1);
  });

  it("a token's own answerer_permission wins (admin, any severity); a forge that cannot answer refuses", async () => {
    const { forge, t, click } = await start();
    const { id, card } = await t.createAndPost({
      reason: 'sensitive_action',
      severity: 'warning',
      project: 'api',
      answerer_permission: 'admin',
      prompt: 'Rotate the deploy key?',
      options: ['Rotate', 'Keep'],
    });
    expect((await t.bridge.purgatory.get(id)).answerer_permission).toBe('admin');
    expect(await click(card, 'Rotate', 'U0ALICE')).toBe(
      `You need admin access to acme/api to answer this; your linked ${forgeName} account octocat has write. Nothing changed.`,
    );
    // The bridge's forge clients make one attempt per click here (retries off): one 503 is one refusal.
    forge.inject({ method: 'GET', path: /\/permission$/ }, 503);
    expect(await click(card, 'Rotate', 'U0ERIN')).toBe(
      `Cannot check erin-admin's access to acme/api on ${forgeName} right now (503); try again in a moment. Nothing changed.`,
    );
    expect((await t.bridge.purgatory.get(id)).status).toBe('pending');
    expect(await click(card, 'Rotate', 'U0ERIN')).toBeUndefined();
    expect((await t.bridge.purgatory.get(id)).status).toBe('resolved');
  });

  it('critical tokens of projects without the setting, and other severities, ask nothing of the forge', async () => {
    const { forge, t, click } = await start();
    const { id, card } = await t.createAndPost({
      reason: 'approval_needed',
      severity: 'warning',
      project: 'api',
      prompt: 'Merge?',
      options: ['Merge', 'Wait'],
    });
    expect(await click(card, 'Merge', 'U0DAVE')).toBeUndefined();
    expect((await t.bridge.purgatory.get(id)).status).toBe('resolved');
    expect(forge.calls).toHaveLength(0);
  });

  it('refuses a bad answerer_permission when the token is created', async () => {
    const { t } = await start();
    const res = await t.call('POST', '/v1/tokens', {
      body: { reason: 'approval_needed', prompt: 'x', answerer_permission: 'root' },
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.json)).toContain('answerer_permission');
    expect((await t.bridge.purgatory.list({})).tokens).toHaveLength(0);
  });
});
