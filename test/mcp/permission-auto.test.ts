import { describe, expect, it } from 'vitest';
import { CARDS, startSlackBridge } from '../helpers/slack.js';
import { callWithProgress, connectHttp, textOf } from './helpers.js';

const RULES = {
  rules: [
    { tool: 'Bash', match: '^npm test\\b', decision: 'allow' },
    { tool: 'Bash', match: '--force\\b', decision: 'deny' },
  ],
};

describe('request_permission decided when it is created (rules, grants)', () => {
  it('returns the decision at once, without a card: allow with the input as asked, deny with the rule', async () => {
    const t = await startSlackBridge({ file: RULES });
    const client = await connectHttp(t.url);
    const allowed = await callWithProgress(client, 'request_permission', {
      tool_name: 'Bash',
      input: { command: 'npm test -- --ci' },
    }).result;
    expect(JSON.parse(textOf(allowed))).toEqual({ behavior: 'allow', updatedInput: { command: 'npm test -- --ci' } });

    const denied = await callWithProgress(client, 'request_permission', {
      tool_name: 'Bash',
      input: { command: 'git push --force' },
    }).result;
    expect(JSON.parse(textOf(denied))).toEqual({
      behavior: 'deny',
      message: 'Denied by rule 1 of the rodizio config (Bash matching /--force\\b/); nobody was asked.',
    });
    await t.settle();
    expect(t.fake.messages(CARDS)).toEqual([]);
    const { tokens } = await t.bridge.purgatory.list({});
    expect(tokens.map((x) => [x.status, x.answered_via, x.human_input])).toEqual([
      ['resolved', 'rule', 'Deny'],
      ['resolved', 'rule', 'Allow'],
    ]);
  });
});
