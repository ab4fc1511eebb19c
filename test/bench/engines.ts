// Create over HTTP on both engines side by side: each against its own bare node:http + one prepared INSERT
// baseline on the same engine, every server in its own child process (servers.ts), one after the other.
import { join } from 'node:path';
import { createOverHttp } from './core.js';
import type { Figure } from './lib.js';
import { withDatabase } from './pg.js';

/** The SQLite figure before the store went async (one run on the machine of that time, 10,000 req × 32). */
const PREVIOUS_SQLITE_RPS = 2024;
const ALLOWED_DROP = 0.1;

export async function benchCreateEngines(dir: string, total = 10_000, concurrency = 32): Promise<Figure[]> {
  const sqlite = {
    baseline: await createOverHttp('baseline', join(dir, 'engines-baseline.db'), total, concurrency),
    rodizio: await createOverHttp('rodizio', join(dir, 'engines-rodizio.db'), total, concurrency),
  };
  // A fresh database each, so neither inherits the other's rows (or its warm pages).
  const postgres = {
    baseline: await withDatabase((url) => createOverHttp('pg-baseline', url, total, concurrency)),
    rodizio: await withDatabase((url) => createOverHttp('rodizio', url, total, concurrency)),
  };
  const rate = (r: { rps: number }) => r.rps.toFixed(0).padStart(5);
  const ratio = (e: typeof sqlite) => e.rodizio.rps / e.baseline.rps;
  const floor = PREVIOUS_SQLITE_RPS * (1 - ALLOWED_DROP);
  const change = sqlite.rodizio.rps / PREVIOUS_SQLITE_RPS - 1;
  return [
    {
      name: `create over HTTP, ${total} req × ${concurrency}: baseline (node:http + 1 prepared INSERT)`,
      value: `SQLite ${rate(sqlite.baseline)} | PG ${rate(postgres.baseline)} req/s`,
    },
    {
      name: 'create over HTTP: rodizio (auth, zod, transaction with audit event)',
      value: `SQLite ${rate(sqlite.rodizio)} | PG ${rate(postgres.rodizio)} req/s`,
    },
    {
      name: 'create over HTTP: rodizio failures (non-2xx or errors)',
      value: `SQLite ${sqlite.rodizio.failures} | PG ${postgres.rodizio.failures}`,
      target: '0',
      ok: sqlite.rodizio.failures + postgres.rodizio.failures === 0,
    },
    {
      name: 'create over HTTP: rodizio / baseline, SQLite',
      value: ratio(sqlite).toFixed(2),
      target: '≥ 0.50',
      ok: ratio(sqlite) >= 0.5,
    },
    {
      name: 'create over HTTP: rodizio / baseline, Postgres (pg Pool of 10 each)',
      value: ratio(postgres).toFixed(2),
      target: '≥ 0.50',
      ok: ratio(postgres) >= 0.5,
    },
    {
      name: `create over HTTP: SQLite rodizio vs ${PREVIOUS_SQLITE_RPS.toLocaleString('en')} req/s before (machine may differ)`,
      value: `${sqlite.rodizio.rps.toFixed(0)} req/s (${change >= 0 ? '+' : ''}${(change * 100).toFixed(0)}%)`,
      target: `≥ ${floor.toLocaleString('en', { maximumFractionDigits: 0 })} req/s`,
      ok: sqlite.rodizio.rps >= floor,
    },
  ];
}
