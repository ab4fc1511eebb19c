// Shared pieces of the Postgres sections: a fresh database per section in the cluster run.ts started (its admin
// URL in RODIZIO_TEST_PG_URL), the replicas' environment, HTTP calls to a replica, their log lines, a pool.
import { createTestDatabase } from '../helpers/postgres.js';
import { type Replica, type ReplicaSet, type ReplicaSetOptions, startReplicas } from '../helpers/replicas.js';

export const RUNNER = 'bench';
export const SECRET = 'bench-secret';
export const ADMIN = 'bench-admin';

/** Runs `fn` on a fresh database of the bench cluster, dropped afterwards (ending connections left open). */
export async function withDatabase<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const db = await createTestDatabase();
  try {
    return await fn(db.url);
  } finally {
    await db.drop().catch((err: unknown) => console.error(`  (could not drop the bench database: ${String(err)})`));
  }
}

/** `rodizio serve` settings every replica section shares: runner `bench`, an admin, no sandbox, no phase files. */
export function replicaEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    RODIZIO_API_TOKENS: `${RUNNER}:${SECRET}`,
    RODIZIO_ADMIN_TOKEN: ADMIN,
    RODIZIO_PHASE_WATCH: 'false',
    RODIZIO_SANDBOX: 'false',
    LOG_LEVEL: 'info',
    ...extra,
  };
}

/** Starts replicas on a fresh database, runs `fn`, then stops them all and drops the database. */
export async function withReplicas<T>(
  options: Omit<ReplicaSetOptions, 'dbUrl'>,
  fn: (set: ReplicaSet, dbUrl: string) => Promise<T>,
): Promise<T> {
  return withDatabase(async (dbUrl) => {
    const set = await startReplicas({ ...options, dbUrl });
    try {
      return await fn(set, dbUrl);
    } finally {
      await set.close();
    }
  });
}

/** A JSON call to a replica's API as the runner (or, with `secret`, as the admin); throws on a non-2xx answer. */
export async function call(
  replica: Replica,
  method: string,
  path: string,
  body?: unknown,
  secret = SECRET,
): Promise<unknown> {
  const res = await fetch(`${replica.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} on ${replica.name}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

export interface LogLine {
  time: string;
  level: string;
  msg: string;
  [key: string]: unknown;
}

/** A replica's pino JSON lines so far (chunks of its output joined, then split on newlines). */
export function logLines(replica: Replica): LogLine[] {
  const lines: LogLine[] = [];
  for (const text of replica.output.join('').split('\n')) {
    if (!text.startsWith('{')) continue;
    try {
      lines.push(JSON.parse(text) as LogLine);
    } catch {
      // a line still being written
    }
  }
  return lines;
}

/** Runs `work` on every index below `count`, at most `limit` at once. */
export async function pool(count: number, limit: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, count) }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
