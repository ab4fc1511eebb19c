import { describe, expect, it } from 'vitest';
import type { FeedEvent } from '../../src/client/event-stream.js';
import { openPurgatory } from '../../src/main.js';
import { ADMIN_SECRET, OTHER_SECRET, testConfig } from '../helpers/bridge.js';
import { CI, OTHER, openStream, readEvents, startEventBridge } from './helpers.js';

const tick = () => new Promise((r) => setImmediate(r));

describe('event stream over real HTTP', () => {
  it('1,000 state changes while a client disconnects and resumes with Last-Event-ID twice: each event once, in order', async () => {
    const t = await startEventBridge({ stream: { heartbeatMs: 50 } });
    const p = t.bridge.purgatory;
    const first = await openStream(t.url);
    expect(first.status).toBe(200);
    const otherStream = await openStream(t.url, { token: OTHER_SECRET });

    // 1,000 changes: 500 creates (ci and other alternating), then 300 resolves and 200 cancels, interleaved.
    const producing = (async () => {
      let changes = 0;
      for (let i = 0; i < 500; i++) {
        await p.create({ id: `ev-${i}`, reason: 'approval_needed', prompt: `q${i}` }, i % 2 ? OTHER : CI);
        changes++;
        if (i >= 10) {
          const j = i - 10;
          if (j % 5 < 3) await p.resolve(`ev-${j}`, { humanInput: 'yes', by: 'U1', via: 'api' });
          else await p.cancel(`ev-${j}`, { actor: 'ci', via: 'api' });
          changes++;
        }
        if (i % 10 === 0) await tick();
      }
      for (let j = 490; j < 500; j++) {
        await p.cancel(`ev-${j}`, { actor: 'ci', via: 'api' });
        changes++;
      }
      return changes;
    })();

    const seen: FeedEvent[] = [];
    const a = await readEvents(first, (s) => s.length >= 150, seen);
    first.close();
    const second = await openStream(t.url, { lastEventId: a.lastId });
    const b = await readEvents(second, (s) => s.length >= 400, seen);
    second.close();
    // Resumed again with the header (the query's `since` is older and loses to it).
    const third = await openStream(t.url, { lastEventId: b.lastId, query: '?since=1' });
    expect(await producing).toBe(1000);
    const expected: string[] = [];
    for (let since = '0'; ; ) {
      const page = await t.call('GET', `/v1/events?since=${since}&limit=1000`);
      expected.push(...page.json.events.map((e: FeedEvent) => e.id));
      since = page.json.next_cursor;
      if (!page.json.has_more) break;
    }
    expect(expected.length).toBe(500); // ci's half: 250 ejected + 250 resolved/cancelled
    await readEvents(third, (s) => s.length >= expected.length, seen);
    third.close();

    const ids = seen.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expected);
    expect(seen.every((e) => e.runner === 'ci')).toBe(true);
    expect(seen.filter((e) => e.type === 'ejected')).toHaveLength(250);

    const others = await readEvents(otherStream, (s) => s.length >= 500);
    otherStream.close();
    expect(others.events.every((e) => e.runner === 'other')).toBe(true);
    expect(new Set(others.events.map((e) => e.token_id)).size).toBe(250);
  }, 60_000);

  it('applies type, token and project filters, sends heartbeats, and the admin sees store events', async () => {
    const t = await startEventBridge({ stream: { heartbeatMs: 20 } });
    const p = t.bridge.purgatory;
    const typed = await openStream(t.url, { query: '?types=resolved,cancelled&project=web' });
    const admin = await openStream(t.url, { token: ADMIN_SECRET, query: '?since=0' });
    await p.create({ id: 'f-1', reason: 'approval_needed', project: 'web' }, CI);
    await p.create({ id: 'f-2', reason: 'approval_needed', project: 'api' }, CI);
    await p.resolve('f-2', { humanInput: 'yes', by: 'U1', via: 'api' });
    await p.cancel('f-1', { actor: 'ci', via: 'api' });
    await p.gc(365 * 24 * 3600_000); // deletes nothing (events of deleted tokens go with them), still records `gc`
    const got = await readEvents(typed, (s) => s.length >= 1);
    expect(got.events.map((e) => [e.type, e.token_id, e.project])).toEqual([['cancelled', 'f-1', 'web']]);
    const all = await readEvents(admin, (s) => s.some((e) => e.type === 'gc'));
    expect(all.events.map((e) => e.type)).toEqual(['ejected', 'ejected', 'resolved', 'cancelled', 'gc']);
    expect(all.events.at(-1)).toMatchObject({ token_id: null, runner: null, data: { deleted: 0 } });
    typed.close();
    admin.close();

    // Heartbeats: comment lines on an idle stream (read raw, they are not events).
    const res = await fetch(`${t.url}/v1/events/stream`, { headers: { authorization: `Bearer ${ADMIN_SECRET}` } });
    const reader = res.body?.getReader();
    let text = '';
    while (!/: heartbeat/.test(text)) {
      const chunk = await reader?.read();
      if (!chunk || chunk.done) throw new Error(`stream ended: ${text}`);
      text += new TextDecoder().decode(chunk.value);
    }
    await reader?.cancel();
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  });

  it('notices events committed by another process (the CLI) through the change watcher', async () => {
    const t = await startEventBridge();
    const stream = await openStream(t.url, { token: ADMIN_SECRET });
    // A second connection to the same file, as `rodizio resolve` would open it.
    const cli = await openPurgatory(testConfig({ dbPath: t.bridge.store.location }));
    try {
      await cli.purgatory.create({ id: 'cli-1', reason: 'approval_needed' }, CI);
    } finally {
      await cli.close();
    }
    const got = await readEvents(stream, (s) => s.length >= 1);
    expect(got.events[0]).toMatchObject({ type: 'ejected', token_id: 'cli-1', runner: 'ci' });
    stream.close();
  });
});
