import { describe, expect, it, vi } from 'vitest';
import { readSandboxToken } from '../../src/sandbox/token-file.js';
import { startChildBridge } from '../helpers/child-bridge.js';
import { freePort } from '../helpers/ports.js';
import { sandboxPost } from '../helpers/sandbox.js';
import { tempDbPath } from '../helpers/temp.js';

interface Msg {
  ts: string;
  text?: string;
  replies: { ts: string; text?: string }[];
}
interface PageState {
  channels: { id: string; name: string }[];
  messages: Record<string, Msg[]>;
}

const stateOf = async (url: string): Promise<PageState> => (await fetch(`${url}/sandbox/api/state`)).json();
const outbox = async (url: string) =>
  ((await (await fetch(`${url}/healthz`)).json()) as { outbox: { pending: number; dead: number } }).outbox;

/** Ctrl-C: the first SIGINT stops the bridge cleanly. */
async function interrupt(bridge: Awaited<ReturnType<typeof startChildBridge>>): Promise<void> {
  const exited = new Promise((resolve) => bridge.child.once('exit', resolve));
  bridge.child.kill('SIGINT');
  await exited;
}

describe('the sandbox workspace across a restart', () => {
  it('shows the same channels, cards and threads after Ctrl-C and a new start, and answering updates the old card', async () => {
    const db = tempDbPath();
    const env = { RODIZIO_DB: db, RODIZIO_PHASE_WATCH: 'false', LOG_LEVEL: 'warn', SLACK_POST_INTERVAL: '1ms' };
    const first = await startChildBridge({ ...env, PORT: String(await freePort()) });
    const token = readSandboxToken(db);
    const create = (prompt: string) =>
      fetch(`${first.url}/v1/tokens`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ reason: 'approval_needed', prompt, options: ['Ship', 'Wait'] }),
      }).then((r) => r.json() as Promise<{ id: string }>);
    const one = await create('Ship one?');
    const two = await create('Ship two?');
    const cards = await vi.waitUntil(
      async () => {
        const s = await stateOf(first.url);
        return s.messages.C0AGENTS?.length === 2 ? s.messages.C0AGENTS : undefined;
      },
      { timeout: 10_000 },
    );
    const cardOf = (list: Msg[], id: string) => list.find((m) => m.text?.includes(id));
    const answered = await sandboxPost(first.url, 'click', {
      source: 'message',
      user: 'U0ALICE',
      channel: 'C0AGENTS',
      ts: cardOf(cards, one.id)?.ts,
      actionId: 'rodizio.option.0',
    });
    expect(answered.json).toEqual({ ok: true });
    await sandboxPost(first.url, 'message', {
      user: 'U0BOB',
      channel: 'C0AGENTS',
      text: 'looking at it',
      thread_ts: cardOf(cards, two.id)?.ts,
    });
    await vi.waitUntil(async () => (await outbox(first.url)).pending === 0, { timeout: 10_000 });
    const before = await stateOf(first.url);
    expect(cardOf(before.messages.C0AGENTS ?? [], one.id)?.replies.length).toBeGreaterThan(0);
    await interrupt(first);

    const second = await startChildBridge({ ...env, PORT: String(await freePort()) });
    const after = await stateOf(second.url);
    expect(after.channels).toEqual(before.channels);
    expect(after.messages).toEqual(before.messages);

    // The pending token is answered in the restarted bridge: its existing card flips, nothing is reposted.
    const twoCard = cardOf(after.messages.C0AGENTS ?? [], two.id);
    const click = await sandboxPost(second.url, 'click', {
      source: 'message',
      user: 'U0CAROL',
      channel: 'C0AGENTS',
      ts: twoCard?.ts,
      actionId: 'rodizio.option.1',
    });
    expect(click.json, second.output.join('')).toEqual({ ok: true });
    await vi.waitUntil(async () => (await outbox(second.url)).pending === 0, { timeout: 10_000 });
    expect(await outbox(second.url)).toMatchObject({ dead: 0 });
    const final = await stateOf(second.url);
    expect(final.messages.C0AGENTS?.map((m) => m.ts)).toEqual(after.messages.C0AGENTS?.map((m) => m.ts));
    const flipped = cardOf(final.messages.C0AGENTS ?? [], two.id);
    expect(flipped).not.toEqual(twoCard);
    expect(JSON.stringify(flipped)).toContain('Wait');
    expect(flipped?.replies.map((r) => r.text)).toContain('looking at it');
  }, 40_000);
});
