/**
 * Several `rodizio serve` replicas on one Postgres database, for tests and benches: start N of them, find the
 * one that leads (the `leader` row of runner_locks), SIGKILL it or any other, and see who takes over.
 *
 * Nothing here imports vitest, so a bench run through tsx can use it too; the caller stops the set (`close()`)
 * when it is done. The database is the caller's: `createTestDatabase()` (test/helpers/postgres.ts) in tests, a
 * cluster of its own (`startPostgresCluster()`) in a bench.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort } from './ports.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The built executable, as in ./cli.ts (the caller makes sure it is current: ./build.ts). */
const CLI_ENTRY = fileURLToPath(new URL('../../dist/src/cli.js', import.meta.url));

/** Children still running: SIGKILLed if this process exits first (a timed-out test, a bench that throws). */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Polls `check` until it returns something truthy (which it resolves with), or throws after `timeoutMs`. */
export async function waitFor<T>(
  check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  {
    timeoutMs = 10_000,
    intervalMs = 25,
    what = 'a condition',
  }: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** One `rodizio serve` child process. */
export interface Replica {
  /** `r0`, `r1`… in start order. */
  name: string;
  port: number;
  /** `http://127.0.0.1:<port>` */
  url: string;
  child: ChildProcess;
  pid: number;
  /** Everything it wrote to stdout and stderr (pino JSON lines). */
  output: string[];
  /** False once it exited (killed or crashed). */
  readonly alive: boolean;
  /** SIGKILL: no shutdown, no flush, no lock release — a crash. Resolves once the process is gone. */
  crash(): Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs`: a normal stop. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts one `rodizio serve` (the real executable, built) with `env`; resolves once /healthz answers. */
export async function spawnReplica(
  name: string,
  env: Record<string, string>,
  { readyTimeoutMs = 30_000 }: { readyTimeoutMs?: number } = {},
): Promise<Replica> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const output: string[] = [];
  const child = spawn(process.execPath, [CLI_ENTRY, 'serve'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      RODIZIO_ENV_FILE: '',
      ...env,
      PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d) => output.push(String(d)));
  child.stderr?.on('data', (d) => output.push(String(d)));
  running.add(child);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      running.delete(child);
      resolve();
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const replica: Replica = {
    name,
    port,
    url,
    child,
    pid: child.pid ?? -1,
    output,
    get alive() {
      return child.exitCode === null && child.signalCode === null;
    },
    async crash() {
      if (!replica.alive) return;
      child.kill('SIGKILL');
      await exited;
    },
    async stop(graceMs = 5000) {
      if (!replica.alive) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  try {
    await waitFor(
      async () => {
        if (!replica.alive) throw new Error(`replica ${name} exited ${child.exitCode}:\n${output.join('')}`);
        return fetch(`${url}/healthz`)
          .then((r) => r.ok)
          .catch(() => false);
      },
      { timeoutMs: readyTimeoutMs, intervalMs: 50, what: `replica ${name} to answer /healthz` },
    );
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return replica;
}

// biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field
type Json = any;

/**
 * A request to a replica's API as `token` (a runner's or the admin's secret): the status, the JSON body, and
 * `retryAfter` when the answer carries that header.
 */
export async function callReplica(
  replica: Replica,
  method: string,
  path: string,
  { token, body }: { token: string; body?: unknown },
): Promise<{ status: number; json: Json; retryAfter?: string }> {
  const res = await fetch(`${replica.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const retryAfter = res.headers.get('retry-after');
  return {
    status: res.status,
    json: text === '' ? undefined : JSON.parse(text),
    ...(retryAfter === null ? {} : { retryAfter }),
  };
}

/** The `leader` row of runner_locks: who holds the singletons (sweeps, intake re-processing, maintenance). */
export interface LeaderRow {
  owner: string;
  host: string;
  pid: number;
  acquired_ms: number;
  heartbeat_ms: number;
}

/** Reads the leader row (undefined before anyone was elected). */
export async function readLeader(db: pg.Client | pg.Pool): Promise<LeaderRow | undefined> {
  const res = await db.query<LeaderRow>(
    `SELECT owner, host, pid, acquired_ms::float8 AS acquired_ms, heartbeat_ms::float8 AS heartbeat_ms
       FROM runner_locks WHERE name = 'leader'`,
  );
  return res.rows[0];
}

export interface ReplicaSetOptions {
  /** A postgres:// URL every replica shares (RODIZIO_DB). */
  dbUrl: string;
  count: number;
  /** The rest of the environment (Slack, API tokens, schedules…); PORT and RODIZIO_DB are set per replica. */
  env: Record<string, string>;
  /**
   * RODIZIO_HOST_ID per replica. Default: one shared id, so a SIGKILLed leader's dead pid is seen as dead by the
   * others (same host) and taken over within a heartbeat; distinct ids wait out the 5 s staleness instead.
   */
  hostIds?: (index: number) => string;
  /**
   * More environment for one replica, over `env` (its own config file, say, as each host of a real deployment
   * would have). RODIZIO_DB and RODIZIO_HOST_ID still come from `dbUrl` and `hostIds`.
   */
  replicaEnv?: (index: number) => Record<string, string>;
  /** Start them one after the other rather than all at once (gentler on a small machine; slower). */
  sequential?: boolean;
}

export interface Takeover {
  /** The leader that was killed, and the replica that took over. */
  from: LeaderRow;
  to: LeaderRow;
  replica: Replica;
  /** From the SIGKILL until another live replica held the row (polled every 20 ms). */
  ms: number;
}

/** N replicas on one database and a pg client to look at it. */
export interface ReplicaSet {
  replicas: Replica[];
  /** A client on the shared database, for the caller's own queries too. */
  db: pg.Client;
  /** The replicas still running. */
  alive(): Replica[];
  /** Adds one more replica (a fresh start or a restart: same environment, a new port). */
  add(name?: string): Promise<Replica>;
  /** The replica that holds the leader row now, if it is one of these and alive. */
  leader(): Promise<{ row: LeaderRow; replica: Replica } | undefined>;
  /** Waits until one of the live replicas holds the leader row (optionally: someone other than `not`). */
  waitForLeader(options?: { not?: string; timeoutMs?: number }): Promise<{ row: LeaderRow; replica: Replica }>;
  /**
   * SIGKILLs the current leader and resolves at once with it and a promise of the takeover (which replica, how
   * long after the kill), so the caller can go on working while the others notice.
   */
  killLeader(): Promise<{ killed: Replica; row: LeaderRow; takeover: Promise<Takeover> }>;
  /** Stops every replica (SIGKILL) and closes the client. The database is left to its owner. */
  close(): Promise<void>;
}

/** Starts `count` replicas on `dbUrl` and waits until one of them leads. */
export async function startReplicas(options: ReplicaSetOptions): Promise<ReplicaSet> {
  const { dbUrl, count, env } = options;
  const hostIds = options.hostIds ?? (() => 'rodizio-replicas-test-host');
  const replicas: Replica[] = [];
  const db = new pg.Client({ connectionString: dbUrl });
  await db.connect();
  const envFor = (index: number) => ({
    ...env,
    ...options.replicaEnv?.(index),
    RODIZIO_DB: dbUrl,
    RODIZIO_HOST_ID: hostIds(index),
  });

  const add = async (name = `r${replicas.length}`) => {
    const index = replicas.length;
    const replica = await spawnReplica(name, envFor(index));
    replicas.push(replica);
    return replica;
  };

  const leader = async () => {
    const row = await readLeader(db).catch(() => undefined);
    if (!row) return undefined;
    const replica = replicas.find((r) => r.pid === row.pid && r.alive);
    return replica ? { row, replica } : undefined;
  };

  const waitForLeader: ReplicaSet['waitForLeader'] = ({ not, timeoutMs = 15_000 } = {}) =>
    waitFor(
      async () => {
        const found = await leader();
        return found && found.row.owner !== not ? found : undefined;
      },
      { timeoutMs, intervalMs: 20, what: not ? 'another replica to take the leader lock over' : 'a leader' },
    );

  const set: ReplicaSet = {
    replicas,
    db,
    alive: () => replicas.filter((r) => r.alive),
    add,
    leader,
    waitForLeader,
    async killLeader() {
      const current = await leader();
      if (!current) throw new Error('no live replica holds the leader lock');
      const killedAt = performance.now();
      await current.replica.crash();
      const takeover = waitForLeader({ not: current.row.owner }).then(({ row, replica }) => ({
        from: current.row,
        to: row,
        replica,
        ms: Math.round(performance.now() - killedAt),
      }));
      // The caller may look at it late (or never): do not let a timeout become an unhandled rejection meanwhile.
      takeover.catch(() => {});
      return { killed: current.replica, row: current.row, takeover };
    },
    async close() {
      await Promise.all(replicas.map((r) => r.crash()));
      await db.end().catch(() => {});
    },
  };

  try {
    if (options.sequential) for (let i = 0; i < count; i++) await add();
    else {
      // Started together, added in index order (the migrations take an advisory lock, so racing starts are fine).
      const started = await Promise.allSettled(
        Array.from({ length: count }, (_, i) => spawnReplica(`r${i}`, envFor(i))),
      );
      for (const s of started) if (s.status === 'fulfilled') replicas.push(s.value);
      const failed = started.find((s) => s.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
    }
    await waitForLeader();
  } catch (err) {
    await set.close();
    throw err;
  }
  return set;
}
