import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { openPostgresStore } from '../../../src/store/postgres/store.js';
import { openSqliteStore } from '../../../src/store/sqlite/store.js';
import type { Store } from '../../../src/store/store.js';
import type { NewTokenRow, Settlement } from '../../../src/store/tokens.js';
import { createTestDatabase } from '../../helpers/postgres.js';
import { tempDir } from '../../helpers/temp.js';

/**
 * The engine contract suite's shared pieces: the suites in this folder run the same assertions against both
 * engines (describe.each(engines)), plus Postgres-only ones for what needs two stores at once.
 */

/** The schema version the migrations folders are at: the highest numbered file (`NNN_name.sql`). */
export const SCHEMA_VERSION = Math.max(
  ...readdirSync(new URL('../../../migrations/sqlite/', import.meta.url)).map((f) => Number.parseInt(f, 10) || 0),
);

/** An engine under test: a fresh, migrated store, a way to open a second one on the same data, and cleanup. */
export interface Harness {
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

export const engines: { engine: 'sqlite' | 'postgres'; setup: () => Promise<Harness> }[] = [
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
      const db = await createTestDatabase({ migrated: true });
      return harness(() => openPostgresStore(db.url), db.drop);
    },
  },
];

export function tokenRow(id: string, over: Partial<NewTokenRow> = {}): NewTokenRow {
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

export const answer = (id: string, atMs = 5000): Settlement => ({
  id,
  status: 'resolved',
  at: '2025-01-01T00:00:05Z',
  atMs,
  humanInput: { choice: 'yes' },
  by: 'U1',
  byName: 'Ann',
  via: 'slack',
});

/**
 * Postgres stores on one fresh migrated database per test (several replicas' worth), all closed and dropped after;
 * `open` also opens a database of the test's own, such as an empty one.
 */
export function usePostgres(): { url(): string; open(url?: string): Promise<Store> } {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const stores: Store[] = [];
  beforeEach(async () => {
    db = await createTestDatabase({ migrated: true });
  });
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    await db.drop();
  });
  return {
    url: () => db.url,
    async open(url = db.url) {
      const store = await openPostgresStore(url);
      stores.push(store);
      return store;
    },
  };
}
