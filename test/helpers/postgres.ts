import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './ports.js';

const PG_ROOT = '/usr/lib/postgresql';

/** The newest Postgres server's bin folder (Debian's `postgresql` package), or undefined when none is installed. */
export function postgresBinDir(): string | undefined {
  if (!existsSync(PG_ROOT)) return undefined;
  const versions = readdirSync(PG_ROOT)
    .filter((v) => existsSync(join(PG_ROOT, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(PG_ROOT, versions[0], 'bin');
}

/** Postgres refuses to run as root: as root, run its binaries as the `postgres` OS user and give it the folder. */
function runner(dir: string): { argv(bin: string, args: string[]): string[]; run(bin: string, args: string[]): void } {
  const root = process.getuid?.() === 0;
  if (root) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const argv = (bin: string, args: string[]) =>
    root ? ['runuser', '-u', 'postgres', '--', bin, ...args] : [bin, ...args];
  const run = (bin: string, args: string[]) => {
    const [cmd = bin, ...rest] = argv(bin, args);
    try {
      execFileSync(cmd, rest, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
    } catch (err) {
      const { stderr, stdout } = err as { stderr?: string; stdout?: string };
      throw new Error(`${bin} ${args[0] ?? ''} failed: ${stderr || stdout || String(err)}`);
    }
  };
  return { argv, run };
}

/**
 * A detached shell that stops the cluster and deletes its folder once this process is gone: a test run killed
 * from outside (Ctrl-C, `timeout`) never reaches its teardown, and would otherwise leave a server running.
 */
function watchdog(dir: string, stop: string[]): { cancel(): void } {
  const script = 'pid=$1; dir=$2; shift 2; while kill -0 "$pid" 2>/dev/null; do sleep 1; done; "$@"; rm -rf "$dir"';
  const child = spawn('sh', ['-c', script, 'watchdog', String(process.pid), dir, ...stop], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  return { cancel: () => void child.kill() };
}

/**
 * Starts a throwaway Postgres cluster (trust auth, no durability: it only lives for one test run) on a free
 * port on 127.0.0.1, with its socket and data in a fresh temporary folder. `stop` shuts it down and deletes it.
 */
export async function startPostgresCluster(): Promise<{
  url: string;
  /**
   * Shuts the server down (`-m fast`: every connection cut at once), keeping its data. Not `immediate`: without
   * fsync and synchronous commit (above) a crash would lose the last commits, which a real server would keep.
   */
  halt(): void;
  /** Starts a halted server again on the same port and data. */
  resume(): void;
  stop(): Promise<void>;
}> {
  const bin = postgresBinDir();
  if (!bin) {
    throw new Error(`no Postgres server under ${PG_ROOT}/*/bin: install it with \`apt-get install -y postgresql\``);
  }
  const dir = mkdtempSync(join(tmpdir(), 'rodizio-pg-'));
  const data = join(dir, 'data');
  const { argv, run } = runner(dir);
  const port = await freePort();
  const settings = [
    `-p ${port}`,
    `-k ${dir}`,
    '-c listen_addresses=127.0.0.1',
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=200',
  ].join(' ');
  const start = () =>
    run(join(bin, 'pg_ctl'), ['-D', data, '-o', settings, '-l', join(dir, 'server.log'), '-w', 'start']);
  try {
    run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    start();
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const stopArgs = ['-D', data, '-m', 'immediate', '-w', 'stop'];
  const guard = watchdog(dir, argv(join(bin, 'pg_ctl'), stopArgs));
  let halted = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    halt() {
      run(join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']);
      halted = true;
    },
    resume() {
      start();
      halted = false;
    },
    async stop() {
      guard.cancel();
      try {
        if (!halted) run(join(bin, 'pg_ctl'), stopArgs);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Names the migrated template database of the test cluster (set by test/global-postgres.ts; see createTestDatabase). */
const TEMPLATE_ENV = 'RODIZIO_TEST_PG_TEMPLATE';
const TEMPLATE_NAME = /^rodizio_template_[0-9a-f]+$/;

/** Runs one statement as the cluster's admin, on a connection of its own. */
async function adminSql(admin: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/**
 * Creates, in the cluster at `admin`, a database with every migration applied, and records its name in
 * RODIZIO_TEST_PG_TEMPLATE for `createTestDatabase({ migrated: true })` to copy: a file copy of it takes about
 * half the time of creating an empty database and migrating it, on every test's bridge. Nobody may connect to it
 * afterwards (a copy is refused while anyone is connected to its template). Needs Postgres 15 or later (`STRATEGY
 * FILE_COPY`); on an older server nothing is created and every database is migrated as it opens.
 */
export async function createMigratedTemplate(admin: string): Promise<void> {
  const version = new pg.Client({ connectionString: admin });
  await version.connect();
  try {
    const { rows } = await version.query<{ server_version_num: string }>('SHOW server_version_num');
    if (Number(rows[0]?.server_version_num) < 150000) return;
  } finally {
    await version.end();
  }
  const name = `rodizio_template_${randomBytes(4).toString('hex')}`;
  await adminSql(admin, `CREATE DATABASE "${name}"`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  // Imported here: the rest of this module does not need the product's store.
  const { openStore } = await import('../../src/store/open.js');
  const store = await openStore(url.toString());
  await store.close();
  await adminSql(admin, `ALTER DATABASE "${name}" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`);
  process.env[TEMPLATE_ENV] = name;
}

/**
 * A fresh, uniquely named database in the test cluster (`RODIZIO_TEST_PG_URL`, set by test/global-postgres.ts);
 * `drop` removes it, ending any connection a test left open. Empty, unless `migrated` is asked for and the
 * cluster has a migrated template (see createMigratedTemplate): then a copy of it, with every migration applied.
 * Only for databases the test opens through the store, which would apply the migrations anyway.
 */
export async function createTestDatabase(
  options: { migrated?: boolean } = {},
): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = process.env.RODIZIO_TEST_PG_URL;
  if (!admin) {
    throw new Error('RODIZIO_TEST_PG_URL is not set: run the tests through vitest, whose globalSetup starts Postgres');
  }
  const name = `rodizio_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const template = options.migrated ? process.env[TEMPLATE_ENV] : undefined;
  if (template !== undefined && !TEMPLATE_NAME.test(template)) throw new Error(`bad ${TEMPLATE_ENV}: ${template}`);
  // The names are generated from digits and hex (the template's is checked above), so quoting them is safe. A
  // file copy of the small template is faster than the default (WAL-logged) copy; fsync is off in the test cluster.
  const from = template ? ` TEMPLATE "${template}" STRATEGY FILE_COPY` : '';
  await adminSql(admin, `CREATE DATABASE "${name}"${from}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => adminSql(admin, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}
