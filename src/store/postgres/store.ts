import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { pino } from 'pino';
import { RodizioError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { loadMigrations } from '../migrations.js';
import type { ExternalChange, Repos, Signal, Store, TransactionBody } from '../store.js';
import { createApprovalStore } from './approvals.js';
import {
  corked,
  createPrepared,
  firstFailure,
  isRetryable,
  type PgConn,
  queryUnsorted,
  type Send,
  typeParsers,
  unsortedIn,
  withClient,
} from './conn.js';
import { createPostgresCopy } from './copy.js';
import { createDigestStore } from './digests.js';
import { createEventFeedStore } from './event-feed.js';
import { createEventStore } from './events.js';
import { createFollowupStore } from './followups.js';
import { createGateStore } from './gates.js';
import { createGithubRefStore } from './github-refs.js';
import { createGrantStore } from './grants.js';
import { createIdentityStore } from './identities.js';
import { createIntakeStore } from './intake.js';
import { migrate, oneLine, schemaVersion } from './migrate.js';
import { createNoteStore } from './notes.js';
import { CHANNEL, signalPayload, startListener } from './notify.js';
import { createOutboxStore } from './outbox.js';
import { createPhaseFileStore } from './phase-files.js';
import { createRunnerLockStore } from './runner-locks.js';
import { createStatsStore } from './stats.js';
import { createSubscriptionStore } from './subscriptions.js';
import { createTokenStore } from './tokens.js';

export interface PostgresStoreOptions {
  logger?: Logger;
  /** Apply pending migrations (default). `rodizio migrate` opens without, to report what it applies. */
  migrate?: boolean;
}

/** Serialization failures and deadlocks roll a transaction back whole; it runs again up to this many times. */
const MAX_ATTEMPTS = 5;
const TIMEOUT_MS = 30_000;

/** The repos on `db`; `origin` names this store in the NOTIFYs its enqueues send (see signalPayload). */
function createRepos(db: PgConn, origin: string): Repos {
  const events = createEventStore(db);
  return {
    tokens: createTokenStore(db, events),
    events,
    outbox: createOutboxStore(db, origin),
    notes: createNoteStore(db),
    approvals: createApprovalStore(db),
    followups: createFollowupStore(db),
    intake: createIntakeStore(db),
    phaseFiles: createPhaseFileStore(db),
    runnerLocks: createRunnerLockStore(db),
    subscriptions: createSubscriptionStore(db),
    feed: createEventFeedStore(db),
    gates: createGateStore(db),
    grants: createGrantStore(db),
    digests: createDigestStore(db),
    githubRefs: createGithubRefStore(db),
    identities: createIdentityStore(db),
    stats: createStatsStore(db),
  };
}

/** The URL without its password (in the userinfo or a `password` parameter), for logs and messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    if (u.searchParams.has('password')) u.searchParams.delete('password');
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1@');
  }
}

/** An open transaction: its client, the repos bound to it, and the signals to send when it commits. */
interface TxContext {
  client: pg.PoolClient;
  repos: Repos;
  signals: Set<string>;
  /** Its calls whose results wait for the COMMIT (see TransactionBody). */
  atCommit: (call: Promise<unknown>) => void;
  /** False once it has committed or rolled back: work scheduled from inside it then runs on its own. */
  open: boolean;
}

/** in_failed_sql_transaction: a statement refused because an earlier one in the transaction failed. */
const IN_FAILED_TRANSACTION = '25P02';

/** The command tag Postgres ended a COMMIT's round trip with (the last of several statements sent together). */
function endedWith(result: pg.QueryResult | pg.QueryResult[]): string {
  return (Array.isArray(result) ? result.at(-1) : result)?.command ?? '';
}

/**
 * The server engine: a `pg.Pool` shared by several replicas' worth of processes. Calls outside a transaction
 * run on any pooled connection; `transaction` runs on one client between BEGIN and COMMIT, and store calls made
 * inside it (on `tx` or on the store itself, found through AsyncLocalStorage) join it, as on SQLite. Commits
 * that `signal` something NOTIFY the other processes, which hear it through `onExternalChange`.
 */
export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<Store> {
  const logger = options.logger ?? pino({ level: 'silent' });
  const location = redactUrl(url);
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30_000,
    statement_timeout: TIMEOUT_MS,
    idle_in_transaction_session_timeout: TIMEOUT_MS,
    application_name: 'rodizio',
    types: typeParsers,
    // A statement goes out without waiting for the answer to the one before it on the same connection: a
    // transaction's BEGIN travels with its first statement (see `inTransaction`). Each statement still ends
    // with its own Sync and gets its own result or error, in order.
    pipeline: true,
  });
  // An idle pooled connection that dies (server restart) emits 'error'; the pool replaces it on next use.
  pool.on('error', (err) => logger.warn({ err }, 'idle Postgres connection failed'));
  const migrations = loadMigrations('postgres');
  const known = migrations.at(-1)?.version ?? 0;
  try {
    await pool.query('SELECT 1').catch((err: unknown) => {
      throw new RodizioError('database_unreachable', `cannot connect to Postgres at ${location}: ${oneLine(err)}`, {
        cause: err,
      });
    });
    if (options.migrate ?? true) await migrate(pool, location, migrations);
  } catch (err) {
    await pool.end().catch(() => {});
    throw err;
  }

  const origin = randomUUID();
  const prepared = createPrepared();
  const send: Send = (client, text, values) => prepared.run(client, text, values);
  const als = new AsyncLocalStorage<TxContext>();
  const current = () => {
    const ctx = als.getStore();
    return ctx?.open ? ctx : undefined;
  };

  /**
   * BEGIN … COMMIT on one pooled client, run again whole after a serialization failure or deadlock. `beforeCommit`
   * gives SQL without parameters sent in the same round trip as the COMMIT (the transaction's NOTIFYs). Calls the
   * body hands to `atCommit` are already on the wire, ahead of the COMMIT: it waits for them after sending it.
   */
  async function inTransaction<T>(
    body: (client: pg.PoolClient, atCommit: (call: Promise<unknown>) => void) => Promise<T>,
    beforeCommit: (client: pg.PoolClient) => string | undefined = () => undefined,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      // Undefined: the transaction conflicted, and runs again.
      const outcome = await withClient(
        pool,
        async (client, broke) => {
          const pending: Promise<unknown>[] = [];
          const atCommit = (call: Promise<unknown>) => {
            call.catch(() => {}); // awaited below; a failure fails the transaction there
            pending.push(call);
          };
          try {
            // Not awaited before the body runs: its first statement follows BEGIN on the wire (the connection is
            // pipelined), saving a round trip in every transaction. Postgres runs them in order. BEGIN fails only
            // when the connection or the server does, and then so does what follows it.
            // The body runs up to its first wait with the socket held, so BEGIN and that statement go out in one
            // write (see `corked`).
            const [begun, running] = corked(client, () => [client.query('BEGIN'), body(client, atCommit)] as const);
            begun.catch(() => {}); // awaited below, after the body: its error is rethrown there
            const result = await running;
            const last = beforeCommit(client);
            const committing = client.query(last === undefined ? 'COMMIT' : `${last}; COMMIT`);
            committing.catch(() => {}); // awaited below
            await begun;
            // A call left for the commit that failed made Postgres abort the transaction: it then answers the
            // COMMIT with ROLLBACK (or refuses the NOTIFY sent with it), and the call's error is the one to report.
            let ended: string;
            try {
              ended = endedWith(await committing);
            } catch (err) {
              throw (await firstFailure(pending)) ?? err;
            }
            if (ended !== 'COMMIT') {
              throw (await firstFailure(pending)) ?? new Error(`Postgres ended the transaction with ${ended}`);
            }
            // Committed: every call ran. One rejected now failed in this process, after its statement.
            await Promise.all(pending);
            return { value: result };
          } catch (caught) {
            // A statement after a failed call left for the commit is refused for it: report the call's error.
            const err =
              (caught as { code?: unknown })?.code === IN_FAILED_TRANSACTION
                ? ((await firstFailure(pending)) ?? caught)
                : caught;
            // A failed ROLLBACK means the connection itself is gone: release it as broken so the pool drops it.
            await client.query('ROLLBACK').catch(broke);
            if (attempt >= MAX_ATTEMPTS || !(isRetryable(err) || prepared.stale(err))) throw err;
            logger.debug({ err, attempt }, 'Postgres transaction conflicted; running it again');
            return undefined;
          }
        },
        (err) => logger.warn({ err }, 'Postgres connection failed inside a transaction'),
      );
      if (outcome) return outcome.value;
      await sleep(Math.random() * 20 * attempt);
    }
  }

  // Store-level calls join the transaction open in their async context, if any; otherwise any pooled connection.
  const poolConn: PgConn = {
    query: async (text, values) => {
      const ctx = current();
      if (ctx) return prepared.run(ctx.client, text, values);
      try {
        return await prepared.run(pool, text, values);
      } catch (err) {
        if (!prepared.stale(err)) throw err;
        return pool.query(text, values);
      }
    },
    atomic: (fn) => {
      const ctx = current();
      return ctx ? fn(ctx.client) : inTransaction(fn);
    },
    unsorted: async <R extends pg.QueryResultRow>(text: string, values?: unknown[]) => {
      const ctx = current();
      if (ctx) return unsortedIn<R>(ctx.client, text, values, send);
      try {
        return await queryUnsorted<R>(pool, text, values, send);
      } catch (err) {
        if (!prepared.stale(err)) throw err;
        return queryUnsorted<R>(pool, text, values);
      }
    },
  };
  const repos = createRepos(poolConn, origin);

  const collect = (ctx: TxContext) => (s: Signal) => {
    ctx.signals.add(signalPayload(s, origin));
  };

  const listeners = new Set<(change: ExternalChange) => void>();
  let listener: ReturnType<typeof startListener> | undefined;
  let closed = false;

  return {
    engine: 'postgres',
    location,
    ...repos,
    copy: createPostgresCopy(poolConn),

    transaction<T>(fn: TransactionBody<T>): Promise<T> {
      const outer = current();
      if (outer) return fn(outer.repos, collect(outer), outer.atCommit);
      let signals = new Set<string>();
      return inTransaction(
        async (client, atCommit) => {
          const clientConn: PgConn = {
            query: (text, values) => prepared.run(client, text, values),
            atomic: (f) => f(client),
            unsorted: (text, values) => unsortedIn(client, text, values, send),
          };
          const repos = createRepos(clientConn, origin);
          const ctx: TxContext = { client, repos, signals: new Set(), atCommit, open: true };
          signals = ctx.signals;
          try {
            return await als.run(ctx, () => fn(ctx.repos, collect(ctx), atCommit));
          } finally {
            ctx.open = false;
          }
        },
        // Delivered by Postgres at COMMIT, and only if it commits. Sent with the COMMIT itself: every round trip
        // here is made while the transaction holds the event-order lock (see events.ts).
        (client) =>
          signals.size === 0
            ? undefined
            : `SELECT pg_notify(${client.escapeLiteral(CHANNEL)}, p) FROM (VALUES ${[...signals]
                .map((p) => `(${client.escapeLiteral(p)})`)
                .join(', ')}) AS s(p)`,
      );
    },

    onExternalChange(listen) {
      listeners.add(listen);
      if (!listener && !closed) {
        listener = startListener({
          config: {
            connectionString: url,
            connectionTimeoutMillis: 5000,
            keepAlive: true,
            application_name: 'rodizio-listen',
          },
          origin,
          logger,
          emit: (change) => {
            for (const l of listeners) {
              try {
                l(change);
              } catch (err) {
                logger.error({ err }, 'change listener failed');
              }
            }
          },
        });
      }
      return () => listeners.delete(listen);
    },

    async schemaVersion() {
      return { current: await schemaVersion(pool), known };
    },

    maintenance() {
      // Postgres does its own upkeep (autovacuum, checkpoints): nothing to run from here.
      return { start() {}, async stop() {} };
    },

    async close() {
      if (closed) return;
      closed = true;
      await listener?.close();
      await pool.end();
    },
  };
}
