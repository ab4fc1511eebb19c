import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { ADMIN_SECRET, startTestBridge } from '../helpers/bridge.js';
import { cli, spawnCli } from '../helpers/cli.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { tempDir } from '../helpers/temp.js';
import { editEvent, events, openRaw, putEvents, type RawDb, type StoredEvent, swapEvents } from './raw-db.js';

const T0 = '2026-01-01T00:00:00Z';
const DAY = 86_400_000;

/** What `audit verify --json` prints. */
interface Report {
  ok: boolean;
  events: number;
  tokens: number;
  head: { seq: number; hash: string } | null;
  gc_removed: number;
  first_broken: { seq: number; token_id: string | null; problem: string; message: string } | null;
}

/**
 * A real bridge writes the log (API creates, a patch, answers, a cancel, a burst of parallel creates); then the
 * database is edited behind its back, row by row, and `rodizio audit verify` must name each change. Each test
 * puts the rows back and sees the chain intact again, so one log serves them all.
 */
describe.each(['sqlite', 'postgres'] as const)('rodizio audit verify on %s', (engine) => {
  let location: string;
  let drop: () => Promise<void> = async () => {};
  let raw: RawDb;
  let original: StoredEvent[];
  const env = () => ({ RODIZIO_DB: location, LOG_LEVEL: 'silent' });
  const verify = async (...extra: string[]) => {
    const run = await cli(['audit', 'verify', '--json', ...extra], env());
    return { code: run.code, report: JSON.parse(run.stdout) as Report, stderr: run.stderr };
  };
  const text = (...extra: string[]) => cli(['audit', 'verify', ...extra], env());
  const find = (token: string, type: string) => {
    const row = original.find((e) => e.token_id === token && e.type === type);
    if (!row) throw new Error(`no ${type} event for ${token}`);
    return row;
  };

  beforeAll(async () => {
    if (engine === 'postgres') {
      const db = await createTestDatabase({ migrated: true });
      location = db.url;
      drop = db.drop;
    } else {
      // Not tempDbPath(): its folder goes after each test, and this log serves the whole file.
      const dir = mkdtempSync(join(tmpdir(), 'rodizio-audit-'));
      location = join(dir, 'rodizio.db');
      drop = async () => rmSync(dir, { recursive: true, force: true });
    }
    const t = await startTestBridge({ config: { dbPath: location }, clock: new ManualClock(T0) });
    const admin = { token: ADMIN_SECRET };
    const create = (id: string) =>
      t.call('POST', '/v1/tokens', {
        body: { id, reason: 'approval_needed', prompt: `${id}?`, options: ['yes', 'no'] },
      });
    expect((await create('a-1')).status).toBe(201);
    await create('b-1');
    expect((await t.call('PATCH', '/v1/tokens/a-1', { body: { prompt: 'a-1, really?' } })).status).toBe(200);
    await t.call('POST', '/v1/tokens/b-1/resolve', { ...admin, body: { human_input: 'yes', by: 'U1' } });
    await create('c-1');
    await t.call('POST', '/v1/tokens/a-1/resolve', { ...admin, body: { human_input: 'no', by: 'U2' } });
    // Appends racing each other: the chain must not fork.
    const burst = await Promise.all(Array.from({ length: 12 }, (_, i) => create(`p-${i}`)));
    expect(burst.map((r) => r.status)).toEqual(Array(12).fill(201));
    expect((await t.call('POST', '/v1/tokens/c-1/cancel')).status).toBe(200);
    await t.bridge.stop();
    raw = await openRaw(location);
    original = await events(raw);
  }, 60_000);

  afterAll(async () => {
    await raw?.close();
    await drop();
  });

  it('says the chain is intact (from the real executable once) and stores a hash on every event', async () => {
    // 15 creates, a patch, two answers and a cancel.
    expect(original).toHaveLength(19);
    expect(original.every((e) => /^[0-9a-f]{64}$/.test(e.hash ?? ''))).toBe(true);
    expect(original[0]?.prev_hash).toBeNull();
    // A child process costs seconds on a busy machine: the executable once, in-process on Postgres.
    const run = engine === 'sqlite' ? await spawnCli(['audit', 'verify'], env()) : await text();
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')[0]).toBe(`audit chain intact: ${original.length} events, 15 tokens`);
    expect(run.stdout).toContain(`head: event ${original.at(-1)?.seq}, hash ${original.at(-1)?.hash}`);
  });

  it('names an edited event: content edited, with its id and token', async () => {
    const resolved = find('b-1', 'resolved');
    await editEvent(raw, resolved, { data: resolved.data.replace('"yes"', '"no"') });
    try {
      const { code, report } = await verify();
      expect(code).toBe(1);
      expect(report.first_broken).toMatchObject({ seq: resolved.seq, token_id: 'b-1', problem: 'content_edited' });
      const run = await text();
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(
        new RegExp(`^audit chain broken: event ${resolved.seq} \\(token b-1\\): content edited \\(stored hash`),
      );
    } finally {
      await putEvents(raw, [resolved]);
    }
    expect((await verify()).code).toBe(0);
  });

  it("names a deleted event in the middle of a token's chain: event missing", async () => {
    const ejected = find('a-1', 'ejected');
    const patched = find('a-1', 'patched');
    await raw.query('DELETE FROM events WHERE seq = ?', [patched.seq]);
    try {
      const { code, report } = await verify();
      expect(code).toBe(1);
      const next = original.find((e) => e.seq > patched.seq);
      expect(report.first_broken).toMatchObject({ seq: next?.seq, token_id: 'a-1', problem: 'event_missing' });
      expect(report.first_broken?.message).toContain(`token a-1's event after event ${ejected.seq}`);
    } finally {
      await putEvents(raw, [patched]);
    }
    expect((await verify()).code).toBe(0);
  });

  it("names a token's deleted last event, in the middle of the log and at its very end", async () => {
    const resolved = find('b-1', 'resolved');
    await raw.query('DELETE FROM events WHERE seq = ?', [resolved.seq]);
    try {
      const { report } = await verify();
      expect(report.first_broken).toMatchObject({ seq: resolved.seq, token_id: 'b-1', problem: 'event_missing' });
      expect(report.first_broken?.message).toMatch(/token b-1 ends at event \d+, its head names event/);
    } finally {
      await putEvents(raw, [resolved]);
    }

    const last = original.at(-1) as StoredEvent;
    expect(last).toMatchObject({ token_id: 'c-1', type: 'cancelled' });
    await raw.query('DELETE FROM events WHERE seq = ?', [last.seq]);
    try {
      const { code, report } = await verify();
      expect(code).toBe(1);
      expect(report.first_broken).toMatchObject({ seq: last.seq, token_id: 'c-1', problem: 'event_missing' });
    } finally {
      await putEvents(raw, [last]);
    }
    expect((await verify()).code).toBe(0);
  });

  it('names two events that swapped places: order broken', async () => {
    const a = find('a-1', 'ejected');
    const b = find('b-1', 'ejected');
    expect(b.seq).toBeGreaterThan(a.seq);
    await swapEvents(raw, a, b);
    try {
      const { code, report } = await verify();
      expect(code).toBe(1);
      expect(report.first_broken).toMatchObject({ seq: a.seq, token_id: 'b-1', problem: 'order_broken' });
      expect(report.first_broken?.message).toContain(`it follows event ${b.seq}`);
    } finally {
      await putEvents(raw, [a, b]);
    }
    expect((await verify()).code).toBe(0);
  });

  it('checks an export file later: intact, then an edited and a deleted line', async () => {
    const file = join(tempDir(), 'events.jsonl');
    const exported = await cli(['export', '--out', file], env());
    expect(exported.code).toBe(0);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(original.length);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ hash: original[0]?.hash, prev_hash: null });

    const ok = await text('--file', file);
    expect(ok.code).toBe(0);
    expect(ok.stdout.split('\n')[0]).toBe(`audit chain intact: ${original.length} events, 15 tokens`);

    const edited = lines.map((l) => l.replace('"human_input":"no"', '"human_input":"yes"'));
    expect(edited).not.toEqual(lines);
    writeFileSync(file, `${edited.join('\n')}\n`);
    const resolved = find('a-1', 'resolved');
    expect((await verify('--file', file)).report.first_broken).toMatchObject({
      seq: resolved.seq,
      token_id: 'a-1',
      problem: 'content_edited',
    });

    writeFileSync(file, `${lines.filter((_, i) => i !== 3).join('\n')}\n`);
    const missing = await verify('--file', file);
    expect(missing.code).toBe(1);
    expect(missing.report.first_broken?.problem).toBe('event_missing');
    expect(missing.report.first_broken?.seq).toBe(original[4]?.seq);
  });

  it('stays green after GC (its anchors account for the removed events) and still sees other deletions', async () => {
    const later = new ManualClock(Date.parse(T0) + 40 * DAY);
    const gc = await cli(['gc', '--older-than', '30d', '--json'], env(), later);
    expect(gc.stdout).toBe('{"deleted":3}\n');
    const after = await events(raw);
    const anchors = after.filter((e) => e.type === 'audit_anchor');
    expect(anchors).toHaveLength(1);
    const removed = original.filter((e) => ['a-1', 'b-1', 'c-1'].includes(e.token_id ?? ''));
    expect(JSON.parse(anchors[0]?.data ?? '{}')).toMatchObject({
      removed: removed.length,
      tokens: 3,
      first_hash: removed[0]?.hash,
      last_hash: removed.at(-1)?.hash,
      head_seq: original.at(-1)?.seq,
    });

    const run = await text();
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('audit chain intact: ');
    expect(run.stdout).toContain(`GC removed ${removed.length} events, accounted for by its anchors`);

    // A deletion GC did not make: a burst token's only event, between others.
    const victim = after.find((e) => e.token_id === 'p-5') as StoredEvent;
    await raw.query('DELETE FROM events WHERE seq = ?', [victim.seq]);
    try {
      const { report } = await verify();
      expect(report.first_broken).toMatchObject({ seq: victim.seq, token_id: 'p-5', problem: 'event_missing' });
    } finally {
      await putEvents(raw, [victim]);
    }
    expect((await verify()).code).toBe(0);

    // An archive taken after GC carries the anchors too.
    const file = join(tempDir(), 'after-gc.jsonl');
    expect((await cli(['export', '--out', file], env())).code).toBe(0);
    expect((await verify('--file', file)).report).toMatchObject({ ok: true, gc_removed: removed.length });
  });
});
