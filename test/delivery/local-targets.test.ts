import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { FileConfig } from '../../src/config.js';
import { ADMIN_SECRET, CI_ALLOW, startTestBridge } from '../helpers/bridge.js';
import { CARDS, startSlackBridge } from '../helpers/slack.js';
import { tempDir } from '../helpers/temp.js';
import { privateTmux } from '../helpers/tmux.js';

const resolveBody = (answer: unknown, by = 'U0ALICE') => ({
  token: ADMIN_SECRET,
  body: { human_input: answer, by, by_name: 'alice' },
});

describe('tmux delivery', () => {
  it('types the answer into the session byte for byte, with nothing executed', async () => {
    const tmux = privateTmux();
    const session = tmux.catSession('agent-7');
    const t = await startTestBridge({ config: { tmuxSocket: tmux.socket } });
    const created = await t.call('POST', '/v1/tokens', {
      body: {
        id: 'sem-tmux',
        reason: 'context_required',
        prompt: 'Which path?',
        delivery: { type: 'tmux', session: 'agent-7' },
      },
    });
    const marker = join(tempDir(), 'pwned');
    const answer = `Use "src/it's here" and $(touch ${marker}) or \`touch ${marker}\`; also $HOME\nsecond line\twith a tab`;
    await t.call('POST', `/v1/tokens/${created.json.id}/resolve`, resolveBody(answer));
    await vi.waitUntil(
      async () => session.read().length > 0 || (await t.bridge.purgatory.store.outbox.count('pending')) === 0,
      {
        timeout: 5000,
      },
    );
    await vi.waitUntil(async () => (await t.bridge.purgatory.store.outbox.count('pending')) === 0, { timeout: 5000 });
    const typed = await session.finish();
    expect(typed).toBe(`Human answer from alice for sem-tmux:\n\n${answer}\n`);
    expect(existsSync(marker)).toBe(false);
  });

  it('keeps the answer queued while the session is missing, says so once in the thread, and delivers when it appears', async () => {
    const tmux = privateTmux();
    const clock = new ManualClock();
    const t = await startSlackBridge({
      clock,
      config: { tmuxSocket: tmux.socket },
      file: { runners: { ci: { allow: CI_ALLOW } } },
    });
    const { id, card } = await t.createAndPost({
      reason: 'approval_needed',
      prompt: 'Go?',
      options: ['go'],
      delivery: { type: 'tmux', session: 'late-agent' },
    });
    await t.driver.clickButton({ channel: CARDS, ts: card.ts, actionId: 'rodizio.option.0', user: 'U0ALICE' });
    await t.bridge.worker.drain();
    for (let i = 0; i < 3; i++) {
      clock.advance(15 * 60_000);
      await t.bridge.worker.drain();
    }
    const notes = t.fake.thread(CARDS, card.ts).filter((m) => m.text?.startsWith('📨'));
    expect(notes.map((m) => m.text)).toEqual([
      '📨 The answer is queued: tmux session `late-agent` does not exist yet. rodizio keeps trying (about a day).',
    ]);
    const session = tmux.catSession('late-agent');
    clock.advance(15 * 60_000);
    await t.bridge.worker.drain();
    expect(await session.finish()).toBe(`Human answer from alice for ${id}:\n\ngo\n`);
  });
});

describe('file deliveries', () => {
  it('writes the reentry JSON atomically into a folder', async () => {
    const dir = join(tempDir(), 'inbox');
    const t = await startTestBridge();
    const created = await t.call('POST', '/v1/tokens', {
      body: { reason: 'approval_needed', frozen_state: 'c3RhdGU=', delivery: { type: 'file', dir } },
    });
    await t.call('POST', `/v1/tokens/${created.json.id}/resolve`, resolveBody({ replicas: 3 }));
    await vi.waitUntil(() => existsSync(join(dir, `${created.json.id}.json`)), { timeout: 5000 });
    const reentry = JSON.parse(readFileSync(join(dir, `${created.json.id}.json`), 'utf8'));
    expect(reentry).toMatchObject({
      token_id: created.json.id,
      human_input: { replicas: 3 },
      frozen_state: 'c3RhdGU=',
      outcome: 'resolved',
    });
    expect(readdirSync(dir)).toEqual([`${created.json.id}.json`]);
  });

  it('appends ISO-time<TAB>sender<TAB>body lines to a reply file (the older convention)', async () => {
    const path = join(tempDir(), 'replies', 'dev-web-12.replies');
    const t = await startTestBridge();
    for (const answer of ['ship it', 'line one\nline two\twith tab']) {
      const created = await t.call('POST', '/v1/tokens', {
        body: { reason: 'context_required', delivery: { type: 'reply_file', path } },
      });
      await t.call('POST', `/v1/tokens/${created.json.id}/resolve`, resolveBody(answer));
    }
    await vi.waitUntil(() => existsSync(path) && readFileSync(path, 'utf8').split('\n').length === 3, {
      timeout: 5000,
    });
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00\talice\tship it$/);
    expect(lines[1]?.split('\t').slice(1)).toEqual(['alice', 'line one\\nline two\\twith tab']);
  });
});

describe('file targets are checked again when the answer is written', () => {
  it('a folder swapped for a symlink out of the allowed folders after create: the delivery is dead, nothing written outside', async () => {
    const allowed = tempDir();
    const outside = tempDir();
    const inbox = join(allowed, 'inbox');
    mkdirSync(inbox);
    const t = await startTestBridge({
      config: {
        file: FileConfig.parse({
          runners: { ci: { allow: { file_dirs: [allowed] } } },
        }),
      },
    });
    const created = await t.call('POST', '/v1/tokens', {
      body: { reason: 'approval_needed', prompt: 'Swap?', delivery: { type: 'file', dir: inbox } },
    });
    expect(created.status).toBe(201);
    rmSync(inbox, { recursive: true });
    symlinkSync(outside, inbox);
    await t.call('POST', `/v1/tokens/${created.json.id}/resolve`, resolveBody('yes'));
    await vi.waitUntil(async () => (await t.bridge.purgatory.store.outbox.count('dead')) === 1, { timeout: 5000 });
    const [job] = await t.bridge.purgatory.store.outbox.list({ status: 'dead', limit: 1 });
    expect(job?.last_error).toMatch(/^delivery\.dir: /);
    expect(readdirSync(outside)).toEqual([]);
  });
});
