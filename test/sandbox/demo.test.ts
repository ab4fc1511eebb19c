import { readFileSync } from 'node:fs';
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
    const demo = runDemo({
      client: new RodizioClient({ baseUrl: s.url, token: s.token }),
      phaseDir: s.phaseDir,
      tmux: createTmux({ socketName: tmux.socket }),
      print: (line) => lines.push(line),
    });

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

    // The phase escalation: a reply in #oncall is typed into the demo's stand-in session.
    const escalation = await vi.waitUntil(() => s.fake.messages('C0ONCALL')[0], { timeout: 10_000 });
    await driver.postMessage({
      channel: 'C0ONCALL',
      user: 'U0ALICE',
      text: 'use staging-db-3',
      thread_ts: escalation.ts,
    });
    await vi.waitUntil(() => lines.some((l) => l.includes('use staging-db-3')), { timeout: 10_000 });

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
    expect(readFileSync(join(s.phaseDir, 'dev-session-demo-app-7.phase'), 'utf8')).toBe('PHASE:done\n');
    expect(lines.find((l) => l.startsWith('✉ guidance typed into dev-demo-app-7'))).toContain(
      'Human guidance from alice in Slack:',
    );
    expect(s.fake.thread('C0ONCALL', escalation.ts).map((m) => m.text)).toContain('✓ forwarded to dev-demo-app-7');
  });
});

async function tokenIdOf(text: string | undefined): Promise<string> {
  const m = /\((sem-[0-9a-f]{8})\)$/.exec(text ?? '');
  if (!m?.[1]) throw new Error(`no token id in "${text}"`);
  return m[1];
}
