import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { BlockId } from '../../blocks/ids.js';
import { RodizioClient } from '../../src/client/index.js';
import { createTmux } from '../../src/delivery/tmux.js';
import { runDemo } from '../../src/sandbox/demo.js';
import { startSandboxBridge } from '../helpers/sandbox.js';
import { privateTmux } from '../helpers/tmux.js';

describe('the demo agent', () => {
  it('asks one question of each kind plus a phase escalation, and every answer given in the sandbox comes back', async () => {
    const tmux = privateTmux();
    const s = await startSandboxBridge({ tmuxSocket: tmux.socket });
    const lines: string[] = [];
    const phaseFiles = s.bridge.store.phaseFiles;
    const demo = runDemo({
      client: new RodizioClient({ baseUrl: s.url, token: s.token }),
      phaseDir: s.phaseDir,
      tmux: createTmux({ socketName: tmux.socket }),
      phaseSeen: async (file) => (await phaseFiles.get(file))?.phase,
      print: (line) => lines.push(line),
    });
    const phaseFile = join(s.phaseDir, 'dev-session-demo-app-7.phase');

    const cards = () => s.fake.messages('C0AGENTS');
    await vi.waitUntil(() => cards().length === 6, { timeout: 10_000 });
    const card = (words: string) => {
      const found = cards().find((m) => m.text?.includes(words));
      if (!found) throw new Error(`no card with "${words}"`);
      return found;
    };
    const { driver } = s;
    const click = (words: string, actionId: string, user: string) =>
      driver.clickButton({ channel: 'C0AGENTS', ts: card(words).ts, actionId, user });

    const escalation = await vi.waitUntil(() => s.fake.messages('C0ONCALL')[0], { timeout: 10_000 });

    await click('Deploy build', 'rodizio.option.0', 'U0ALICE');
    await driver.postMessage({
      channel: 'C0AGENTS',
      user: 'U0BOB',
      text: 'orders-replica-2',
      thread_ts: card('Which database').ts,
    });
    await click('Rotate the production', 'rodizio.option.0', 'U0ALICE');
    await click('Rotate the production', 'rodizio.option.0', 'U0BOB');
    await driver.selectOption({
      channel: 'C0AGENTS',
      ts: card('flaky').ts,
      actionId: 'rodizio.option_select',
      user: 'U0CAROL',
      value: `${await tokenIdOf(card('flaky').text)}|1`,
    });
    await click('Scale the canary', 'rodizio.answer', 'U0ALICE');
    const modal = await vi.waitUntil(() => s.fake.modalStack('U0ALICE').at(-1), { timeout: 5000 });
    await driver.submitView({
      viewId: modal.id,
      user: 'U0ALICE',
      values: {
        [BlockId.field('replicas')]: '3',
        [BlockId.field('region')]: 'eu-west-1',
        [BlockId.field('dry_run')]: 'true',
      },
    });
    await click('deploy failed', 'rodizio.option.0', 'U0BOB');

    // Every card is answered, but nobody replied to the escalation yet: the demo says so and keeps it open.
    await vi.waitUntil(() => lines.some((l) => l.startsWith('… one more: the escalation in #oncall is still open')), {
      timeout: 10_000,
    });
    expect(readFileSync(phaseFile, 'utf8')).toMatch(/^PHASE:escalate\n/);
    expect(lines).not.toContain('done: all 6 answers came back');

    // The phase escalation: a reply in #oncall is typed into the demo's stand-in session.
    await driver.postMessage({
      channel: 'C0ONCALL',
      user: 'U0ALICE',
      text: 'use staging-db-3',
      thread_ts: escalation.ts,
    });
    const reentries = await demo;
    expect(reentries.map((r) => r.human_input)).toEqual([
      'Deploy',
      'orders-replica-2',
      'Rotate now',
      'test_login',
      { replicas: 3, region: 'eu-west-1', dry_run: true },
      'Retry',
    ]);
    expect(reentries[2]?.approvals).toEqual(['U0ALICE', 'U0BOB']);
    expect(lines.filter((l) => l.startsWith('✓'))).toHaveLength(6);
    expect(lines.at(-1)).toBe('done: all 6 answers came back');
    // The bridge saw PHASE:done (the escalation is resolved, not cancelled), then the demo cleaned up after itself.
    expect(await s.bridge.purgatory.findBySlackMessage('C0ONCALL', escalation.ts)).toMatchObject({
      status: 'resolved',
    });
    expect(existsSync(phaseFile)).toBe(false);
    expect(() => tmux.tmux('has-session', '-t', '=dev-demo-app-7')).toThrow();
    // Guidance is printed once: the stand-in session does not echo what is pasted into it.
    const guidance = lines.filter((l) => l.includes('use staging-db-3'));
    expect(guidance).toHaveLength(1);
    expect(guidance[0]).toContain('Human guidance from alice in Slack:');
    expect(guidance[0]?.split('use staging-db-3')).toHaveLength(2);
    await vi.waitUntil(
      () => s.fake.thread('C0ONCALL', escalation.ts).some((m) => m.text === '✓ forwarded to dev-demo-app-7'),
      { timeout: 5000 },
    );
  });
});

async function tokenIdOf(text: string | undefined): Promise<string> {
  const m = /\((sem-[0-9a-f]{8})\)$/.exec(text ?? '');
  if (!m?.[1]) throw new Error(`no token id in "${text}"`);
  return m[1];
}

describe('the demo agent, stopped with Ctrl-C', () => {
  it('removes the phase file and the tmux session it made, so the escalation closes', async () => {
    const tmux = privateTmux();
    const s = await startSandboxBridge({ tmuxSocket: tmux.socket });
    const stop = new AbortController();
    const lines: string[] = [];
    const demo = runDemo({
      client: new RodizioClient({ baseUrl: s.url, token: s.token }),
      phaseDir: s.phaseDir,
      tmux: createTmux({ socketName: tmux.socket }),
      print: (line) => lines.push(line),
      signal: stop.signal,
    });
    const escalation = await vi.waitUntil(() => s.fake.messages('C0ONCALL')[0], { timeout: 10_000 });
    expect(tmux.tmux('has-session', '-t', '=dev-demo-app-7')).toBe('');
    stop.abort();
    await expect(demo).rejects.toThrow();
    expect(existsSync(join(s.phaseDir, 'dev-session-demo-app-7.phase'))).toBe(false);
    expect(() => tmux.tmux('has-session', '-t', '=dev-demo-app-7')).toThrow();
    // The bridge notices the file is gone and closes the escalation rather than leaving it open forever.
    await vi.waitUntil(
      async () => (await s.bridge.purgatory.findBySlackMessage('C0ONCALL', escalation.ts))?.status === 'cancelled',
      { timeout: 10_000 },
    );
  });
});
