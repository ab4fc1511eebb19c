export interface RunnerLockRow {
  name: string;
  owner: string;
  host: string;
  pid: number;
  acquired_ms: number;
  heartbeat_ms: number;
}

export interface LockClaim {
  name: string;
  owner: string;
  host: string;
  pid: number;
  nowMs: number;
  /** A holder whose heartbeat is older than this is presumed dead. */
  staleMs: number;
  /** Whether the holder recorded in the row is a process that no longer exists (same host only). */
  holderIsDead(row: RunnerLockRow): boolean;
}

export type LockResult =
  | { acquired: true; previous: RunnerLockRow | undefined }
  | { acquired: false; holder: RunnerLockRow };

/** Single-runner locks (and the replicas' leader lease): a row per role, taken over only from a stale or dead holder. */
export interface RunnerLockStore {
  /** Takes the lock in one transaction, so two starting processes cannot both win. */
  acquire(claim: LockClaim): Promise<LockResult>;
  /** Refreshes the holder's heartbeat; false when the lock is no longer ours. */
  heartbeat(name: string, owner: string, nowMs: number): Promise<boolean>;
  release(name: string, owner: string): Promise<void>;
  holder(name: string): Promise<RunnerLockRow | undefined>;
}
