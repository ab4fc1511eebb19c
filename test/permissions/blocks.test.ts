import { describe, expect, it } from 'vitest';
import { lineDiff } from '../../blocks/diff.js';
import { renderEditModal } from '../../blocks/edit-modal.js';
import { renderGrantModal } from '../../blocks/grant-modal.js';
import { renderHome } from '../../blocks/home.js';
import { validateMessage, validateView } from '../../blocks/limits.js';
import { describeRequest } from '../../blocks/permission.js';
import { renderDecisionReply, renderTokenCard } from '../../blocks/token-card.js';
import type { Grant } from '../../src/domain/grant.js';
import { requestSubject } from '../../src/domain/permission.js';
import type { PermissionRequest, Token } from '../../src/domain/token.js';
import { makeToken } from '../fixtures/tokens.js';

const NOW = Date.UTC(2026, 0, 1, 12);
const state = { now: NOW, threadResolves: false, claimable: true, reassignable: true };

function permissionToken(permission: PermissionRequest, overrides: Partial<Token> = {}): Token {
  return makeToken({
    prompt: '',
    options: ['Allow', 'Deny'],
    permission,
    proposed_input: permission.input,
    ...overrides,
  });
}

describe('what a permission card says the agent wants to do', () => {
  it.each([
    [{ tool_name: 'Bash', input: { command: 'ls -la' } }, '*Bash:* `ls -la`', null],
    [{ tool_name: 'Read', input: { file_path: '/etc/hosts' } }, '*Read* `/etc/hosts`', null],
    [
      { tool_name: 'WebFetch', input: { url: 'https://example.com/a?b=1&c=<2>', prompt: 'Summarise' } },
      '*WebFetch* https://example.com/a?b=1&amp;c=&lt;2&gt;',
      '> Summarise',
    ],
    [
      { tool_name: 'Write', input: { file_path: 'a.txt', content: 'hello\nworld' } },
      '*Write* `a.txt`',
      '```hello\nworld```',
    ],
    [
      { tool_name: 'mcp__db__query', input: { sql: 'SELECT 1' } },
      '*mcp__db__query*',
      '```{\n  "sql": "SELECT 1"\n}```',
    ],
  ])('%j', (permission, headline, body) => {
    expect(describeRequest(permission)).toEqual({ headline, body });
  });

  it('puts a long or multi-line command, or one with backticks, in a code block that stays one', () => {
    const tricky = describeRequest({ tool_name: 'Bash', input: { command: 'echo ```; rm -rf `pwd`' } });
    expect(tricky.headline).toBe('*Bash:*');
    expect(tricky.body?.match(/```/g)).toHaveLength(2);
    expect(describeRequest({ tool_name: 'Bash', input: { command: 'x'.repeat(200) } }).body).toMatch(/^```x+```$/);
  });

  it('matches grants and rules against the subject: the command, the URL, the file, else the input as sorted JSON', () => {
    expect(requestSubject({ tool_name: 'Bash', input: { command: 'npm test', description: 'tests' } })).toBe(
      'npm test',
    );
    expect(requestSubject({ tool_name: 'Edit', input: { file_path: 'a.ts', old_string: 'a', new_string: 'b' } })).toBe(
      'a.ts',
    );
    expect(requestSubject({ tool_name: 'Other', input: { b: 1, a: 'x' } })).toBe('{"a":"x","b":1}');
  });

  it('diffs by line', () => {
    expect(lineDiff('a\nb\nc', 'a\nB\nc')).toEqual([
      { op: ' ', line: 'a' },
      { op: '-', line: 'b' },
      { op: '+', line: 'B' },
      { op: ' ', line: 'c' },
    ]);
    expect(lineDiff('', 'x')).toEqual([
      { op: '-', line: '' },
      { op: '+', line: 'x' },
    ]);
  });
});

describe('limits', () => {
  it('a huge Write, a huge edit and every extra stay within Slack limits', () => {
    const content = `${'line of a very long file\n'.repeat(4000)}<&>\`\`\``;
    const token = permissionToken({ tool_name: 'Write', input: { file_path: 'big.txt', content } });
    expect(validateMessage(renderTokenCard(token, state))).toEqual([]);
    const answered: Token = {
      ...token,
      status: 'resolved',
      human_input: 'Allow',
      answered_by: 'U0ALICE',
      answered_via: 'form',
      resolved_at: '2026-01-01T12:01:00Z',
      edited_input: { file_path: 'big.txt', content: content.replace(/long/g, 'short') },
      message: 'x'.repeat(3000),
      granted: {
        grant_id: 'grant-0123456789ab',
        scope: 'prefix',
        value: 'y'.repeat(2000),
        expires_at: '2026-01-01T13:00:00Z',
      },
    };
    expect(validateMessage(renderTokenCard(answered, state))).toEqual([]);
    expect(validateMessage(renderDecisionReply(answered))).toEqual([]);
  });

  it('offers Edit… only when the proposal fits the modal (3000 characters)', () => {
    const big = permissionToken({ tool_name: 'Write', input: { file_path: 'a', content: 'x'.repeat(3000) } });
    const labels = JSON.stringify(renderTokenCard(big, state).blocks);
    expect(labels).not.toContain('"Edit…"');
    const small = permissionToken({ tool_name: 'Bash', input: { command: 'ls' } });
    expect(JSON.stringify(renderTokenCard(small, state).blocks)).toContain('"Edit…"');
    expect(validateView(renderEditModal(small))).toEqual([]);
    expect(validateView(renderGrantModal(small))).toEqual([]);
  });

  it('App Home with 20 tokens and many grants stays within 100 blocks', () => {
    const tokens = Array.from({ length: 20 }, (_, i) =>
      permissionToken({ tool_name: 'Bash', input: { command: `cmd ${i}` } }, { id: `sem-${i}` }),
    );
    const grants: Grant[] = Array.from({ length: 30 }, (_, i) => ({
      id: `grant-${i}`,
      runner: 'ci',
      tool: 'Bash',
      scope: 'prefix',
      value: `npm ${i}`,
      created_at: '2026-01-01T12:00:00Z',
      expires_at: '2026-01-01T13:00:00Z',
      expires_ms: NOW + 3_600_000,
      created_by: 'U0ALICE',
      created_by_name: null,
      token_id: 'sem-1',
      slack: null,
      uses: i,
      revoked_at: null,
      revoked_by: null,
    }));
    const view = renderHome(
      tokens.map((token) => ({ token, state })),
      40,
      grants,
    );
    expect(validateView(view)).toEqual([]);
    expect(JSON.stringify(view.blocks)).toContain('…and 20 more, expiring later.');
  });
});
