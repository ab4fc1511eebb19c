import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { openPurgatory } from '../../src/main.js';
import { loadMigrations } from '../../src/store/migrations.js';
import { openStore } from '../../src/store/open.js';
import { migrate as migratePostgres } from '../../src/store/postgres/migrate.js';
import { openDatabase } from '../../src/store/sqlite/database.js';
import { cli } from '../helpers/cli.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { storeSnapshot } from '../helpers/store.js';
import { tempDbPath, tempDir } from '../helpers/temp.js';
import { editEvent, events, openRaw } from './raw-db.js';

const CI = { runner: 'ci', admin: false };
const DAY = 86_400_000;

/** Events as a rodizio before migration 010 wrote them: no hashes. */
const OLD_EVENTS: [string | null, string, number, string][] = [
  ['old-1', 'ejected', 1000, '{"reason":"approval_needed"}'],
  ['old-2', 'ejected', 2000, '{"reason":"context_required"}'],
  ['old-1', 'resolved', 3000, '{"via":"api","human_input":"yes"}'],
  [null, 'gc', 4000, '{"deleted":0}'],
];

/** A database at schema 9 holding OLD_EVENTS, on either engine; returns its location. */
async function legacyDatabase(engine: 'sqlite' | 'postgres'): Promise<string> {
  const insert = 'INSERT INTO events (token_id, type, at_ms, actor, data) VALUES';
  if (engine === 'sqlite') {
    const path = tempDbPath();
    const db = openDatabase(path, { migrations: loadMigrations('sqlite').slice(0, 9) });
    for (const e of OLD_EVENTS) db.prepare(`${insert} (?, ?, ?, 'ci', ?)`).run(...e);
    db.close();
    return path;
  }
  const db = await createTestDatabase();
  databases.push(db);
  const pool = new pg.Pool({ connectionString: db.url });
  try {
    await migratePostgres(pool, 'test', loadMigrations('postgres').slice(0, 9));
    for (const e of OLD_EVENTS) await pool.query(`${insert} ($1, $2, $3, 'ci', $4)`, e);
  } finally {
    await pool.end();
  }
  return db.url;
}
const databases: { drop(): Promise<void> }[] = [];

const verifyJson = async (location: string) => {
  const run = await cli(['audit', 'verify', '--json'], { RODIZIO_DB: location, LOG_LEVEL: 'silent' });
  return { ...run, report: JSON.parse(run.stdout) };
};

describe.each(['sqlite', 'postgres'] as const)('a log written before migration 010, on %s', (engine) => {
  it('is hashed once by the first append after the upgrade, in log order, and verifies', async () => {
    const location = await legacyDatabase(engine);
    try {
      const store = await openStore(location);
      try {
        await store.events.append({ tokenId: 'old-2', type: 'cancelled', atMs: 5000, actor: 'ci' });
      } finally {
        await store.close();
      }
      const raw = await openRaw(location);
      const rows = await events(raw);
      await raw.close();
      expect(rows.map((r) => r.type)).toEqual(['ejected', 'ejected', 'resolved', 'gc', 'cancelled']);
      // Each links to the one before it in the log, and to its token's previous event.
      expect(rows.map((r) => r.prev_hash)).toEqual([null, ...rows.slice(0, -1).map((r) => r.hash)]);
      expect(rows[2]?.token_prev_hash).toBe(rows[0]?.hash);
      expect(rows[4]?.token_prev_hash).toBe(rows[1]?.hash);
      expect(rows[3]?.token_prev_hash).toBeNull();

      const { code, report, stderr } = await verifyJson(location);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(report).toMatchObject({ ok: true, events: 5, tokens: 2, sealed: 0, head: { hash: rows[4]?.hash } });
    } finally {
      for (const db of databases.splice(0)) await db.drop();
    }
  });
});

describe('rodizio audit verify on an upgraded SQLite log nothing has appended to', () => {
  it('hashes the old events first (saying so), then checks them like any others', async () => {
    const location = await legacyDatabase('sqlite');
    const first = await cli(['audit', 'verify'], { RODIZIO_DB: location, LOG_LEVEL: 'silent' });
    expect(first.stderr).toBe('hashed 4 events written before the audit chain existed\n');
    expect(first.code).toBe(0);
    expect(first.stdout.split('\n')[0]).toBe('audit chain intact: 4 events, 2 tokens');

    // Sealed once: nothing changes on the next run, and an edit now shows.
    const store = await openStore(location);
    const before = await storeSnapshot(store);
    await store.close();
    const again = await verifyJson(location);
    expect(again.report).toMatchObject({ ok: true, sealed: 0 });
    const reopened = await openStore(location);
    expect(await storeSnapshot(reopened)).toEqual(before);
    await reopened.close();

    const raw = await openRaw(location);
    const rows = await events(raw);
    await editEvent(raw, rows[2] as (typeof rows)[number], { data: '{"via":"api","human_input":"no"}' });
    await raw.close();
    expect((await verifyJson(location)).report.first_broken).toMatchObject({
      seq: rows[2]?.seq,
      token_id: 'old-1',
      problem: 'content_edited',
    });
  });
});

describe('rodizio migrate-store from SQLite to Postgres', () => {
  it('keeps the chain verifiable, GC anchors included, and new appends continue it', async () => {
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    const sqlite = { RODIZIO_DB: tempDbPath(), LOG_LEVEL: 'silent' };
    const source = await openPurgatory(loadConfig(sqlite), clock);
    for (const id of ['m-1', 'm-2', 'm-3']) await source.purgatory.create({ id, reason: 'approval_needed' }, CI);
    await source.purgatory.resolve('m-1', { humanInput: 'yes', by: 'U1', via: 'api' });
    await source.purgatory.cancel('m-3', { actor: 'ci', via: 'api' });
    clock.advance(40 * DAY);
    expect(await source.purgatory.gc(30 * DAY)).toBe(2);
    await source.close();
    const before = await verifyJson(sqlite.RODIZIO_DB);
    expect(before.report).toMatchObject({ ok: true, gc_removed: 4 });

    const target = await createTestDatabase();
    try {
      const copied = await cli(['migrate-store', '--from', sqlite.RODIZIO_DB, '--to', target.url], {});
      expect(copied.code).toBe(0);
      expect(copied.stdout).toMatch(/^ {2}audit_heads +2$/m);
      const after = await verifyJson(target.url);
      expect(after.code).toBe(0);
      expect(after.report).toMatchObject({
        ok: true,
        events: before.report.events,
        tokens: 1,
        gc_removed: 4,
        head: before.report.head,
      });

      const pgEnv = { RODIZIO_DB: target.url, LOG_LEVEL: 'silent' };
      const moved = await openPurgatory(loadConfig(pgEnv), clock);
      await moved.purgatory.resolve('m-2', { humanInput: 'no', by: 'U2', via: 'api' });
      await moved.close();
      expect((await verifyJson(target.url)).report).toMatchObject({ ok: true, events: before.report.events + 1 });
    } finally {
      await target.drop();
    }
  });
});

describe('rodizio audit: bad input', () => {
  it('refuses unknown actions and unreadable files with a clear message, changing nothing', async () => {
    const env = { RODIZIO_DB: tempDbPath(), LOG_LEVEL: 'silent' };
    const none = await cli(['audit'], env);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Usage: rodizio audit verify');
    const wrong = await cli(['audit', 'repair'], env);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('unknown audit action "repair"');

    const dir = tempDir();
    const missing = await cli(['audit', 'verify', '--file', join(dir, 'nope.jsonl')], env);
    expect(missing).toMatchObject({ code: 1, stdout: '' });
    expect(missing.stderr).toContain('cannot read');

    const garbled = join(dir, 'garbled.jsonl');
    writeFileSync(
      garbled,
      '{"seq":1,"token_id":null,"type":"gc","at":"2026-01-01T00:00:00.000+00:00","actor":null,"data":{}}\nnot json\n',
    );
    const bad = await cli(['audit', 'verify', '--file', garbled], env);
    expect(bad).toMatchObject({ code: 1, stdout: '' });
    expect(bad.stderr).toBe(`rodizio audit: ${garbled} line 2 is not JSON\n`);

    const notEvent = join(dir, 'not-event.jsonl');
    writeFileSync(notEvent, '{"seq":"one"}\n');
    expect((await cli(['audit', 'verify', '--file', notEvent], env)).stderr).toContain(
      'line 1 is not an exported event',
    );
  });
});
