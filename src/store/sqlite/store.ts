import { AsyncLocalStorage } from 'node:async_hooks';
import { pino } from 'pino';
import type { Logger } from '../../logger.js';
import { loadMigrations } from '../migrations.js';
import type { ExternalChange, Repos, Store, TransactionBody } from '../store.js';
import { createApprovalStore } from './approvals.js';
import { createChangeWatcher } from './change-watcher.js';
import { createCheckpointer } from './checkpointer.js';
import { createSqliteCopy } from './copy.js';
import { type Db, type OpenDatabaseOptions, openDatabase } from './database.js';
import { createDigestStore } from './digests.js';
import { createEventFeedStore } from './event-feed.js';
import { createEventStore } from './events.js';
import { createFollowupStore } from './followups.js';
import { createGateStore } from './gates.js';
import { createGithubRefStore } from './github-refs.js';
import { createGrantStore } from './grants.js';
import { createIdentityStore } from './identities.js';
import { createIntakeStore } from './intake.js';
import { createNoteStore } from './notes.js';
import { createOutboxStore } from './outbox.js';
import { createPhaseFileStore } from './phase-files.js';
import { createRunnerLockStore } from './runner-locks.js';
import { createStatsStore } from './stats.js';
import { createSubscriptionStore } from './subscriptions.js';
import { createTokenStore } from './tokens.js';

export interface SqliteStoreOptions extends OpenDatabaseOptions {
  logger?: Logger;
}

function createRepos(db: Db): Repos {
  const events = createEventStore(db);
  return {
    tokens: createTokenStore(db, events),
    events,
    outbox: createOutboxStore(db),
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

/** Wraps every method of `obj` with `guard`. */
function guardMethods<T extends object>(obj: T, guard: <R>(call: () => Promise<R>) => Promise<R>): T {
  const wrapped: Record<string, unknown> = {};
  for (const [method, fn] of Object.entries(obj)) {
    wrapped[method] =
      typeof fn === 'function'
        ? (...args: unknown[]) => guard(() => (fn as (...a: unknown[]) => Promise<unknown>)(...args))
        : fn;
  }
  return wrapped as T;
}

/**
 * Wraps every method of every repo with `guard`, which runs the call when the connection is free of other
 * callers' transactions.
 */
function guardRepos(repos: Repos, guard: <T>(call: () => Promise<T>) => Promise<T>): Repos {
  const out: Record<string, object> = {};
  for (const [name, repo] of Object.entries(repos) as [string, object][]) out[name] = guardMethods(repo, guard);
  return out as unknown as Repos;
}

/**
 * The embedded engine: one better-sqlite3 connection (WAL, busy timeout) per process. Statements run
 * synchronously underneath, so each call resolves at once. A transaction is `BEGIN IMMEDIATE` … `COMMIT` on
 * the connection: transactions of one process run one at a time, and a call made outside any transaction
 * while one is open waits for it to finish rather than slipping into it. Other processes on the same file are
 * noticed through `PRAGMA data_version` (see change-watcher.ts).
 */
export function openSqliteStore(file: string, options: SqliteStoreOptions = {}): Store & { db: Db } {
  const db = openDatabase(file, options);
  // Statements are prepared on first use: a store opened without migrating (`rodizio migrate` reading the
  // version of a new file) has no tables to prepare them against yet.
  let prepared: { raw: Repos; guarded: Repos } | undefined;
  const repos = () => {
    if (!prepared) {
      const raw = createRepos(db);
      prepared = { raw, guarded: guardRepos(raw, guard) };
    }
    return prepared;
  };
  /** The open transaction's calls to wait for before its COMMIT (see TransactionBody). */
  const inTx = new AsyncLocalStorage<Promise<unknown>[]>();
  /** Settles when the transaction now open (if any) has finished. */
  let current: Promise<unknown> | undefined;
  let tail: Promise<unknown> = Promise.resolve();

  async function guard<T>(call: () => Promise<T>): Promise<T> {
    while (current && !inTx.getStore()) await current.catch(() => {});
    return call();
  }
  const copy = guardMethods(createSqliteCopy(db), guard);

  let watcher: ReturnType<typeof createChangeWatcher> | undefined;
  const external = new Set<(change: ExternalChange) => void>();

  /** Waits for `call` before the transaction's COMMIT; its failure rolls the transaction back. */
  const atCommitOf =
    (pending: Promise<unknown>[]) =>
    (call: Promise<unknown>): void => {
      call.catch(() => {}); // awaited before COMMIT, which its failure stops
      pending.push(call);
    };

  async function run<T>(fn: TransactionBody<T>): Promise<T> {
    db.prepare('BEGIN IMMEDIATE').run();
    try {
      const pending: Promise<unknown>[] = [];
      const result = await inTx.run(pending, () => fn(repos().raw, () => {}, atCommitOf(pending)));
      await Promise.all(pending);
      db.prepare('COMMIT').run();
      return result;
    } catch (err) {
      if (db.inTransaction) db.prepare('ROLLBACK').run();
      throw err;
    }
  }

  return {
    db,
    engine: 'sqlite',
    location: db.name,
    get tokens() {
      return repos().guarded.tokens;
    },
    get events() {
      return repos().guarded.events;
    },
    get outbox() {
      return repos().guarded.outbox;
    },
    get notes() {
      return repos().guarded.notes;
    },
    get approvals() {
      return repos().guarded.approvals;
    },
    get followups() {
      return repos().guarded.followups;
    },
    get intake() {
      return repos().guarded.intake;
    },
    get phaseFiles() {
      return repos().guarded.phaseFiles;
    },
    get runnerLocks() {
      return repos().guarded.runnerLocks;
    },
    get subscriptions() {
      return repos().guarded.subscriptions;
    },
    get feed() {
      return repos().guarded.feed;
    },
    get gates() {
      return repos().guarded.gates;
    },
    get grants() {
      return repos().guarded.grants;
    },
    get digests() {
      return repos().guarded.digests;
    },
    get githubRefs() {
      return repos().guarded.githubRefs;
    },
    get identities() {
      return repos().guarded.identities;
    },
    get stats() {
      return repos().guarded.stats;
    },
    copy,

    transaction<T>(fn: TransactionBody<T>): Promise<T> {
      // Inside a transaction already: join it (what a savepoint-free nested call would see anyway).
      const open = inTx.getStore();
      if (open) return fn(repos().raw, () => {}, atCommitOf(open));
      const next = tail.then(() => {
        const p = run(fn);
        current = p;
        return p.finally(() => {
          if (current === p) current = undefined;
        });
      });
      tail = next.catch(() => {});
      return next;
    },

    onExternalChange(listener) {
      if (!watcher) {
        watcher = createChangeWatcher({ db, logger: options.logger ?? silentLogger() });
        watcher.onChange(() => {
          for (const l of external) l({ kind: 'unknown' });
        });
        watcher.start();
      }
      external.add(listener);
      return () => external.delete(listener);
    },

    async schemaVersion() {
      return {
        current: db.pragma('user_version', { simple: true }) as number,
        known: (options.migrations ?? loadMigrations('sqlite')).at(-1)?.version ?? 0,
      };
    },

    maintenance() {
      return createCheckpointer(db, options.logger ?? silentLogger());
    },

    async close() {
      await tail;
      watcher?.stop();
      if (db.open) db.close();
    },
  };
}

function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
