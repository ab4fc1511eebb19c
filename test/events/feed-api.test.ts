import { describe, expect, it } from 'vitest';
import type { FeedEvent } from '../../src/client/event-stream.js';
import { ADMIN_SECRET, OTHER_SECRET } from '../helpers/bridge.js';
import { storeSnapshot } from '../helpers/store.js';
import { CI, OTHER, startEventBridge } from './helpers.js';

async function seed(t: Awaited<ReturnType<typeof startEventBridge>>) {
  const p = t.bridge.purgatory;
  for (let i = 0; i < 20; i++) {
    await p.create({ id: `pg-${i}`, reason: 'approval_needed', project: i % 2 ? 'web' : 'api' }, i < 15 ? CI : OTHER);
  }
  for (let i = 0; i < 10; i++) await p.resolve(`pg-${i}`, { humanInput: 'yes', by: 'U1', via: 'api' });
  await p.cancel('pg-12', { actor: 'ci', via: 'api', reason: 'not needed' });
}

describe('GET /v1/events', () => {
  it('pages by cursor, oldest first, and next_cursor continues without gaps or repeats', async () => {
    const t = await startEventBridge();
    await seed(t);
    const all = await t.call('GET', '/v1/events?limit=1000');
    expect(all.status).toBe(200);
    expect(all.json.has_more).toBe(false);
    const full: FeedEvent[] = all.json.events;
    expect(full).toHaveLength(26); // ci: 15 ejected, 10 resolved, 1 cancelled
    expect(full[0]).toMatchObject({ type: 'ejected', token_id: 'pg-0', runner: 'ci', project: 'api', actor: 'ci' });
    expect(full[0]?.at).toMatch(/^\d{4}-\d\d-\d\dT/);
    const ids = full.map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));

    const paged: FeedEvent[] = [];
    let since = '0';
    for (let round = 0; round < 10; round++) {
      const page = await t.call('GET', `/v1/events?since=${since}&limit=7`);
      paged.push(...page.json.events);
      since = page.json.next_cursor;
      if (!page.json.has_more) break;
    }
    expect(paged).toEqual(full);
    // An empty page at the end keeps the cursor at the log's end.
    const tail = await t.call('GET', `/v1/events?since=${since}`);
    expect(tail.json).toEqual({ events: [], next_cursor: since, has_more: false });
  });

  it('filters by types, token and project; a runner never sees another runner; the admin sees all', async () => {
    const t = await startEventBridge();
    await seed(t);
    const typed = await t.call('GET', '/v1/events?types=cancelled,expired');
    expect(typed.json.events.map((e: FeedEvent) => [e.type, e.token_id, e.data])).toEqual([
      ['cancelled', 'pg-12', { reason: 'not needed' }],
    ]);
    const token = await t.call('GET', '/v1/events?token=pg-3');
    expect(token.json.events.map((e: FeedEvent) => e.type)).toEqual(['ejected', 'resolved']);
    const project = await t.call('GET', '/v1/events?project=web&types=ejected');
    expect(project.json.events).toHaveLength(7);
    // Another runner's token: nothing, not a 403 (the feed never says what exists elsewhere).
    expect((await t.call('GET', '/v1/events?token=pg-17')).json.events).toEqual([]);
    const other = await t.call('GET', '/v1/events', { token: OTHER_SECRET });
    expect(other.json.events).toHaveLength(5);
    expect(other.json.events.every((e: FeedEvent) => e.runner === 'other')).toBe(true);
    const admin = await t.call('GET', '/v1/events?limit=1000', { token: ADMIN_SECRET });
    expect(admin.json.events).toHaveLength(31);
  });

  it('bad input: 400 with the field, 401 without a bearer; nothing stored changes', async () => {
    const t = await startEventBridge();
    await seed(t);
    const before = await storeSnapshot(t.bridge.store);
    const bad: [string, string][] = [
      ['/v1/events?since=abc', 'since'],
      ['/v1/events?since=-1', 'since'],
      ['/v1/events?since=01', 'since'],
      ['/v1/events?since=99999999999999999999', 'since'],
      ['/v1/events?types=Resolved', 'types.0'],
      ['/v1/events?types=resolved,,cancelled', 'types.1'],
      ['/v1/events?types=a%20b', 'types.0'],
      ['/v1/events?limit=0', 'limit'],
      ['/v1/events?limit=1001', 'limit'],
      ['/v1/events?limit=x', 'limit'],
      ['/v1/events?runner=other', '(root)'],
      ['/v1/events/stream?since=x', 'since'],
      ['/v1/events/stream?types=NOPE', 'types.0'],
      ['/v1/events/stream?limit=5', '(root)'],
    ];
    for (const [path, field] of bad) {
      const res = await t.call('GET', path);
      expect(res.status, path).toBe(400);
      expect(
        res.json.error.issues.map((i: { path: string }) => i.path),
        path,
      ).toContain(field);
    }
    const header = await t.call('GET', '/v1/events/stream', { headers: { 'last-event-id': 'nope' } });
    expect(header.status).toBe(400);
    expect(header.json.error.message).toMatch(/Last-Event-ID/);
    for (const path of ['/v1/events', '/v1/events/stream', '/v1/subscriptions']) {
      expect((await t.call('GET', path, { token: null })).status).toBe(401);
      expect((await t.call('GET', path, { token: 'wrong' })).status).toBe(401);
    }
    expect((await t.call('POST', '/v1/events', { body: {} })).status).toBe(405);
    expect(await storeSnapshot(t.bridge.store)).toEqual(before);
  });
});
