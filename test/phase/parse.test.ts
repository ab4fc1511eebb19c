import { describe, expect, it } from 'vitest';
import { parsePhaseContent, parsePhaseFileName, readPhaseFile } from '../../src/phase/parse.js';

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

  it('knows the whole convention: needs_human (the older escalate) and merged (terminal like done)', () => {
    expect(parsePhaseContent('PHASE:needs_human\nReason: spec is ambiguous\n')).toEqual({
      phase: 'PHASE:needs_human',
      reason: 'spec is ambiguous',
      pr: null,
    });
    expect(parsePhaseContent('PHASE:merged\n')).toEqual({ phase: 'PHASE:merged', reason: null, pr: null });
  });

  it('tells a file caught mid-write from a whole line with a phase rodizio does not know', () => {
    for (const text of ['', '\n', ' \n', 'PHASE:esc', 'PHASE:', 'PHASE:needs_']) {
      expect(readPhaseFile(text), JSON.stringify(text)).toEqual({ status: 'partial' });
    }
    expect(readPhaseFile('PHASE:sleeping\n')).toEqual({ status: 'unknown', phase: 'PHASE:sleeping' });
    expect(readPhaseFile('PHASE:sleeping')).toEqual({ status: 'unknown', phase: 'PHASE:sleeping' });
    expect(readPhaseFile('PHASE:esc\nReason: x\n')).toEqual({ status: 'unknown', phase: 'PHASE:esc' });
    expect(readPhaseFile(' escalate \n')).toEqual({ status: 'unknown', phase: 'escalate' });
  });
});
