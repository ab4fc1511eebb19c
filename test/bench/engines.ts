// Create over HTTP on both engines side by side: each against its own bare node:http + one prepared INSERT
// baseline on the same engine, every server in its own child process (servers.ts), one after the other.
import { join } from 'node:path';
import { createOverHttp } from './core.js';
import { type Figure, percentile } from './lib.js';
import { withDatabase } from './pg.js';

/** The SQLite figure before the store went async (one run on the machine of that time, 10,000 req × 32). */
const PREVIOUS_SQLITE_RPS = 2024;
const ALLOWED_DROP = 0.1;

/**
 * Baseline and rodizio alternate, `rounds` pairs per engine, each server fresh on a fresh database; a ratio is
 * the median of the pairs' ratios. One pair was not enough on this shared VM: the Postgres baseline alone ranged
 * 1,906–4,038 req/s over one morning's runs minutes apart, and its single ratio 0.41–0.64 with the same code.
 */
export async function benchCreateEngines(dir: string, total = 5_000, concurrency = 32, rounds = 3): Promise<Figure[]> {
  type Pair = {
    baseline: Awaited<ReturnType<typeof createOverHttp>>;
    rodizio: Awaited<ReturnType<typeof createOverHttp>>;
  };
  const sqlite: Pair[] = [];
  const postgres: Pair[] = [];
  for (let round = 0; round < rounds; round++) {
    sqlite.push({
      baseline: await createOverHttp('baseline', join(dir, `engines-baseline-${round}.db`), total, concurrency),
      rodizio: await createOverHttp('rodizio', join(dir, `engines-rodizio-${round}.db`), total, concurrency),
    });
    // A fresh database each, so neither inherits the other's rows (or its warm pages).
    postgres.push({
      baseline: await withDatabase((url) => createOverHttp('pg-baseline', url, total, concurrency)),
      rodizio: await withDatabase((url) => createOverHttp('rodizio', url, total, concurrency)),
    });
  }
  const median = (xs: number[]) =>
    percentile(
      [...xs].sort((a, b) => a - b),
      50,
    );
  const rates = (pairs: Pair[], side: keyof Pair) => pairs.map((p) => p[side].rps.toFixed(0)).join(' / ');
  const ratios = (pairs: Pair[]) => pairs.map((p) => p.rodizio.rps / p.baseline.rps);
  const failures = (pairs: Pair[]) => pairs.reduce((n, p) => n + p.rodizio.failures, 0);
  const sqliteRatio = median(ratios(sqlite));
  const pgRatio = median(ratios(postgres));
  const sqliteRps = median(sqlite.map((p) => p.rodizio.rps));
  const floor = PREVIOUS_SQLITE_RPS * (1 - ALLOWED_DROP);
  const change = sqliteRps / PREVIOUS_SQLITE_RPS - 1;
  const each = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(' / ');
  return [
    {
      name: `create over HTTP, ${rounds} rounds of ${total} req × ${concurrency}: baseline (node:http + 1 prepared INSERT)`,
      value: `SQLite ${rates(sqlite, 'baseline')} | PG ${rates(postgres, 'baseline')} req/s`,
    },
    {
      name: 'create over HTTP: rodizio (auth, zod, transaction with audit event), each round',
      value: `SQLite ${rates(sqlite, 'rodizio')} | PG ${rates(postgres, 'rodizio')} req/s`,
    },
    {
      name: 'create over HTTP: rodizio failures (non-2xx or errors)',
      value: `SQLite ${failures(sqlite)} | PG ${failures(postgres)}`,
      target: '0',
      ok: failures(sqlite) + failures(postgres) === 0,
    },
    {
      name: `create over HTTP: rodizio / baseline, SQLite, median (rounds ${each(ratios(sqlite))})`,
      value: sqliteRatio.toFixed(2),
      target: '≥ 0.50',
      ok: sqliteRatio >= 0.5,
    },
    {
      name: `create over HTTP: rodizio / baseline, Postgres (pg Pool of 10 each), median (rounds ${each(ratios(postgres))})`,
      value: pgRatio.toFixed(2),
      target: '≥ 0.50',
      ok: pgRatio >= 0.5,
    },
    {
      name: `create over HTTP: SQLite rodizio (median) vs ${PREVIOUS_SQLITE_RPS.toLocaleString('en')} req/s before (machine may differ)`,
      value: `${sqliteRps.toFixed(0)} req/s (${change >= 0 ? '+' : ''}${(change * 100).toFixed(0)}%)`,
      target: `≥ ${floor.toLocaleString('en', { maximumFractionDigits: 0 })} req/s`,
      ok: sqliteRps >= floor,
    },
  ];
}
