import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ReadyFilter } from '../../../src/store/outbox.js';
import type { Store } from '../../../src/store/store.js';
import { engines, type Harness } from './harness.js';

describe.each(engines)('$engine store: outbox and gates', ({ setup }) => {
  let h: Harness;
  let s: Store;
  beforeEach(async () => {
    h = await setup();
    s = h.store;
  });
  afterEach(() => h.cleanup());

  describe('outbox', () => {
    it('offers lane heads by priority and time, without closed gates or full kinds, and lifts a lane', async () => {
      const a = await s.outbox.enqueue({ kind: 'post', lane: 'L1', tokenId: 't1' }, 100);
      const b = await s.outbox.enqueue({ kind: 'post', lane: 'L1', payload: { x: 1 } }, 101);
      const c = await s.outbox.enqueue({ kind: 'update', lane: 'L2', gate: 'chan:C1' }, 102);
      const d = await s.outbox.enqueue({ kind: 'hook', lane: 'L3' }, 103);
      await s.outbox.enqueue({ kind: 'post', lane: 'L4', runAtMs: 5000 }, 104);
      const f = await s.outbox.enqueue({ kind: 'update', lane: 'L5', priority: 0 }, 105);
      const ready = async (now: number, filter?: { closedGates: string[]; fullKinds: string[] }) =>
        (await s.outbox.ready(now, 10, filter)).map((j) => j.id);
      expect(await ready(200)).toEqual([f, a, c, d]);
      expect(await ready(200, { closedGates: ['chan:C1'], fullKinds: ['hook'] })).toEqual([f, a]);
      expect(await s.outbox.nextRunAt()).toBe(100);
      expect(await s.outbox.nextRunAt({ closedGates: [], fullKinds: ['post', 'update', 'hook'] })).toBeUndefined();
      expect(await s.outbox.get(b)).toMatchObject({ payload: '{"x":1}', priority: 1, status: 'pending', attempts: 0 });
      await s.outbox.enqueue({ kind: 'flip', lane: 'L1', priority: 0 }, 106);
      expect(await s.outbox.get(b)).toMatchObject({ priority: 0 });
      expect(await ready(200)).toEqual([a, f, c, d]);
      await s.outbox.complete(a, 300);
      expect(await s.outbox.get(a)).toMatchObject({ status: 'done', attempts: 1, updated_ms: 300 });
      expect((await ready(300))[0]).toBe(b);
    });

    it('leases exclusively until expiry; renews, completes, reschedules, kills and revives', async () => {
      const a = await s.outbox.enqueue({ kind: 'post', tokenId: 't1' }, 100);
      const b = await s.outbox.enqueue({ kind: 'post', tokenId: 't2' }, 100);
      expect(await s.outbox.lease(a, 'w1', 200, 1000)).toBe(true);
      expect(await s.outbox.lease(a, 'w2', 300, 1000)).toBe(false);
      expect((await s.outbox.ready(300, 10)).map((j) => j.id)).toEqual([b]);
      expect(await s.outbox.nextRunAt({ closedGates: [], fullKinds: [] })).toBe(100);
      expect(await s.outbox.lease(a, 'w2', 1200, 1000)).toBe(true);
      expect(await s.outbox.renewLeases('w2', 9000)).toBe(1);
      expect(await s.outbox.get(a)).toMatchObject({ leased_until_ms: 9000, lease_owner: 'w2' });
      expect(await s.outbox.releaseLeasesNotOwnedBy('w2')).toBe(0);
      expect(await s.outbox.releaseLeasesNotOwnedBy('w3')).toBe(1);
      await s.outbox.reschedule(a, 900, 'slow down', 1300, false);
      expect(await s.outbox.get(a)).toMatchObject({ run_at_ms: 900, attempts: 0, last_error: 'slow down' });
      await s.outbox.reschedule(a, 950, 'failed', 1300, true);
      expect(await s.outbox.get(a)).toMatchObject({ attempts: 1, lease_owner: null, leased_until_ms: null });
      await s.outbox.kill(b, 'gave up', 1400);
      expect(await s.outbox.get(b)).toMatchObject({ status: 'dead', last_error: 'gave up', attempts: 1 });
      expect(await s.outbox.revive(b, 1500)).toBe(true);
      expect(await s.outbox.revive(b, 1500)).toBe(false);
      expect(await s.outbox.get(b)).toMatchObject({ status: 'pending', attempts: 0, run_at_ms: 1500 });
      await s.outbox.complete(b, 1600);
      expect([await s.outbox.count('pending'), await s.outbox.count('done')]).toEqual([1, 1]);
      expect((await s.outbox.list({ kind: 'PO', limit: 10 })).map((j) => j.id)).toEqual([b, a]);
      expect((await s.outbox.list({ status: 'done', limit: 10 })).map((j) => j.id)).toEqual([b]);
      expect((await s.outbox.list({ tokenId: 't1', kind: '', limit: 10 })).map((j) => j.id)).toEqual([a]);
      await s.outbox.removeForToken('t1');
      expect(await s.outbox.get(a)).toBeUndefined();
    });

    it('stores the host of a job, and offers it only to the replica of that host (no host: only unbound jobs)', async () => {
      const a = await s.outbox.enqueue({ kind: 'tmux', lane: 'La', host: 'a', runAtMs: 50 }, 10);
      const free = await s.outbox.enqueue({ kind: 'post', lane: 'Lf' }, 100);
      // Behind a head bound to host a, a lane waits for host a's replica whatever the later jobs' host.
      const behind = await s.outbox.enqueue({ kind: 'post', lane: 'La' }, 100);
      expect(await s.outbox.get(a)).toMatchObject({ host: 'a' });
      expect(await s.outbox.get(free)).toMatchObject({ host: null });
      const ready = async (host?: string) => (await s.outbox.ready(200, 10, filter({ host }))).map((j) => j.id);
      expect(await ready('a')).toEqual([a, free]);
      expect(await ready('b')).toEqual([free]);
      expect(await ready()).toEqual([free]);
      expect(await s.outbox.nextRunAt(filter({ host: 'a' }))).toBe(50);
      expect(await s.outbox.nextRunAt(filter({ host: 'b' }))).toBe(100);
      expect(await s.outbox.nextRunAt(filter())).toBe(100);
      expect(await s.outbox.nextRunAt()).toBe(100);
      expect(ids(await s.outbox.claim(200, 10, filter({ host: 'b' }), 'wb', 1000))).toEqual([free]);
      expect(await s.outbox.claim(200, 10, filter(), 'w0', 1000)).toEqual([]);
      expect(ids(await s.outbox.claim(200, 10, filter({ host: 'a' }), 'wa', 1000))).toEqual([a]);
      await s.outbox.complete(a, 300);
      expect(ids(await s.outbox.claim(300, 10, filter(), 'w0', 1000))).toEqual([behind]);
    });

    it('leaves jobs behind a gate closed in the gates table, and counts its opening in nextRunAt', async () => {
      const a = await s.outbox.enqueue({ kind: 'post', lane: 'L1', gate: 'slack.post:C1' }, 100);
      const b = await s.outbox.enqueue({ kind: 'post', lane: 'L2', gate: 'slack.post:C2' }, 150);
      await s.gates.pause('slack.post:C1', 500);
      expect(ids(await s.outbox.ready(200, 10))).toEqual([b]);
      expect(await s.outbox.nextRunAt()).toBe(150);
      expect(await s.outbox.nextRunAt(filter({ closedGates: ['slack.post:C2'] }))).toBe(500);
      expect(await s.outbox.claim(499, 10, filter({ closedGates: ['slack.post:C2'] }), 'w', 1000)).toEqual([]);
      expect(ids(await s.outbox.ready(500, 10))).toEqual([a, b]);
      // Runnable at the latest of its time, its lease's end and its gate's opening.
      await s.outbox.reschedule(a, 900, null, 200, false);
      expect(await s.outbox.nextRunAt(filter({ closedGates: ['slack.post:C2'] }))).toBe(900);
      await s.gates.pause('slack.post:C1', 1200);
      expect(await s.outbox.nextRunAt(filter({ closedGates: ['slack.post:C2'] }))).toBe(1200);
      expect(await s.outbox.lease(a, 'w', 1000, 1000)).toBe(true);
      expect(await s.outbox.nextRunAt(filter({ closedGates: ['slack.post:C2'] }))).toBe(2000);
    });

    it('claims distinct jobs in ready order, leased to the owner, and never the second job of a lane early', async () => {
      const a1 = await s.outbox.enqueue({ kind: 'post', lane: 'A' }, 100);
      const a2 = await s.outbox.enqueue({ kind: 'post', lane: 'A' }, 101);
      const b1 = await s.outbox.enqueue({ kind: 'update', lane: 'B', priority: 0 }, 102);
      const c1 = await s.outbox.enqueue({ kind: 'hook', lane: 'C' }, 103);
      const d1 = await s.outbox.enqueue({ kind: 'post', lane: 'D', runAtMs: 5000 }, 104);
      const d2 = await s.outbox.enqueue({ kind: 'post', lane: 'D' }, 105);
      const e1 = await s.outbox.enqueue({ kind: 'post', lane: 'E', gate: 'g' }, 106);

      const first = await s.outbox.claim(200, 2, filter(), 'w1', 1000);
      expect(ids(first)).toEqual([b1, a1]);
      expect(first[1]).toMatchObject({ lease_owner: 'w1', leased_until_ms: 1200, updated_ms: 200 });
      expect(await s.outbox.get(a1)).toMatchObject({ lease_owner: 'w1', leased_until_ms: 1200, updated_ms: 200 });
      // a2 waits for its leased head, d2 for its deferred head; the filter still applies.
      const second = await s.outbox.claim(200, 10, filter({ closedGates: ['g'], fullKinds: ['hook'] }), 'w2', 1000);
      expect(second).toEqual([]);
      expect(ids(await s.outbox.claim(200, 10, filter(), 'w2', 1000))).toEqual([c1, e1]);
      expect(await s.outbox.claim(300, 10, filter(), 'w3', 1000)).toEqual([]);
      // A lease that runs out makes the job claimable again, by anyone; a2 still waits for its head.
      expect(ids(await s.outbox.claim(1200, 10, filter(), 'w3', 1000))).toEqual([b1, a1, c1, e1]);
      for (const id of [a1, b1, c1, e1]) await s.outbox.complete(id, 1300);
      expect(ids(await s.outbox.claim(1300, 10, filter(), 'w4', 1000))).toEqual([a2]);
      await s.outbox.complete(a2, 1400);
      expect(ids(await s.outbox.claim(5000, 10, filter(), 'w4', 1000))).toEqual([d1]);
      await s.outbox.complete(d1, 5100);
      expect(ids(await s.outbox.claim(5100, 10, filter(), 'w4', 1000))).toEqual([d2]);
      // Inside a transaction too.
      const f1 = await s.outbox.enqueue({ kind: 'post', lane: 'F' }, 5200);
      const inTx = await s.transaction((tx) => tx.outbox.claim(5200, 10, filter(), 'w5', 1000));
      expect(inTx).toMatchObject([{ id: f1, lease_owner: 'w5', leased_until_ms: 6200 }]);
    });

    it('completes several jobs in one call, and a lane moves on to its next job', async () => {
      const a1 = await s.outbox.enqueue({ kind: 'post', lane: 'A' }, 100);
      const a2 = await s.outbox.enqueue({ kind: 'post', lane: 'A' }, 100);
      const b1 = await s.outbox.enqueue({ kind: 'hook', lane: 'B' }, 100);
      const c1 = await s.outbox.enqueue({ kind: 'hook', lane: 'C' }, 100);
      expect(ids(await s.outbox.claim(200, 10, filter(), 'w1', 1000))).toEqual([a1, b1, c1]);
      await s.outbox.completeMany([a1, b1], 300);
      for (const id of [a1, b1]) {
        expect(await s.outbox.get(id)).toMatchObject({
          status: 'done',
          attempts: 1,
          lease_owner: null,
          updated_ms: 300,
        });
      }
      expect(await s.outbox.get(c1)).toMatchObject({ status: 'pending', lease_owner: 'w1' });
      expect(ids(await s.outbox.claim(300, 10, filter(), 'w2', 1000))).toEqual([a2]);
      await s.outbox.completeMany([], 400);
      expect(await s.outbox.count('done')).toBe(2);
    });

    it('says whether a job went in at the head of its lane, as enqueue does otherwise', async () => {
      const head = async (lane: string) => (await s.outbox.enqueueInLane({ kind: 'post', lane }, 100)).laneHead;
      expect(await head('L1')).toBe(true);
      expect(await head('L1')).toBe(false);
      expect(await head('L2')).toBe(true);
      const [a, b] = (await s.outbox.list({ status: 'pending', limit: 10 })).filter((j) => j.lane === 'L1').reverse();
      await s.outbox.complete(a?.id ?? 0, 200);
      // The second L1 job heads its lane now, and a third queues behind it.
      expect(await head('L1')).toBe(false);
      await s.outbox.kill(b?.id ?? 0, 'gave up', 300);
      const { id, laneHead } = await s.outbox.enqueueInLane({ kind: 'post', lane: 'L3', tokenId: 't1' }, 400);
      expect(laneHead).toBe(true);
      expect(await s.outbox.get(id)).toMatchObject({ lane: 'L3', token_id: 't1', status: 'pending' });
    });

    it('enqueues several jobs at once in the order given, with each lane’s head and priority-0 lift as one by one', async () => {
      const behind = await s.outbox.enqueue({ kind: 'post', lane: 'L1', priority: 1 }, 50);
      expect(await s.outbox.enqueueMany([], 100)).toEqual([]);
      const out = await s.outbox.enqueueMany(
        [
          { kind: 'card', lane: 'L2', tokenId: 't2', gate: 'slack.update', priority: 0, payload: { n: 1 } },
          { kind: 'reply', lane: 'L2', tokenId: 't2', gate: 'slack.post:C1', priority: 0 },
          { kind: 'late', lane: 'L1', priority: 0, runAtMs: 900, host: 'h1' },
        ],
        100,
      );
      expect(out.map((o) => o.laneHead)).toEqual([true, false, false]);
      const [card, reply, late] = out.map((o) => o.id) as [number, number, number];
      expect(card < reply && reply < late && behind < card).toBe(true);
      expect(await s.outbox.get(card)).toMatchObject({
        kind: 'card',
        lane: 'L2',
        token_id: 't2',
        gate: 'slack.update',
        priority: 0,
        payload: '{"n":1}',
        run_at_ms: 100,
        created_ms: 100,
        status: 'pending',
        host: null,
      });
      expect(await s.outbox.get(reply)).toMatchObject({ gate: 'slack.post:C1', payload: '{}' });
      expect(await s.outbox.get(late)).toMatchObject({ run_at_ms: 900, host: 'h1', token_id: null });
      // A priority-0 job lifts the pending jobs of its lane, as enqueue does.
      expect(await s.outbox.get(behind)).toMatchObject({ priority: 0 });
      // One job: the same as enqueueInLane.
      const [single] = await s.outbox.enqueueMany([{ kind: 'post', lane: 'L3' }], 200);
      expect(single?.laneHead).toBe(true);
      expect(await s.outbox.get(single?.id ?? 0)).toMatchObject({ lane: 'L3', created_ms: 200 });
    });

    it('releases a claimed job only for its owner, runnable again at once', async () => {
      const a = await s.outbox.enqueue({ kind: 'post', lane: 'A' }, 100);
      expect(ids(await s.outbox.claim(200, 10, filter(), 'w1', 1000))).toEqual([a]);
      await s.outbox.release([a], 'w2');
      expect(await s.outbox.get(a)).toMatchObject({ lease_owner: 'w1', leased_until_ms: 1200 });
      expect(await s.outbox.claim(300, 10, filter(), 'w2', 1000)).toEqual([]);
      await s.outbox.release([a], 'w1');
      expect(await s.outbox.get(a)).toMatchObject({ lease_owner: null, leased_until_ms: null, status: 'pending' });
      expect(await s.outbox.nextRunAt()).toBe(100);
      expect(ids(await s.outbox.claim(300, 10, filter(), 'w2', 1000))).toEqual([a]);
    });

    it('releases several claimed jobs in one call, each only for its owner', async () => {
      const [a, b, c] = [
        await s.outbox.enqueue({ kind: 'post', lane: 'A' }, 100),
        await s.outbox.enqueue({ kind: 'post', lane: 'B' }, 100),
        await s.outbox.enqueue({ kind: 'post', lane: 'C' }, 100),
      ];
      expect(ids(await s.outbox.claim(200, 2, filter(), 'w1', 1000))).toEqual([a, b]);
      expect(ids(await s.outbox.claim(200, 2, filter(), 'w2', 1000))).toEqual([c]);
      await s.outbox.release([a, b, c], 'w1');
      await s.outbox.release([], 'w1');
      expect(await s.outbox.get(c)).toMatchObject({ lease_owner: 'w2', leased_until_ms: 1200 });
      expect(ids(await s.outbox.claim(300, 10, filter(), 'w3', 1000))).toEqual([a, b]);
    });
  });

  describe('gates', () => {
    it('takes a paced gate only when open, and a pause only ever moves the opening later', async () => {
      const g = s.gates;
      expect(await g.openAt('slack.post:C1')).toBe(0);
      expect(await g.take('slack.post:C1', 1000, 300)).toBe(0);
      expect(await g.openAt('slack.post:C1')).toBe(1300);
      expect(await g.take('slack.post:C1', 1100, 300)).toBe(200);
      expect(await g.openAt('slack.post:C1')).toBe(1300);
      expect(await g.take('slack.post:C1', 1300, 300)).toBe(0);
      expect(await g.openAt('slack.post:C1')).toBe(1600);
      await g.pause('slack.post:C1', 5000);
      await g.pause('slack.post:C1', 2000);
      expect(await g.openAt('slack.post:C1')).toBe(5000);
      expect(await g.take('slack.post:C1', 4000, 300)).toBe(1000);
      expect(await g.take('slack.post:C1', 5000, 300)).toBe(0);
      expect(await g.openAt('slack.post:C1')).toBe(5300);
      // A gate first seen through a pause; other gates are untouched.
      await g.pause('slack.update', 700);
      expect(await g.openAt('slack.update')).toBe(700);
      expect(await g.take('slack.update', 699, 50)).toBe(1);
      expect(await g.take('slack.update', 700, 50)).toBe(0);
      expect(await g.openAt('slack.post:C1')).toBe(5300);
    });

    it('lists the gates closed at a time, with when each opens', async () => {
      expect(await s.gates.closed(0)).toEqual([]);
      await s.gates.take('slack.post:C1', 1000, 300);
      await s.gates.pause('slack.update', 5000);
      expect(await s.gates.closed(1100)).toEqual([
        { name: 'slack.post:C1', openAtMs: 1300 },
        { name: 'slack.update', openAtMs: 5000 },
      ]);
      expect(await s.gates.closed(1300)).toEqual([{ name: 'slack.update', openAtMs: 5000 }]);
      expect(await s.gates.closed(5000)).toEqual([]);
    });

    it('lets exactly one of several concurrent takes of an open gate through', async () => {
      const takes = await Promise.all(Array.from({ length: 6 }, () => s.gates.take('g', 1000, 500)));
      expect(takes.sort()).toEqual([0, 500, 500, 500, 500, 500]);
    });
  });
});

function filter(over: Partial<ReadyFilter> = {}): ReadyFilter {
  return { closedGates: [], fullKinds: [], ...over };
}

const ids = (rows: { id: number }[]) => rows.map((r) => r.id);
