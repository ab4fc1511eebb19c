import { describe, expect, it } from 'vitest';
import { parsePhaseContent, parsePhaseFileName } from '../../src/phase/parse.js';
import { redactSecrets } from '../../src/phase/redact.js';

describe('phase file names', () => {
  it('takes the number from the last segment, so projects may contain dashes', () => {
    expect(parsePhaseFileName('dev-session-my-web-app-12.phase')).toEqual({
      kind: 'dev',
      project: 'my-web-app',
      number: 12,
      session: 'dev-my-web-app-12',
    });
    expect(parsePhaseFileName('review-session-api-2-77.phase')).toMatchObject({
      kind: 'review',
      project: 'api-2',
      number: 77,
    });
    for (const bad of [
      'dev-session-web.phase',
      'dev-session-web-12.txt',
      'ops-session-web-1.phase',
      'dev-session-we b-1.phase',
      '.dev-session-web-1.phase.swp',
    ]) {
      expect(parsePhaseFileName(bad), bad).toBeUndefined();
    }
  });
});

describe('phase file content', () => {
  it('reads the first line like head -1 | tr -d [:space:], and Reason / PR lines', () => {
    expect(parsePhaseContent('PHASE:escalate\nReason: CI is red on main\n')).toEqual({
      phase: 'PHASE:escalate',
      reason: 'CI is red on main',
      pr: null,
    });
    expect(
      parsePhaseContent(' PHASE:failed \r\nreason:   OOM killed \nPR: https://github.com/acme/web/pull/9\n'),
    ).toEqual({
      phase: 'PHASE:failed',
      reason: 'OOM killed',
      pr: 'https://github.com/acme/web/pull/9',
    });
    expect(parsePhaseContent('PHASE:done')).toEqual({ phase: 'PHASE:done', reason: null, pr: null });
  });

  it('treats an empty or half-written file as not readable yet', () => {
    for (const text of ['', '\n', 'PHASE:esc', 'PHASE:', 'escalate\n', 'PHASE:sleeping\n']) {
      expect(parsePhaseContent(text), JSON.stringify(text)).toBeUndefined();
    }
  });
});

describe('redacting a terminal pane', () => {
  it('replaces things that look like tokens and keys, and keeps the rest', () => {
    const pane = [
      '$ export SLACK_BOT_TOKEN=xoxb-1234567890-abcdefghijkl',
      'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
      'github: ghp_abcdefghijklmnopqrstuvwxyz0123456789',
      'ANTHROPIC_API_KEY=sk-ant-api03-abcdefghijklmnopqrstuvwxyz',
      'aws AKIAABCDEFGHIJKLMNOP',
      'password: hunter22',
      '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----',
      'npm test: 3 failed, 41 passed',
    ].join('\n');
    const out = redactSecrets(pane);
    for (const secret of [
      'xoxb-1234567890',
      'eyJhbGciOiJIUzI1NiJ9',
      'ghp_abcdef',
      'sk-ant-api03',
      'AKIAABCDEFGHIJKLMNOP',
      'hunter22',
      'MIIEowIBAAKCAQEA',
    ]) {
      expect(out, secret).not.toContain(secret);
    }
    expect(out).toContain('npm test: 3 failed, 41 passed');
    expect(out).toContain('password: [redacted]');
  });
});
