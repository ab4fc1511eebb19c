import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadFileConfig } from '../../src/config.js';
import { ADMIN_SECRET, OTHER_SECRET, RUNNER_SECRET } from '../helpers/bridge.js';
import { cli } from '../helpers/cli.js';
import { CARDS, startSlackBridge } from '../helpers/slack.js';
import { tempDbPath, tempDir } from '../helpers/temp.js';

const bash = (command: string) => ({ tool_name: 'Bash', input: { command, description: 'run it' } });

const RULES = [
  { tool: 'Bash', match: '^npm (test|run lint)\\b', decision: 'allow' },
  { tool: 'Bash', match: '--force\\b', decision: 'deny' },
  { tool: '*', match: '^/etc/', decision: 'deny' },
  { tool: 'WebFetch', match: '^https://docs\\.example\\.com/', decision: 'allow', runner: 'other' },
];

function configFile(content: unknown): string {
  const path = join(tempDir(), 'rodizio.json');
  writeFileSync(path, JSON.stringify(content));
  return path;
}

describe('rules in the config file', () => {
  it('a bad rule stops start-up, named by its index and the reason', async () => {
    const path = configFile({
      rules: [
        { tool: 'Bash', match: '^npm test', decision: 'allow' },
        { tool: 'Bash', match: '^rm (-rf', decision: 'deny' },
        { tool: 'Bash', match: '^ls', decision: 'maybe' },
        { tool: 'Bash', match: '^ls', decision: 'allow', when: 'always' },
      ],
    });
    expect(() => loadFileConfig(path)).toThrow(/rules\.1\.match: not a valid regular expression: .*/);
    expect(() => loadFileConfig(path)).toThrow(/rules\.2\.decision: must be "allow" or "deny"/);
    expect(() => loadFileConfig(path)).toThrow(/rules\.3: Unrecognized key: "when"/);

    const res = await cli(['serve'], {
      RODIZIO_CONFIG: path,
      RODIZIO_DB: tempDbPath(),
      RODIZIO_API_TOKENS: `ci:${RUNNER_SECRET}`,
      PORT: '0',
    });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('rules.1.match: not a valid regular expression');
    expect(res.stderr).toContain('rules.2.decision: must be "allow" or "deny"');
  });

  it('an allow rule answers a matching request at create: resolved, via rule, audited, nothing posted', async () => {
    const t = await startSlackBridge({ file: { rules: RULES } });
    const res = await t.call('POST', '/v1/tokens', {
      body: { reason: 'approval_needed', permission: bash('npm test -- --watch=false') },
    });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      status: 'resolved',
      human_input: 'Allow',
      answered_by: 'rodizio',
      answered_via: 'rule',
      decided_by: { rule: 0, match: '^npm (test|run lint)\\b' },
    });
    const reentry = await t.reentry(res.json.id, 0);
    expect(reentry.json).toMatchObject({
      outcome: 'resolved',
      human_input: 'Allow',
      via: 'rule',
      decided_by: { rule: 0, match: '^npm (test|run lint)\\b' },
    });
    const resolved = (await t.bridge.purgatory.history(res.json.id)).find((e) => e.type === 'resolved');
    expect(resolved).toMatchObject({
      actor: 'rodizio',
      data: {
        via: 'rule',
        human_input: 'Allow',
        rule: { index: 0, tool: 'Bash', match: '^npm (test|run lint)\\b', decision: 'allow', runner: null },
      },
    });
    await t.settle();
    expect(t.fake.callsTo('chat.postMessage')).toEqual([]);
    expect(t.fake.messages(CARDS)).toEqual([]);
  });

  it('a deny rule wins over an earlier allow rule; a request no rule matches is asked in Slack', async () => {
    const t = await startSlackBridge({ file: { rules: RULES } });
    const denied = await t.call('POST', '/v1/tokens', {
      body: { reason: 'approval_needed', permission: bash('npm test --force') },
    });
    expect(denied.json).toMatchObject({
      status: 'resolved',
      human_input: 'Deny',
      answered_via: 'rule',
      decided_by: { rule: 1, match: '--force\\b' },
      message: 'Denied by rule 1 of the rodizio config (Bash matching /--force\\b/); nobody was asked.',
    });
    expect((await t.reentry(denied.json.id, 0)).json).toMatchObject({
      via: 'rule',
      message: 'Denied by rule 1 of the rodizio config (Bash matching /--force\\b/); nobody was asked.',
    });
    // `*` matches any tool; the subject of a Read is its file.
    const read = await t.call('POST', '/v1/tokens', {
      body: { reason: 'approval_needed', permission: { tool_name: 'Read', input: { file_path: '/etc/shadow' } } },
    });
    expect(read.json).toMatchObject({ human_input: 'Deny', decided_by: { rule: 2 } });

    const asked = await t.createAndPost({ reason: 'approval_needed', permission: bash('npm publish') });
    expect((await t.bridge.purgatory.get(asked.id)).status).toBe('pending');
    expect(asked.card.text).toContain('Bash: npm publish');
  });

  it('a rule for one runner does not answer another runner’s requests; tokens without permission are never matched', async () => {
    const t = await startSlackBridge({ file: { rules: RULES } });
    const webfetch = {
      reason: 'approval_needed',
      permission: { tool_name: 'WebFetch', input: { url: 'https://docs.example.com/a', prompt: 'read' } },
    };
    const mine = await t.call('POST', '/v1/tokens', { body: webfetch });
    expect(mine.json.status).toBe('pending');
    const theirs = await t.call('POST', '/v1/tokens', { body: webfetch, token: OTHER_SECRET });
    expect(theirs.json).toMatchObject({ status: 'resolved', human_input: 'Allow', decided_by: { rule: 3 } });
    const admin = await t.call('POST', '/v1/tokens', {
      body: { ...webfetch, runner: 'other' },
      token: ADMIN_SECRET,
    });
    expect(admin.json).toMatchObject({ status: 'resolved', runner: 'other' });

    const plain = await t.call('POST', '/v1/tokens', {
      body: { reason: 'approval_needed', prompt: 'npm test', proposed_input: 'npm test' },
    });
    expect(plain.json.status).toBe('pending');
  });

  it('a replayed request decided by a rule returns the same resolved token', async () => {
    const t = await startSlackBridge({ file: { rules: RULES } });
    const body = { id: 'sem-rule-replay', reason: 'approval_needed', permission: bash('npm run lint') };
    const first = await t.call('POST', '/v1/tokens', { body });
    const again = await t.call('POST', '/v1/tokens', { body });
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ status: 'resolved', answered_via: 'rule' });
    expect((await t.bridge.purgatory.history('sem-rule-replay')).filter((e) => e.type === 'resolved')).toHaveLength(1);
  });
});
