import type { Reentry } from '../domain/token.js';
import type { ApprovalStore } from './approvals.js';
import type { TableCopy } from './copy.js';
import type { DigestStore } from './digests.js';
import type { EventFeedStore } from './event-feed.js';
import type { EventStore } from './events.js';
import type { FollowupStore } from './followups.js';
import type { GateStore } from './gates.js';
import type { GithubRefStore } from './github-refs.js';
import type { GrantStore } from './grants.js';
import type { IdentityStore } from './identities.js';
import type { IntakeStore } from './intake.js';
import type { NoteStore } from './notes.js';
import type { OutboxStore } from './outbox.js';
import type { PhaseFileStore } from './phase-files.js';
import type { RunnerLockStore } from './runner-locks.js';
import type { StatsStore } from './stats.js';
import type { SubscriptionStore } from './subscriptions.js';
import type { TokenStore } from './tokens.js';

/** Every table's queries. The same set is reachable on the store (each call on its own) and inside a transaction. */
export interface Repos {
  tokens: TokenStore;
  events: EventStore;
  outbox: OutboxStore;
  notes: NoteStore;
  approvals: ApprovalStore;
  followups: FollowupStore;
  intake: IntakeStore;
  phaseFiles: PhaseFileStore;
  runnerLocks: RunnerLockStore;
  subscriptions: SubscriptionStore;
  feed: EventFeedStore;
  gates: GateStore;
  grants: GrantStore;
  /** Which Slack digest or group message holds which tokens (src/slack/digest.ts, grouping.ts). */
  digests: DigestStore;
  /** The branch or pull request heads tokens were asked about (github_ref). */
  githubRefs: GithubRefStore;
  /** Slack ↔ forge login links and their pending challenges. */
  identities: IdentityStore;
  /** Aggregate reads for /metrics and `rodizio stats`. */
  stats: StatsStore;
}

/** The repos bound to one open transaction. */
export type Tx = Repos;

export type Engine = 'sqlite' | 'postgres';

/**
 * What another process or replica changed, as far as this one can tell. On Postgres every commit that settles a
 * token or enqueues jobs says so (`NOTIFY`); on SQLite a commit by another process is only known to have happened.
 */
export type ExternalChange =
  /** `reentry`: as the settling transaction computed it, when the signal carried it (small enough to). */
  | { kind: 'settled'; tokenId: string; reentry?: Reentry }
  /** Jobs were enqueued: as in Signal, when the process that enqueued them said (see EnqueuedJobs). */
  | ({ kind: 'outbox' } & EnqueuedJobs)
  | { kind: 'event' }
  /** Webhook subscriptions were added or removed: reload them. */
  | { kind: 'subscriptions' }
  /** Something was committed elsewhere; look at everything you wait for. */
  | { kind: 'unknown' };

/**
 * Jobs a commit enqueued, so a worker can tell whether it can start one now: `gate`, the gate they wait on (absent:
 * none); `behind`, each went in behind a pending job of its lane. Both absent: wake, whatever the jobs are.
 */
export interface EnqueuedJobs {
  gate?: string;
  behind?: true;
}

/** What a state change tells the other processes when it commits (see `Store.transaction`). */
export type Signal =
  /** `reentry`: the token's reentry as this transaction leaves it, for long-polls elsewhere to answer with. */
  | { kind: 'settled'; tokenId: string; reentry?: Reentry }
  /** One per kind of job a commit enqueued: its gate, and whether it went in behind another job of its lane. */
  | ({ kind: 'outbox' } & EnqueuedJobs)
  | { kind: 'event' }
  | { kind: 'subscriptions' };

/**
 * A transaction's work. `atCommit(call)`: a store call made in it whose result `fn` does not wait for (the last
 * statements of a write). On Postgres it goes out with the COMMIT instead of a round trip ahead of it; either
 * way the transaction commits only if it succeeds, and the transaction's promise settles after it does.
 */
export type TransactionBody<T> = (
  tx: Tx,
  signal: (s: Signal) => void,
  atCommit: (call: Promise<unknown>) => void,
) => Promise<T>;

/**
 * The purgatory's storage, one interface over two engines (src/store/sqlite, src/store/postgres). Everything
 * above it is written once against this; SQL lives only in the engine folders.
 */
export interface Store extends Repos {
  readonly engine: Engine;
  /** The SQLite file, or the Postgres URL without its password: for logs and messages. */
  readonly location: string;
  /**
   * Runs `fn` in one write transaction with the repos bound to it: committed when `fn` resolves, rolled back
   * when it throws. `signal`s are sent to the other processes when it commits. `fn` must do no I/O but the
   * store's: on SQLite transactions run one at a time per process.
   */
  transaction<T>(fn: TransactionBody<T>): Promise<T>;
  /** Calls `listener` when another process commits something (see ExternalChange); starts watching on first use. */
  onExternalChange(listener: (change: ExternalChange) => void): () => void;
  /** The schema version the database is at, and the newest this build knows. */
  schemaVersion(): Promise<{ current: number; known: number }>;
  /** Bulk reads and writes of whole tables, for `rodizio migrate-store`. */
  readonly copy: TableCopy;
  /** Server-side upkeep off the request path (SQLite: WAL checkpoints), started by the leader. */
  maintenance(): { start(): void; stop(): Promise<void> };
  close(): Promise<void>;
}
