import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SchemaTooNewError } from '../../src/errors.js';
import { loadMigrations } from '../../src/store/migrations.js';
import { migrate, openDatabase } from '../../src/store/sqlite/database.js';
import { tempDbPath, tempDir } from '../helpers/temp.js';

describe('openDatabase', () => {
  it('creates the folder, applies every migration and sets WAL, synchronous=NORMAL and a busy timeout', () => {
    const path = join(tempDir(), 'nested', 'deeper', 'rodizio.db');
    const db = openDatabase(path);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(db.pragma('user_version', { simple: true })).toBe(loadMigrations('sqlite').length);
    const tables = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").all();
    expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['tokens', 'events', 'outbox', 'notes']));
    db.close();
  });

  it('is idempotent: opening twice applies nothing the second time', () => {
    const path = tempDbPath();
    openDatabase(path).close();
    const db = openDatabase(path, { migrate: false });
    expect(migrate(db)).toEqual({ from: loadMigrations('sqlite').length, to: loadMigrations('sqlite').length });
    db.close();
  });

  it('refuses a database whose schema is newer than the code, with a clear message', () => {
    const path = tempDbPath();
    const raw = new Database(path);
    raw.pragma('user_version = 999');
    raw.close();
    expect(() => openDatabase(path)).toThrow(SchemaTooNewError);
    expect(() => openDatabase(path)).toThrow(/schema version 999, but this rodizio only knows up to \d+/);
  });

  it('applies each migration in its own transaction: a failing one leaves the previous version', () => {
    const dir = tempDir();
    writeFileSync(join(dir, '001_a.sql'), 'CREATE TABLE a (x INTEGER);');
    writeFileSync(join(dir, '002_b.sql'), 'CREATE TABLE b (x INTEGER); INSERT INTO nowhere VALUES (1);');
    const db = new Database(join(dir, 'x.db'));
    expect(() => migrate(db, loadMigrations('sqlite', dir))).toThrow(/no such table: nowhere/);
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    const names = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").all();
    expect(names.map((n) => n.name)).toEqual(['a']);
    db.close();
  });

  it('rejects gaps in migration numbers', () => {
    const dir = tempDir();
    writeFileSync(join(dir, '001_a.sql'), 'SELECT 1;');
    writeFileSync(join(dir, '003_c.sql'), 'SELECT 1;');
    expect(() => loadMigrations('sqlite', dir)).toThrow(/003_c.sql should be numbered 2/);
  });

  it('keeps the audit log append-only', () => {
    const db = openDatabase(tempDbPath());
    db.prepare("INSERT INTO events (token_id, type, at_ms) VALUES ('t', 'ejected', 1)").run();
    expect(() => db.prepare("UPDATE events SET type = 'resolved'").run()).toThrow(/append-only/);
    db.close();
  });
});
