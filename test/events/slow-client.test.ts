import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ADMIN_SECRET } from '../helpers/bridge.js';
import { CI, openStream, readEvents, startEventBridge } from './helpers.js';

describe('a client that does not read', () => {
  it('is dropped with a close reason once its buffer stays over the bound; the bridge keeps serving', async () => {
    const bound = 64 * 1024;
    const t = await startEventBridge({ stream: { maxBufferedBytes: bound, stallMs: 300, dropGraceMs: 20_000 } });
    const p = t.bridge.purgatory;
    // A raw HTTP client that reads the headers and then nothing.
    const url = new URL(`${t.url}/v1/events/stream?since=0`);
    const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      const req = request(url, { headers: { authorization: `Bearer ${ADMIN_SECRET}` } }, resolve);
      req.on('error', reject);
      req.end();
    });
    res.pause();
    // ~16 MB of events (16 KiB answers): far more than the kernel's socket buffers hold.
    const answer = 'x'.repeat(16 * 1024);
    for (let i = 0; i < 1000 && !t.logs.text().includes('event stream dropped'); i++) {
      await p.create({ id: `slow-${i}`, reason: 'approval_needed' }, CI);
      await p.resolve(`slow-${i}`, { humanInput: answer, by: 'U1', via: 'api' });
      if (i % 20 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    await expect.poll(() => t.logs.text().includes('event stream dropped'), { timeout: 5000 }).toBe(true);
    const line = t.logs.lines.find((l) => l.msg === 'event stream dropped: the client does not read');
    // The server held at most the bound plus one event, never the backlog (that stays in the table).
    expect(Number(line?.buffered)).toBeLessThanOrEqual(bound + 40 * 1024);

    // Meanwhile the bridge serves others: a page, and a fresh stream that sees new events.
    expect((await t.call('GET', '/healthz')).status).toBe(200);
    const fresh = await openStream(t.url);
    await p.create({ id: 'after-drop', reason: 'approval_needed' }, CI);
    const got = await readEvents(fresh, (s) => s.length >= 1);
    expect(got.events[0]?.token_id).toBe('after-drop');
    fresh.close();

    // The dropped client, reading at last, finds the reason at the end of what it was sent.
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (c: string) => {
      text += c;
    });
    res.resume();
    await new Promise((resolve) => res.on('end', resolve));
    expect(text).toMatch(/event: error\ndata: \{"reason":"slow_client"/);
    expect(text.trimEnd().endsWith('}')).toBe(true);
    const lastId = /"last_event_id":"(\d+)"/.exec(text)?.[1];
    expect(lastId).toBe(String(line?.last_event_id));
  }, 60_000);
});
