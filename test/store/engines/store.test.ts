import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storeSource } from '../../../src/audit/sources.js';
import { verifyChain } from '../../../src/audit/verify.js';
import type { Store } from '../../../src/store/store.js';
import { answer, engines, type Harness, SCHEMA_VERSION, tokenRow } from './harness.js';

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
    expect(v.known).toBe(SCHEMA_VERSION);
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
      const row = (await s.tokens.settle(answer('t1')))?.row;
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

    it('commits a call left for the commit, and resolves only once it has', async () => {
      let enqueued: number | undefined;
      const done = await s.transaction(async (tx, _signal, atCommit) => {
        await tx.tokens.insert(tokenRow('t1'));
        atCommit(
          tx.outbox.enqueueMany([{ kind: 'post', tokenId: 't1' }], 1).then(([job]) => {
            enqueued = job?.id;
          }),
        );
        // Nested transactions leave theirs with the outer one.
        await s.transaction(async (nested, _s, nestedAtCommit) => {
          nestedAtCommit(nested.outbox.enqueue({ kind: 'reply', tokenId: 't1' }, 2));
        });
        return 'ok';
      });
      expect(done).toBe('ok');
      expect(enqueued).toBeGreaterThan(0);
      const jobs = (await s.outbox.list({ limit: 10 })).sort((a, b) => a.id - b.id);
      expect(jobs.map((j) => j.kind)).toEqual(['post', 'reply']);
    });

    it('rolls back when a call left for the commit fails, and rejects with its error', async () => {
      await s.tokens.insert(tokenRow('t1'));
      const failing = s.transaction(async (tx, _signal, atCommit) => {
        await tx.tokens.insert(tokenRow('t2'));
        // A job without a kind: refused by the database (NOT NULL), after the body has moved on.
        atCommit(tx.outbox.enqueueMany([{ kind: null as unknown as string, tokenId: 't2' }], 1));
        return 'ok';
      });
      await expect(failing).rejects.toThrow(/kind/);
      expect(await s.tokens.get('t2')).toBeUndefined();
      expect(await s.outbox.count('pending')).toBe(0);
      // The store is usable afterwards.
      expect(await s.transaction(async (tx) => tx.tokens.insert(tokenRow('t3')))).toBe(true);
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

  it('reads a token with its notes in one call, oldest note first, with numbers as numbers', async () => {
    await s.tokens.insert(tokenRow('t1'));
    await s.tokens.insert(tokenRow('t2'));
    await s.notes.add({ tokenId: 't1', author: 'U1', authorName: 'Ann', text: 'first', atMs: 1000, sourceKey: 'a' });
    await s.notes.add({ tokenId: 't1', author: 'U2', authorName: null, text: 'second', atMs: 2000 });
    const found = await s.tokens.getWithNotes('t1');
    expect(found?.row).toEqual(await s.tokens.get('t1'));
    expect(found?.notes).toEqual(await s.notes.forToken('t1'));
    expect(found?.notes.map((n) => [n.text, n.author_name, n.at_ms, n.source_key])).toEqual([
      ['first', 'Ann', 1000, 'a'],
      ['second', null, 2000, null],
    ]);
    expect(await s.tokens.getWithNotes('t2')).toEqual({ row: await s.tokens.get('t2'), notes: [] });
    expect(await s.tokens.getWithNotes('nope')).toBeUndefined();
    const many = await s.tokens.getManyWithNotes(['t2', 'nope', 't1']);
    expect(many.map((m) => [m.row.id, m.notes.map((n) => n.text)]).sort()).toEqual([
      ['t1', ['first', 'second']],
      ['t2', []],
    ]);
    expect(await s.tokens.getManyWithNotes([])).toEqual([]);
    // A settle reads the notes with its compare-and-set, as they are (for the reentry it makes).
    const settled = await s.tokens.settle(answer('t1'));
    expect(settled?.row).toEqual(await s.tokens.get('t1'));
    expect(settled?.notes).toEqual(await s.notes.forToken('t1'));
    expect((await s.tokens.settle(answer('t2')))?.notes).toEqual([]);
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
    // Recorded by the process that takes it up at once: its first attempt counted as it is written.
    expect(await s.intake.record('k-begun', 'click', '{}', 300, true)).toMatchObject({
      fresh: true,
      row: { key: 'k-begun', status: 'pending', attempts: 1 },
    });
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

  it("appends a settle's audit event with it: chained, once for the one winner of concurrent settles", async () => {
    for (const id of ['t1', 't2', 't3']) await s.tokens.insert(tokenRow(id));
    const resolved = (id: string, by = 'U1') => ({ tokenId: id, type: 'resolved' as const, atMs: 5000, actor: by });
    // The log's first event (no head yet: Postgres takes the append's slow path), then one linked to it.
    const first = await s.transaction((tx) => tx.tokens.settle(answer('t1'), resolved('t1')));
    await s.events.append({ tokenId: 't2', type: 'note', atMs: 5000, data: { text: 'in between' } });
    const second = await s.transaction((tx) => tx.tokens.settle(answer('t2'), { ...resolved('t2'), data: { n: 2 } }));
    expect(first?.row).toMatchObject({ id: 't1', status: 'resolved' });
    expect(second?.row).toEqual(await s.tokens.get('t2'));
    const t2Events = await s.events.forToken('t2');
    expect(t2Events.map((e) => [e.seq, e.type, e.data])).toEqual([
      [expect.any(Number), 'note', '{"text":"in between"}'],
      [second?.eventSeq, 'resolved', '{"n":2}'],
    ]);
    expect((await s.events.forToken('t1')).map((e) => e.seq)).toEqual([first?.eventSeq]);

    // Eight answers at once: one settles and has its event, the others change nothing and append nothing.
    const settles = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        s.transaction((tx) => tx.tokens.settle({ ...answer('t3'), by: `U${i}` }, resolved('t3', `U${i}`))),
      ),
    );
    const winners = settles.filter((r) => r !== undefined);
    expect(winners).toHaveLength(1);
    const events = await s.events.forToken('t3');
    expect(events.map((e) => [e.seq, e.actor])).toEqual([[winners[0]?.eventSeq, winners[0]?.row.answered_by]]);
    // An answer to a token that has left pending appends nothing.
    expect(await s.transaction((tx) => tx.tokens.settle(answer('t1'), resolved('t1')))).toBeUndefined();
    expect(await s.events.forToken('t1')).toHaveLength(1);
    const verified = await verifyChain(await storeSource(s.events));
    expect(verified).toMatchObject({ ok: true, events: 4, problems: [] });
  });
});
