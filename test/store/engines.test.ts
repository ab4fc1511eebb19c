import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SchemaTooNewError } from '../../src/errors.js';
import { openPostgresStore } from '../../src/store/postgres/store.js';
import { openSqliteStore } from '../../src/store/sqlite/store.js';
import type { ExternalChange, Store } from '../../src/store/store.js';
import type { NewTokenRow, Settlement } from '../../src/store/tokens.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { tempDir } from '../helpers/temp.js';

/** An engine under test: a fresh, migrated store, a way to open a second one on the same data, and cleanup. */
interface Harness {
  store: Store;
  another(): Promise<Store>;
  cleanup(): Promise<void>;
}

async function harness(open: () => Promise<Store>, drop: () => Promise<void> = async () => {}): Promise<Harness> {
  const opened: Store[] = [await open()];
  return {
    store: opened[0] as Store,
    another: async () => {
      const s = await open();
      opened.push(s);
      return s;
    },
    cleanup: async () => {
      for (const s of opened) await s.close();
      await drop();
    },
  };
}

const engines = [
  {
    engine: 'sqlite',
    setup: () => {
      const file = join(tempDir(), 'rodizio.db');
      return harness(async () => openSqliteStore(file));
    },
  },
  {
    engine: 'postgres',
    setup: async () => {
      const db = await createTestDatabase();
      return harness(() => openPostgresStore(db.url), db.drop);
    },
  },
];

function tokenRow(id: string, over: Partial<NewTokenRow> = {}): NewTokenRow {
  return {
    id,
    kind: 'question',
    reason: 'needs_decision',
    prompt: 'Ship it?',
    options: '["yes","no"]',
    severity: 'normal',
    frozen_state: 'Zm9v',
    original_event: '{}',
    required_type: null,
    deadline: null,
    deadline_ms: null,
    escalation: null,
    created_at: '2025-01-01T00:00:00Z',
    received_ms: 1000,
    runner: 'runner-a',
    project: null,
    github_issue: null,
    ext: '{}',
    content_hash: `hash-${id}`,
    ...over,
  };
}

const answer = (id: string, atMs = 5000): Settlement => ({
  id,
  status: 'resolved',
  at: '2025-01-01T00:00:05Z',
  atMs,
  humanInput: { choice: 'yes' },
  by: 'U1',
  byName: 'Ann',
  via: 'slack',
});

describe.each(engines)('$engine store', ({ engine, setup }) => {
  let h: Harness;
  let s: Store;
  beforeEach(async () => {
    h = await setup();
    s = h.store;
  });
  afterEach(() => h.cleanup());

  it('reports its engine and schema version', async () => {
    expect(s.engine).toBe(engine);
    const v = await s.schemaVersion();
    expect(v.current).toBe(v.known);
    expect(v.known).toBe(7);
  });

  describe('tokens', () => {
    it('inserts once, reads back numbers as numbers, and lists newest first with filters and a cursor', async () => {
      expect(await s.tokens.insert(tokenRow('t1', { project: 'p1', deadline_ms: 9000 }))).toBe(true);
      expect(await s.tokens.insert(tokenRow('t1'))).toBe(false);
      await s.tokens.insert(tokenRow('t2', { runner: 'runner-b' }));
      await s.tokens.insert(tokenRow('t3', { project: 'p1' }));
      const t1 = await s.tokens.get('t1');
      expect(t1).toMatchObject({ id: 't1', status: 'pending', deadline_ms: 9000, received_ms: 1000, reminders: 0 });
      expect(typeof t1?.seq).toBe('number');
      expect(await s.tokens.get('nope')).toBeUndefined();

      const ids = async (f: Parameters<Store['tokens']['list']>[0]) => (await s.tokens.list(f)).map((t) => t.id);
      expect(await ids({ limit: 10 })).toEqual(['t3', 't2', 't1']);
      expect(await ids({ limit: 2 })).toEqual(['t3', 't2']);
      const t2 = await s.tokens.get('t2');
      expect(await ids({ limit: 10, before: t2?.seq })).toEqual(['t1']);
      expect(await ids({ limit: 10, project: 'p1' })).toEqual(['t3', 't1']);
      expect(await ids({ limit: 10, runner: 'runner-b' })).toEqual(['t2']);
      await s.tokens.settle(answer('t3'));
      expect(await ids({ limit: 10, status: 'pending', project: 'p1' })).toEqual(['t1']);
      expect(await s.tokens.countByStatus()).toEqual({ pending: 2, resolved: 1 });
    });

    it('settles by compare-and-set: the second answer gets nothing, and pending-only updates stop', async () => {
      await s.tokens.insert(tokenRow('t1'));
      await s.followups.claim('t1', 'U2', 'Bob', 9000, 1000);
      const row = await s.tokens.settle(answer('t1'));
      expect(row).toMatchObject({ status: 'resolved', resolved_at: '2025-01-01T00:00:05Z', closed_ms: 5000 });
      expect(row).toMatchObject({ human_input: '{"choice":"yes"}', answered_by: 'U1', claim_user: null });
      expect(await s.tokens.settle({ ...answer('t1'), status: 'cancelled' })).toBeUndefined();
      const patch = { id: 't1', deadline: null, deadline_ms: null, escalation: null, severity: 'high', prompt: 'x' };
      expect(await s.tokens.patch({ ...patch, options: '[]', ext: '{}', warned_at_ms: null })).toBe(false);
      expect(await s.tokens.reassign({ id: 't1', ext: '{}', slack_channel_id: null, slack_ts: null })).toBe(false);
    });

    it('patches and reassigns pending tokens, finds them by card, deadline and age, and removes them', async () => {
      await s.tokens.insert(tokenRow('t1', { deadline_ms: 3000 }));
      await s.tokens.insert(tokenRow('t2', { deadline_ms: 2000 }));
      const patch = { id: 't1', deadline: 'd', deadline_ms: 1500, escalation: null, severity: 'high', prompt: 'new?' };
      expect(await s.tokens.patch({ ...patch, options: '["a"]', ext: '{"x":1}', warned_at_ms: 7 })).toBe(true);
      expect(await s.tokens.get('t1')).toMatchObject({ prompt: 'new?', deadline_ms: 1500, warned_at_ms: 7 });
      expect((await s.tokens.due(2000, 10)).map((t) => t.id)).toEqual(['t1', 't2']);
      await s.tokens.setSlackMessage('t2', 'C1', '111.1');
      expect((await s.tokens.bySlackMessage('C1', '111.1'))?.id).toBe('t2');
      expect(await s.tokens.reassign({ id: 't2', ext: '{}', slack_channel_id: 'C2', slack_ts: '2.2' })).toBe(true);
      expect(await s.tokens.bySlackMessage('C1', '111.1')).toBeUndefined();
      await s.tokens.settle(answer('t2', 4000));
      const closed = { ...tokenRow('t0'), status: 'cancelled' as const, closed_ms: 100 };
      expect(await s.tokens.insertClosed({ ...closed, resolved_at: null, cancelled_at: 'c', voided_at: null })).toBe(
        true,
      );
      expect(await s.tokens.collectable(5000, 10)).toEqual(['t0', 't2']);
      await s.tokens.remove('t0');
      expect(await s.tokens.get('t0')).toBeUndefined();
    });
  });

  describe('transactions', () => {
    it('commits what fn wrote, and a throw leaves nothing behind', async () => {
      expect(await s.transaction(async (tx) => (await tx.tokens.insert(tokenRow('t1'))) && 'ok')).toBe('ok');
      const boom = s.transaction(async (tx, signal) => {
        await tx.tokens.insert(tokenRow('t2'));
        await tx.events.append({ tokenId: 't2', type: 'ejected', atMs: 1 });
        await tx.outbox.enqueue({ kind: 'post', tokenId: 't2' }, 1);
        signal({ kind: 'outbox' });
        throw new Error('boom');
      });
      await expect(boom).rejects.toThrow('boom');
      expect(await s.tokens.get('t1')).toBeDefined();
      expect(await s.tokens.get('t2')).toBeUndefined();
      expect(await s.events.forToken('t2')).toEqual([]);
      expect(await s.outbox.count('pending')).toBe(0);
    });

    it('joins a nested transaction and store-level calls to the open one', async () => {
      const inner = s.transaction(async (tx) => {
        await tx.tokens.insert(tokenRow('t1'));
        await s.transaction(async (nested) => {
          expect(await nested.tokens.get('t1')).toBeDefined();
          await nested.tokens.insert(tokenRow('t2'));
        });
        expect(await s.tokens.get('t2')).toBeDefined();
        throw new Error('undo both');
      });
      await expect(inner).rejects.toThrow('undo both');
      expect(await s.tokens.get('t1')).toBeUndefined();
      expect(await s.tokens.get('t2')).toBeUndefined();
    });
  });

  describe('events and the feed', () => {
    it('appends with rising seqs and pages by time and seq', async () => {
      const a = await s.events.append({ tokenId: 't1', type: 'ejected', atMs: 100, data: { n: 1 } });
      const b = await s.events.append({ tokenId: 't1', type: 'resolved', atMs: 200, actor: 'U1' });
      const c = await s.events.append({ tokenId: null, type: 'gc', atMs: 300 });
      expect(b).toBeGreaterThan(a);
      expect(c).toBeGreaterThan(b);
      expect((await s.events.forToken('t1')).map((e) => [e.type, e.data, e.actor])).toEqual([
        ['ejected', '{"n":1}', null],
        ['resolved', '{}', 'U1'],
      ]);
      expect(await s.events.count('t1', 'resolved')).toBe(1);
      expect((await s.events.page(150, 0, 10)).map((e) => e.seq)).toEqual([b, c]);
      expect((await s.events.page(0, a, 1)).map((e) => e.seq)).toEqual([b]);
      await s.events.removeForToken('t1');
      expect(await s.events.forToken('t1')).toEqual([]);
    });

    it('pages the feed with the head of the same moment, joined with the token, filtered', async () => {
      expect(await s.feed.page(0, 10)).toEqual({ rows: [], head: 0 });
      await s.tokens.insert(tokenRow('t1', { project: 'p1' }));
      await s.tokens.insert(tokenRow('t2', { runner: 'runner-b' }));
      const e1 = await s.events.append({ tokenId: 't1', type: 'ejected', atMs: 1 });
      const e2 = await s.events.append({ tokenId: 't2', type: 'ejected', atMs: 2 });
      const e3 = await s.events.append({ tokenId: 't1', type: 'resolved', atMs: 3 });
      const e4 = await s.events.append({ tokenId: null, type: 'gc', atMs: 4 });
      expect(await s.feed.head()).toBe(e4);
      const all = await s.feed.page(0, 10);
      expect(all.head).toBe(e4);
      expect(all.rows[0]).toMatchObject({ seq: e1, token_id: 't1', runner: 'runner-a', project: 'p1', at_ms: 1 });
      expect(all.rows[3]).toMatchObject({ seq: e4, token_id: null, runner: null, project: null });
      const seqs = async (after: number, limit: number, f = {}) =>
        (await s.feed.page(after, limit, f)).rows.map((r) => r.seq);
      expect(await seqs(e1, 2)).toEqual([e2, e3]);
      expect(await seqs(0, 10, { runner: 'runner-a' })).toEqual([e1, e3]);
      expect(await seqs(0, 10, { types: ['ejected', 'gc'] })).toEqual([e1, e2, e4]);
      expect(await seqs(0, 10, { types: [] })).toEqual([]);
      expect(await seqs(0, 10, { project: 'p1', tokenId: 't1' })).toEqual([e1, e3]);
      expect(await s.feed.page(e4, 10)).toEqual({ rows: [], head: e4 });
    });
  });

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
  });

  it('keeps notes (deduped on source key), approvals (one per person), phase files and subscriptions', async () => {
    const note = { tokenId: 't1', author: 'U1', authorName: null, text: 'hi', atMs: 1 };
    expect(await s.notes.add({ ...note, sourceKey: 'ts-1' })).toBe(true);
    expect(await s.notes.add({ ...note, sourceKey: 'ts-1', text: 'again' })).toBe(false);
    expect(await s.notes.add(note)).toBe(true);
    expect((await s.notes.forToken('t1')).map((n) => n.source_key)).toEqual(['ts-1', null]);
    await s.notes.removeForToken('t1');
    expect(await s.notes.forToken('t1')).toEqual([]);

    await s.approvals.record('t1', 'U2', 'Bob', 'yes', 5);
    await s.approvals.record('t1', 'U1', 'Ann', 'yes', 5);
    await s.approvals.record('t1', 'U2', 'Bob', 'no', 6);
    expect((await s.approvals.forToken('t1')).map((a) => [a.user_id, a.option, a.at_ms])).toEqual([
      ['U1', 'yes', 5],
      ['U2', 'no', 6],
    ]);

    const file = { path: '/a/b', kind: 'dev' as const, project: 'p', number: 7, state_key: 'k1', phase: 'x' };
    await s.phaseFiles.save({ ...file, token_id: null, updated_ms: 1 });
    await s.phaseFiles.save({ ...file, state_key: 'k2', token_id: 't1', updated_ms: 2 });
    expect(await s.phaseFiles.get('/a/b')).toMatchObject({ state_key: 'k2', number: 7, updated_ms: 2 });
    expect((await s.phaseFiles.byToken('t1'))?.path).toBe('/a/b');
    expect(await s.phaseFiles.all()).toHaveLength(1);
    await s.phaseFiles.remove('/a/b');
    expect(await s.phaseFiles.get('/a/b')).toBeUndefined();

    const sub = { id: 'sub-1', runner: 'runner-a', url: 'https://x', types: null, project: null, created_ms: 1 };
    await s.subscriptions.insert(sub);
    await s.subscriptions.insert({ ...sub, id: 'sub-0', types: '["resolved"]', created_ms: 1 });
    expect((await s.subscriptions.all()).map((r) => r.id)).toEqual(['sub-0', 'sub-1']);
    expect(await s.subscriptions.get('sub-1')).toEqual(sub);
    expect(await s.subscriptions.countForRunner('runner-a')).toBe(2);
    expect(await s.subscriptions.remove('sub-1')).toBe(true);
    expect(await s.subscriptions.remove('sub-1')).toBe(false);
  });

  it('records intake once per key and walks a row through begin, finish, fail, remove and prune', async () => {
    const first = await s.intake.record('k1', 'click', '{}', 100);
    expect(first).toMatchObject({ fresh: true, row: { key: 'k1', status: 'pending', attempts: 0 } });
    const again = await s.intake.record('k1', 'click', '{"other":1}', 200);
    expect(again.fresh).toBe(false);
    expect(again.row).toEqual(first.row);
    expect(await s.intake.begin(first.row.id)).toMatchObject({ attempts: 1 });
    await s.intake.finish(first.row.id, 300);
    expect(await s.intake.begin(first.row.id)).toBeUndefined();
    const k2 = (await s.intake.record('k2', 'click', '{}', 100)).row;
    const k3 = (await s.intake.record('k3', 'click', '{}', 100)).row;
    const k4 = (await s.intake.record('k4', 'click', '{}', 100)).row;
    await s.intake.fail(k2.id, 'x'.repeat(3000), 400);
    expect((await s.intake.get(k2.id))?.last_error).toHaveLength(2000);
    await s.intake.remove(k3.id);
    expect(await s.intake.byKey('k3')).toBeUndefined();
    expect(await s.intake.lastId()).toBe(k4.id);
    expect((await s.intake.pending(0, k4.id)).map((r) => r.key)).toEqual(['k4']);
    expect(await s.intake.pending(0, k4.id - 1)).toEqual([]);
    expect(await s.intake.prune(301)).toBe(1);
    expect(await s.intake.byKey('k1')).toBeUndefined();
  });

  it('hands a runner lock over only from a stale or dead holder', async () => {
    const claim = (owner: string, nowMs: number, dead = false) => ({
      name: 'outbox',
      owner,
      host: 'h',
      pid: 42,
      nowMs,
      staleMs: 5000,
      holderIsDead: () => dead,
    });
    expect(await s.runnerLocks.acquire(claim('A', 1000))).toEqual({ acquired: true, previous: undefined });
    const held = await s.runnerLocks.acquire(claim('B', 2000));
    expect(held).toMatchObject({ acquired: false, holder: { owner: 'A', heartbeat_ms: 1000, pid: 42 } });
    expect(await s.runnerLocks.heartbeat('outbox', 'A', 3000)).toBe(true);
    expect(await s.runnerLocks.heartbeat('outbox', 'B', 3000)).toBe(false);
    expect(await s.runnerLocks.acquire(claim('A', 3500))).toEqual({ acquired: true, previous: undefined });
    const stale = await s.runnerLocks.acquire(claim('B', 9000));
    expect(stale).toMatchObject({ acquired: true, previous: { owner: 'A', heartbeat_ms: 3500 } });
    expect(await s.runnerLocks.heartbeat('outbox', 'A', 9100)).toBe(false);
    expect(await s.runnerLocks.acquire(claim('C', 9200, true))).toMatchObject({ previous: { owner: 'B' } });
    await s.runnerLocks.release('outbox', 'B');
    expect(await s.runnerLocks.holder('outbox')).toMatchObject({ owner: 'C', acquired_ms: 9200 });
    await s.runnerLocks.release('outbox', 'C');
    expect(await s.runnerLocks.holder('outbox')).toBeUndefined();
  });

  it('finds follow-ups due and records each one exactly once', async () => {
    const f = s.followups;
    await s.tokens.insert(tokenRow('t1', { deadline_ms: 2000 }));
    await s.tokens.insert(tokenRow('t2', { deadline_ms: 10_000 }));
    await s.tokens.insert(tokenRow('t3', { github_issue: 'o/r#1' }));
    await s.tokens.setSlackMessage('t1', 'C', '1.1');
    await s.tokens.setSlackMessage('t2', 'C', '2.2');
    const ids = (rows: { id: string }[]) => rows.map((r) => r.id);
    expect(ids(await f.deadlineDue(3000, 10))).toEqual(['t1']);
    expect(await f.markEscalated('t1', 3000, '@oncall')).toBe(true);
    expect(await f.markEscalated('t1', 3001, '@oncall')).toBe(false);
    expect(await f.deadlineDue(3000, 10)).toEqual([]);
    expect(ids(await f.warningDue(5000, 6000, 10))).toEqual(['t2']);
    expect(await f.markWarned('t2', 5000)).toBe(true);
    expect(await f.markWarned('t2', 5001)).toBe(false);
    // Both were received at 1000: the order between them is unspecified.
    expect(ids(await f.reminderDue(5000, 3000, 10)).sort()).toEqual(['t1', 't2']);
    expect(await f.markReminded('t1', 5000, 3000)).toBe(true);
    expect(await f.markReminded('t1', 5001, 3000)).toBe(false);
    expect(await f.claim('t2', 'U1', 'Ann', 8000, 5000)).toBe(true);
    expect(await f.claim('t2', 'U2', 'Bob', 9000, 6000)).toBe(false);
    expect(await f.claim('t2', 'U1', 'Ann', 8500, 6000)).toBe(true);
    expect(ids(await f.reminderDue(5500, 1000, 10))).toEqual([]);
    expect(ids(await f.claimsEnded(9000, 10))).toEqual(['t2']);
    expect(await f.releaseClaim('t2')).toBe(true);
    expect(await f.releaseClaim('t2')).toBe(false);
    expect(ids(await f.blockable(5000, 1000, 10))).toEqual(['t3']);
    expect(await f.markUnblocked('t3', 5000)).toBe(false);
    expect(await f.markBlocked('t3', 5000)).toBe(true);
    expect(await f.markBlocked('t3', 5001)).toBe(false);
    expect(await f.markUnblocked('t3', 6000)).toBe(true);
    expect(await f.recordGithubError('t3', '404')).toBe(true);
    expect(await f.recordGithubError('t3', '422')).toBe(false);
    expect(await s.tokens.get('t1')).toMatchObject({ reminders: 1, escalated_to: '@oncall', last_reminder_ms: 5000 });
  });

  it('lets exactly one of several concurrent settles win', async () => {
    await s.tokens.insert(tokenRow('t1'));
    const settles = Array.from({ length: 8 }, (_, i) =>
      s.transaction((tx) => tx.tokens.settle({ ...answer('t1'), by: `U${i}` })),
    );
    expect((await Promise.all(settles)).filter((r) => r !== undefined)).toHaveLength(1);
  });
});

describe('postgres only', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const stores: Store[] = [];
  const open = async (url = db.url) => {
    const store = await openPostgresStore(url);
    stores.push(store);
    return store;
  };
  beforeEach(async () => {
    db = await createTestDatabase();
  });
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    await db.drop();
  });

  it('migrates once when several replicas start together, and hides the password in location', async () => {
    const url = new URL(db.url);
    url.password = 'hunter2';
    const opened = await Promise.all([open(url.toString()), open(), open(), open()]);
    for (const store of opened) expect(await store.schemaVersion()).toEqual({ current: 7, known: 7 });
    expect(opened[0]?.location).not.toContain('hunter2');
  });

  it('tells another store what a transaction signalled, once it commits, and not the store itself', async () => {
    const [a, b] = [await open(), await open()];
    const heardByA: ExternalChange[] = [];
    const heardByB: ExternalChange[] = [];
    a.onExternalChange((c) => heardByA.push(c));
    b.onExternalChange((c) => heardByB.push(c));
    await b.tokens.insert(tokenRow('t1'));
    await expect(
      b.transaction(async (_tx, signal) => {
        signal({ kind: 'outbox' });
        throw new Error('rolled back: nothing is sent');
      }),
    ).rejects.toThrow();
    // The listener connects in the background: signal until it hears one (or give up after 5 s).
    for (let i = 0; i < 50 && !heardByA.some((c) => c.kind === 'settled'); i++) {
      await b.transaction(async (tx, signal) => {
        await tx.tokens.settle(answer('t1'));
        signal({ kind: 'settled', tokenId: 't1' });
        signal({ kind: 'settled', tokenId: 't1' });
      });
      await sleep(100);
    }
    expect(heardByA).toContainEqual({ kind: 'settled', tokenId: 't1' });
    expect(heardByA).not.toContainEqual({ kind: 'outbox' });
    expect(heardByB).toEqual([]);
  });

  it('lets exactly one of several concurrent settles win across two stores, and one lease of a job', async () => {
    // Not in the shared suite: two SQLite stores in one process block each other's event loop on the write lock.
    const [a, b] = [await open(), await open()];
    await a.tokens.insert(tokenRow('t1'));
    const settles = Array.from({ length: 8 }, (_, i) =>
      (i % 2 ? b : a).transaction((tx) => tx.tokens.settle({ ...answer('t1'), by: `U${i}` })),
    );
    expect((await Promise.all(settles)).filter((r) => r !== undefined)).toHaveLength(1);
    const job = await a.outbox.enqueue({ kind: 'post', tokenId: 't1' }, 100);
    const leases = Array.from({ length: 8 }, (_, i) => (i % 2 ? b : a).outbox.lease(job, `w${i}`, 200, 1000));
    expect((await Promise.all(leases)).filter(Boolean)).toHaveLength(1);
  });

  it('refuses a database migrated by a newer build, and says clearly when it cannot connect', async () => {
    const admin = new pg.Client({ connectionString: db.url });
    await (await openPostgresStore(db.url)).close();
    await admin.connect();
    await admin.query(`INSERT INTO schema_migrations (version, name) VALUES (99, '099_future')`);
    await admin.end();
    await expect(openPostgresStore(db.url)).rejects.toThrow(SchemaTooNewError);
    await expect(openPostgresStore(db.url)).rejects.toThrow(/schema version 99, but this rodizio only knows up to 7/);
    const unreachable = openPostgresStore('postgres://postgres:hunter2@localhost:1/nowhere');
    await expect(unreachable).rejects.toMatchObject({ code: 'database_unreachable' });
    await expect(unreachable).rejects.toThrow(
      /^cannot connect to Postgres at postgres:\/\/postgres@localhost:1\/nowhere: \S/,
    );
  });

  it('hears again after its LISTEN connection drops, and reports that something may have been missed', async () => {
    const [a, b] = [await open(), await open()];
    const heard: ExternalChange[] = [];
    a.onExternalChange((c) => heard.push(c));
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    const kill = `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity
      WHERE datname = current_database() AND application_name = 'rodizio-listen' AND query = 'LISTEN rodizio'`;
    try {
      let killed = 0;
      for (let i = 0; i < 50 && !killed; i++, await sleep(100)) killed = (await admin.query(kill)).rowCount ?? 0;
      expect(killed).toBe(1);
      for (let i = 0; i < 100 && !heard.length; i++) await sleep(100);
      expect(heard).toEqual([{ kind: 'unknown' }]);
      await b.transaction(async (_tx, signal) => signal({ kind: 'event' }));
      for (let i = 0; i < 50 && heard.length < 2; i++) await sleep(100);
      expect(heard).toEqual([{ kind: 'unknown' }, { kind: 'event' }]);
    } finally {
      await admin.end();
    }
  });

  it('runs a transaction again when Postgres picks it as a deadlock victim', async () => {
    const [a, b] = [await open(), await open()];
    await a.tokens.insert(tokenRow('t1'));
    await a.tokens.insert(tokenRow('t2'));
    let runs = 0;
    let locked = 0;
    let bothLocked: () => void = () => {};
    const barrier = new Promise<void>((resolve) => {
      bothLocked = () => void (++locked === 2 && resolve());
    });
    // Each locks one row, waits until the other has locked its row, then wants the other's: a deadlock.
    const crossing = (store: Store, first: string, second: string) =>
      store.transaction(async (tx) => {
        runs++;
        await tx.tokens.setSlackMessage(first, 'C', first);
        bothLocked();
        await barrier;
        await tx.tokens.setSlackMessage(second, 'C', first);
      });
    await Promise.all([crossing(a, 't1', 't2'), crossing(b, 't2', 't1')]);
    expect(runs).toBe(3);
  });

  it('commits event appends in seq order: a second append waits for the first transaction', async () => {
    const [a, b] = [await open(), await open()];
    let finish: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      finish = resolve;
    });
    let firstSeq = 0;
    const first = a.transaction(async (tx) => {
      firstSeq = await tx.events.append({ tokenId: 't1', type: 'ejected', atMs: 1 });
      await held;
    });
    while (!firstSeq) await sleep(10);
    let secondSeq = 0;
    const second = b.events.append({ tokenId: 't2', type: 'ejected', atMs: 2 }).then((seq) => {
      secondSeq = seq;
    });
    await sleep(300);
    expect(secondSeq).toBe(0);
    expect(await b.feed.page(0, 10)).toEqual({ rows: [], head: 0 });
    finish();
    await Promise.all([first, second]);
    expect(secondSeq).toBeGreaterThan(firstSeq);
  });

  it('lets one of two stores take a free runner lock at once', async () => {
    const [a, b] = [await open(), await open()];
    const claim = (owner: string) => ({
      name: 'leader',
      owner,
      host: 'h',
      pid: 1,
      nowMs: 1000,
      staleMs: 5000,
      holderIsDead: () => false,
    });
    const results = await Promise.all([a.runnerLocks.acquire(claim('A')), b.runnerLocks.acquire(claim('B'))]);
    expect(results.filter((r) => r.acquired)).toHaveLength(1);
  });
});
