import { describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../src/errors.js';
import { createPurgatory, type EffectPlanner } from '../src/purgatory.js';
import { openDatabase } from '../src/store/database.js';
import { PYTHON_TOKEN } from './helpers/bridge.js';
import { storeSnapshot } from './helpers/store.js';
import { tempDbPath } from './helpers/temp.js';

const ci = { runner: 'ci', admin: false };

function setup(planners: EffectPlanner[] = []) {
  const clock = new ManualClock('2026-03-01T10:00:00Z');
  const db = openDatabase(tempDbPath());
  return { clock, db, purgatory: createPurgatory({ db, clock, planners }) };
}

describe('purgatory', () => {
  it('writes the token, an ejected event and the planned outbox jobs in one transaction', () => {
    const planner: EffectPlanner = (change) =>
      change.type === 'created' ? [{ kind: 'test.post', payload: { n: 1 } }] : [];
    const { db, purgatory } = setup([planner]);
    purgatory.create(PYTHON_TOKEN, ci);
    expect(purgatory.history('sem-restored')).toEqual([
      {
        type: 'ejected',
        at: '2026-03-01T10:00:00.000+00:00',
        actor: 'ci',
        data: { reason: 'approval_needed', severity: 'critical' },
      },
    ]);
    expect(db.prepare('SELECT token_id, kind, lane, payload, status FROM outbox').all()).toEqual([
      { token_id: 'sem-restored', kind: 'test.post', lane: 'sem-restored', payload: '{"n":1}', status: 'pending' },
    ]);
  });

  it('rolls everything back when a planner throws', () => {
    const { db, purgatory } = setup([
      () => {
        throw new Error('planner bug');
      },
    ]);
    const before = storeSnapshot(db);
    expect(() => purgatory.create(PYTHON_TOKEN, ci)).toThrow('planner bug');
    expect(storeSnapshot(db)).toEqual(before);
  });

  it('treats a replay as a no-op and a different body under the same id as a conflict', () => {
    const { purgatory } = setup();
    expect(purgatory.create(PYTHON_TOKEN, ci).created).toBe(true);
    expect(purgatory.create({ ...PYTHON_TOKEN }, ci).created).toBe(false);
    expect(() => purgatory.create({ ...PYTHON_TOKEN, options: ['A'] }, ci)).toThrow(ConflictError);
    expect(() => purgatory.create({ ...PYTHON_TOKEN, runner: 'x' }, ci)).toThrow(ForbiddenError);
    expect(
      purgatory.create({ ...PYTHON_TOKEN, id: 'sem-admin', runner: 'x' }, { runner: 'admin', admin: true }).token
        .runner,
    ).toBe('x');
  });

  it('validates resolve:<option> policies and destructive options against the options', () => {
    const { purgatory } = setup();
    const bad = {
      reason: 'approval_needed',
      options: ['yes', 'no'],
      expiry_policy: 'resolve:maybe',
      destructive_options: ['drop'],
    };
    try {
      purgatory.create(bad, ci);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).issues.map((i) => i.path)).toEqual(['expiry_policy', 'destructive_options.0']);
    }
  });

  it('records the first answer; later answers get it back and change nothing', () => {
    const { db, clock, purgatory } = setup();
    purgatory.create(PYTHON_TOKEN, ci);
    clock.advance(60_000);
    const first = purgatory.resolve('sem-restored', { humanInput: 'A', by: 'U1', byName: 'alice', via: 'button' });
    expect(first.changed).toBe(true);
    expect(first.token).toMatchObject({ status: 'resolved', resolved_at: '2026-03-01T10:01:00.000+00:00' });
    const before = storeSnapshot(db);
    const second = purgatory.resolve('sem-restored', { humanInput: 'B', by: 'U2', via: 'button' });
    expect(second.changed).toBe(false);
    expect(second.reentry).toEqual(first.reentry);
    expect(purgatory.cancel('sem-restored', { actor: 'ci', via: 'api' }).changed).toBe(false);
    expect(storeSnapshot(db)).toEqual(before);
  });

  it('expires with voided_at and an expired reentry', () => {
    const { purgatory } = setup();
    purgatory.create({ ...PYTHON_TOKEN, deadline: '2026-03-01T09:00:00' }, ci);
    expect(purgatory.due().map((t) => t.id)).toEqual(['sem-restored']);
    const result = purgatory.expire('sem-restored', { actor: 'rodizio', via: 'deadline' });
    expect(result.token.voided_at).toBe('2026-03-01T10:00:00.000+00:00');
    expect(result.reentry).toMatchObject({
      outcome: 'expired',
      human_input: null,
      frozen_state: PYTHON_TOKEN.frozen_state,
    });
    expect(purgatory.due()).toEqual([]);
  });

  it('carries notes in the reentry', () => {
    const { clock, purgatory } = setup();
    purgatory.create(PYTHON_TOKEN, ci);
    purgatory.stores.notes.add({
      tokenId: 'sem-restored',
      author: 'U1',
      authorName: 'alice',
      text: 'use staging',
      atMs: clock.now(),
    });
    const { reentry } = purgatory.resolve('sem-restored', { humanInput: 'A', by: 'U1', via: 'button' });
    expect(reentry.notes).toEqual([
      { by: 'U1', by_name: 'alice', text: 'use staging', at: '2026-03-01T10:00:00.000+00:00' },
    ]);
  });

  it('gc deletes only terminal tokens past the retention, with their events, notes and jobs, and records the run', () => {
    const planner: EffectPlanner = () => [{ kind: 'test.job' }];
    const { db, clock, purgatory } = setup([planner]);
    for (const id of ['sem-old', 'sem-new', 'sem-open']) purgatory.create({ id, reason: 'approval_needed' }, ci);
    purgatory.resolve('sem-old', { humanInput: 'x', by: 'U1', via: 'api' });
    clock.advance(10 * 86_400_000);
    purgatory.cancel('sem-new', { actor: 'ci', via: 'api' });
    clock.advance(25 * 86_400_000);
    expect(purgatory.gc(30 * 86_400_000, 1)).toBe(1);
    expect(() => purgatory.get('sem-old')).toThrow(NotFoundError);
    expect(purgatory.get('sem-new').status).toBe('cancelled');
    expect(purgatory.get('sem-open').status).toBe('pending');
    expect(db.prepare("SELECT count(*) AS n FROM events WHERE token_id = 'sem-old'").get()).toEqual({ n: 0 });
    expect(db.prepare("SELECT count(*) AS n FROM outbox WHERE token_id = 'sem-old'").get()).toEqual({ n: 0 });
    const gc = db.prepare("SELECT data FROM events WHERE type = 'gc'").get() as { data: string };
    expect(JSON.parse(gc.data)).toEqual({ deleted: 1, closed_before: '2026-03-06T10:00:00.000+00:00' });
  });

  it('wakes in-process listeners when a token settles', () => {
    const { purgatory } = setup();
    const seen: string[] = [];
    purgatory.onSettled((id) => seen.push(id));
    purgatory.create(PYTHON_TOKEN, ci);
    purgatory.resolve('sem-restored', { humanInput: 'A', by: 'U1', via: 'api' });
    purgatory.resolve('sem-restored', { humanInput: 'B', by: 'U1', via: 'api' });
    expect(seen).toEqual(['sem-restored']);
  });
});
