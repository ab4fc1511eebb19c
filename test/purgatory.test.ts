import { describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../src/errors.js';
import { createPurgatory, type EffectPlanner } from '../src/purgatory.js';
import { PYTHON_TOKEN } from './helpers/bridge.js';
import { openTestStore } from './helpers/engine.js';
import { storeSnapshot } from './helpers/store.js';

const ci = { runner: 'ci', admin: false };

async function setup(planners: EffectPlanner[] = []) {
  const clock = new ManualClock('2026-03-01T10:00:00Z');
  const store = await openTestStore();
  return { clock, store, purgatory: createPurgatory({ store, clock, planners }) };
}

describe('purgatory', () => {
  it('writes the token, an ejected event and the planned outbox jobs in one transaction', async () => {
    const planner: EffectPlanner = (change) =>
      change.type === 'created' ? [{ kind: 'test.post', payload: { n: 1 } }] : [];
    const { store, purgatory } = await setup([planner]);
    await purgatory.create(PYTHON_TOKEN, ci);
    expect(await purgatory.history('sem-restored')).toEqual([
      {
        type: 'ejected',
        at: '2026-03-01T10:00:00.000+00:00',
        actor: 'ci',
        data: { reason: 'approval_needed', severity: 'critical' },
      },
    ]);
    const jobs = await store.outbox.list({ limit: 100 });
    expect(
      jobs.map(({ token_id, kind, lane, payload, status }) => ({ token_id, kind, lane, payload, status })),
    ).toEqual([
      { token_id: 'sem-restored', kind: 'test.post', lane: 'sem-restored', payload: '{"n":1}', status: 'pending' },
    ]);
  });

  it('tells the outbox what it enqueued: each gate once, and which jobs went in behind another of their lane', async () => {
    const planner: EffectPlanner = (change) => {
      if (change.type === 'created') return [{ kind: 'test.card', gate: 'slack.post:C1' }];
      if (change.type !== 'settled') return [];
      return [
        { kind: 'test.update', gate: 'slack.update' },
        { kind: 'test.update', gate: 'slack.update' },
        { kind: 'test.reply', gate: 'slack.post:C1' },
        { kind: 'test.hook' },
      ];
    };
    const { clock, store, purgatory } = await setup([planner]);
    const heard: unknown[] = [];
    purgatory.onOutbox((jobs) => heard.push(jobs));
    await purgatory.create(PYTHON_TOKEN, ci);
    expect(heard).toEqual([[{ gate: 'slack.post:C1' }]]);
    const [card] = await store.outbox.list({ kind: 'test.card', limit: 1 });
    await store.outbox.complete(card?.id ?? 0, clock.now());
    await purgatory.resolve('sem-restored', { humanInput: 'A', by: 'U1', via: 'button' });
    // The first update heads the token's lane now that the card is done; the rest queue behind it.
    expect(heard[1]).toEqual([
      { gate: 'slack.update' },
      { gate: 'slack.update', behind: true },
      { gate: 'slack.post:C1', behind: true },
      { behind: true },
    ]);
  });

  it('rolls everything back when a planner throws', async () => {
    const { store, purgatory } = await setup([
      () => {
        throw new Error('planner bug');
      },
    ]);
    const before = await storeSnapshot(store);
    await expect(purgatory.create(PYTHON_TOKEN, ci)).rejects.toThrow('planner bug');
    expect(await storeSnapshot(store)).toEqual(before);
  });

  it('treats a replay as a no-op and a different body under the same id as a conflict', async () => {
    const { purgatory } = await setup();
    expect((await purgatory.create(PYTHON_TOKEN, ci)).created).toBe(true);
    expect((await purgatory.create({ ...PYTHON_TOKEN }, ci)).created).toBe(false);
    await expect(purgatory.create({ ...PYTHON_TOKEN, options: ['A'] }, ci)).rejects.toThrow(ConflictError);
    await expect(purgatory.create({ ...PYTHON_TOKEN, runner: 'x' }, ci)).rejects.toThrow(ForbiddenError);
    expect(
      (await purgatory.create({ ...PYTHON_TOKEN, id: 'sem-admin', runner: 'x' }, { runner: 'admin', admin: true }))
        .token.runner,
    ).toBe('x');
  });

  it('validates resolve:<option> policies and destructive options against the options', async () => {
    const { purgatory } = await setup();
    const bad = {
      reason: 'approval_needed',
      options: ['yes', 'no'],
      expiry_policy: 'resolve:maybe',
      destructive_options: ['drop'],
    };
    try {
      await purgatory.create(bad, ci);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).issues.map((i) => i.path)).toEqual(['expiry_policy', 'destructive_options.0']);
    }
  });

  it('records the first answer; later answers get it back and change nothing', async () => {
    const { store, clock, purgatory } = await setup();
    await purgatory.create(PYTHON_TOKEN, ci);
    clock.advance(60_000);
    const first = await purgatory.resolve('sem-restored', {
      humanInput: 'A',
      by: 'U1',
      byName: 'alice',
      via: 'button',
    });
    expect(first.changed).toBe(true);
    expect(first.token).toMatchObject({ status: 'resolved', resolved_at: '2026-03-01T10:01:00.000+00:00' });
    const before = await storeSnapshot(store);
    const second = await purgatory.resolve('sem-restored', { humanInput: 'B', by: 'U2', via: 'button' });
    expect(second.changed).toBe(false);
    expect(second.reentry).toEqual(first.reentry);
    expect((await purgatory.cancel('sem-restored', { actor: 'ci', via: 'api' })).changed).toBe(false);
    expect(await storeSnapshot(store)).toEqual(before);
  });

  it('expires with voided_at and an expired reentry', async () => {
    const { purgatory } = await setup();
    await purgatory.create({ ...PYTHON_TOKEN, deadline: '2026-03-01T09:00:00' }, ci);
    expect((await purgatory.due()).map((t) => t.id)).toEqual(['sem-restored']);
    const result = await purgatory.expire('sem-restored', { actor: 'rodizio', via: 'deadline' });
    expect(result.token.voided_at).toBe('2026-03-01T10:00:00.000+00:00');
    expect(result.reentry).toMatchObject({
      outcome: 'expired',
      human_input: null,
      frozen_state: PYTHON_TOKEN.frozen_state,
    });
    expect(await purgatory.due()).toEqual([]);
  });

  it('carries notes in the reentry', async () => {
    const { clock, purgatory } = await setup();
    await purgatory.create(PYTHON_TOKEN, ci);
    await purgatory.store.notes.add({
      tokenId: 'sem-restored',
      author: 'U1',
      authorName: 'alice',
      text: 'use staging',
      atMs: clock.now(),
    });
    const { reentry } = await purgatory.resolve('sem-restored', { humanInput: 'A', by: 'U1', via: 'button' });
    expect(reentry.notes).toEqual([
      { by: 'U1', by_name: 'alice', text: 'use staging', at: '2026-03-01T10:00:00.000+00:00' },
    ]);
  });

  it('gc deletes only terminal tokens past the retention, with their events, notes and jobs, and records the run', async () => {
    const planner: EffectPlanner = () => [{ kind: 'test.job' }];
    const { store, clock, purgatory } = await setup([planner]);
    for (const id of ['sem-old', 'sem-new', 'sem-open']) await purgatory.create({ id, reason: 'approval_needed' }, ci);
    await purgatory.resolve('sem-old', { humanInput: 'x', by: 'U1', via: 'api' });
    clock.advance(10 * 86_400_000);
    await purgatory.cancel('sem-new', { actor: 'ci', via: 'api' });
    clock.advance(25 * 86_400_000);
    expect(await purgatory.gc(30 * 86_400_000, 1)).toBe(1);
    await expect(purgatory.get('sem-old')).rejects.toThrow(NotFoundError);
    expect((await purgatory.get('sem-new')).status).toBe('cancelled');
    expect((await purgatory.get('sem-open')).status).toBe('pending');
    expect(await store.events.forToken('sem-old')).toEqual([]);
    expect(await store.outbox.list({ tokenId: 'sem-old', limit: 100 })).toEqual([]);
    const gc = (await store.events.page(0, 0, 1000)).filter((e) => e.type === 'gc');
    expect(gc).toHaveLength(1);
    expect(JSON.parse(gc[0]?.data ?? 'null')).toEqual({ deleted: 1, closed_before: '2026-03-06T10:00:00.000+00:00' });
  });

  it('wakes in-process listeners when a token settles', async () => {
    const { purgatory } = await setup();
    const seen: string[] = [];
    purgatory.onSettled((id) => seen.push(id));
    await purgatory.create(PYTHON_TOKEN, ci);
    await purgatory.resolve('sem-restored', { humanInput: 'A', by: 'U1', via: 'api' });
    await purgatory.resolve('sem-restored', { humanInput: 'B', by: 'U1', via: 'api' });
    expect(seen).toEqual(['sem-restored']);
  });
});
