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
  await connected(admin, (client) => client.query(text));
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
 * cluster has a migrated template (see createMigratedTemplate): then one with every migration applied and no rows.
 * Only for databases the test opens through the store, which would apply the migrations anyway.
 *
 * A migrated database is a copy of the template the first time; when its test is done, `drop` empties it (every
 * connection ended, every table but the migrations' own truncated, identities restarted) and the next test in this
 * process gets it. `CREATE DATABASE` takes 100 ms of the server's CPU and 350–500 ms on a busy machine, and the
 * Postgres suites make one for almost every test; emptying takes a few milliseconds. A database whose tables,
 * columns or indexes a test changed is dropped instead, so every test starts from the template's schema.
 */
export async function createTestDatabase(
  options: { migrated?: boolean } = {},
): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = process.env.RODIZIO_TEST_PG_URL;
  if (!admin) {
    throw new Error('RODIZIO_TEST_PG_URL is not set: run the tests through vitest, whose globalSetup starts Postgres');
  }
  const template = options.migrated ? process.env[TEMPLATE_ENV] : undefined;
  if (template !== undefined && !TEMPLATE_NAME.test(template)) throw new Error(`bad ${TEMPLATE_ENV}: ${template}`);
  const urlOf = (name: string) => {
    const url = new URL(admin);
    url.pathname = `/${name}`;
    return url.toString();
  };
  const dropSql = (name: string) => `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`;
  if (template === undefined) {
    const name = `rodizio_test_${process.pid}_${randomBytes(4).toString('hex')}`;
    // The names are generated from digits and hex, so quoting them is safe.
    await adminSql(admin, `CREATE DATABASE "${name}"`);
    return { url: urlOf(name), drop: () => adminSql(admin, dropSql(name)) };
  }
  let name = emptied.pop();
  if (name === undefined) {
    name = `rodizio_test_${process.pid}_${randomBytes(4).toString('hex')}`;
    // A file copy of the small template is faster than the default (WAL-logged) copy; fsync is off in the test
    // cluster. The template's name is checked above.
    await adminSql(admin, `CREATE DATABASE "${name}" TEMPLATE "${template}" STRATEGY FILE_COPY`);
    templateSchema ??= await connected(urlOf(name), schemaOf);
  }
  const reused = name;
  return {
    url: urlOf(reused),
    async drop() {
      if (await emptyForReuse(urlOf(reused))) emptied.push(reused);
      else await adminSql(admin, dropSql(reused));
    },
  };
}

/** Migrated databases of this process that their tests are done with, emptied for the next test. */
const emptied: string[] = [];
/** The migrated template's tables, columns and indexes, as read in its first copy. */
let templateSchema: string | undefined;

/** A database's tables, columns, indexes, constraints and migration versions, as one string (from the catalogs). */
const SCHEMA_SQL = `
  SELECT concat_ws(' | ',
    (SELECT string_agg(c.relname || '.' || a.attname || ':' || format_type(a.atttypid, a.atttypmod) || ':' ||
       a.attnotnull || ':' || coalesce(pg_get_expr(d.adbin, d.adrelid), ''), ',' ORDER BY c.relname, a.attnum)
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
       WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped),
    (SELECT string_agg(pg_get_indexdef(i.indexrelid), ',' ORDER BY 1)
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relnamespace = 'public'::regnamespace),
    (SELECT string_agg(conname || ':' || pg_get_constraintdef(oid), ',' ORDER BY conname)
       FROM pg_constraint WHERE connamespace = 'public'::regnamespace),
    (SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_migrations)) AS schema`;

async function schemaOf(client: pg.Client): Promise<string> {
  const { rows } = await client.query<{ schema: string }>(SCHEMA_SQL);
  return rows[0]?.schema ?? '';
}

/** Runs `fn` on a connection of its own to `url`. */
export async function connected<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Ends every other connection to the database and empties it as a fresh copy of the template would be: true, or
 * false when its schema is no longer the template's (or anything fails), and it should be dropped instead. Rows go
 * with DELETE (foreign-key triggers off for this session), faster than TRUNCATE for tables this small; identities
 * restart.
 */
async function emptyForReuse(url: string): Promise<boolean> {
  try {
    return await connected(url, async (client) => {
      // What a test left connected (a pool not closed, a killed replica's sessions) goes, with its advisory locks and
      // LISTENs, as DROP … WITH (FORCE) would end it. Their row locks go as they exit; the DELETEs wait for that.
      await client.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
      );
      if (templateSchema === undefined || (await schemaOf(client)) !== templateSchema) return false;
      const { rows } = await client.query<{ t: string }>(
        `SELECT quote_ident(relname) AS t FROM pg_class
          WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' AND relname <> 'schema_migrations'`,
      );
      await client.query(`
        BEGIN;
        SET LOCAL session_replication_role = replica;
        ${rows.map((r) => `DELETE FROM ${r.t};`).join('\n')}
        SELECT setval(s.seqrelid, s.seqstart, false) FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid
          WHERE c.relnamespace = 'public'::regnamespace;
        COMMIT;`);
      return true;
    });
  } catch {
    return false;
  }
}
