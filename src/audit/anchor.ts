import type { ChainHead, RemovedEvent } from '../store/events.js';
import type { Tx } from '../store/store.js';

/** The event GC writes when it removes events: what it took out of the log, so the chain still verifies. */
export const AUDIT_ANCHOR = 'audit_anchor';

/**
 * A run of removed events that sat next to each other in the log: the hash the first one followed, the last
 * one's hash, and how many. The event after the run links to `last`; verify follows it back to `prev`.
 */
export type RemovedRun = [prev: string | null, last: string, count: number];

/** The `data` of an `audit_anchor` event. */
export interface AnchorData {
  /** Events removed (by this GC batch). */
  removed: number;
  /** Tokens whose events they were. */
  tokens: number;
  /** The first and last removed event's hash, in log order. */
  first_hash: string | null;
  last_hash: string | null;
  /** The log's head the anchor follows: the last event appended before it (it may be one just removed). */
  head_seq: number | null;
  head_hash: string | null;
  runs: RemovedRun[];
}

/**
 * Groups removed events (in `seq` order) into runs of neighbours: one removed event follows the other when its
 * `prev_hash` is the other's hash. Rows never hashed (removed before the log was sealed) are no part of any chain.
 */
export function removedRuns(removed: RemovedEvent[]): RemovedRun[] {
  const runs: RemovedRun[] = [];
  let current: RemovedRun | undefined;
  for (const e of [...removed].sort((a, b) => a.seq - b.seq)) {
    if (e.hash === null) continue;
    if (current && current[1] === e.prev_hash) {
      current[1] = e.hash;
      current[2]++;
    } else {
      current = [e.prev_hash, e.hash, 1];
      runs.push(current);
    }
  }
  return runs;
}

/** The anchor's data for one GC batch. */
export function anchorData(removed: RemovedEvent[], tokens: number, head: ChainHead | undefined): AnchorData {
  const hashed = [...removed].sort((a, b) => a.seq - b.seq).filter((e) => e.hash !== null);
  return {
    removed: removed.length,
    tokens,
    first_hash: hashed[0]?.hash ?? null,
    last_hash: hashed.at(-1)?.hash ?? null,
    head_seq: head?.seq ?? null,
    head_hash: head?.hash ?? null,
    runs: removedRuns(hashed),
  };
}

/**
 * Appends the anchor for events GC just removed, in the same transaction: the removal and its record commit
 * together or not at all.
 */
export async function appendGcAnchor(tx: Tx, removed: RemovedEvent[], tokens: number, atMs: number): Promise<void> {
  if (removed.length === 0) return;
  const head = await tx.events.head();
  await tx.events.append({
    tokenId: null,
    type: AUDIT_ANCHOR,
    atMs,
    actor: 'rodizio',
    data: { ...anchorData(removed, tokens, head) },
  });
}

/** The runs an anchor event's data lists (ignoring anything malformed: verify then reports the gap). */
export function runsOf(data: unknown): RemovedRun[] {
  const runs = (data as { runs?: unknown } | null)?.runs;
  if (!Array.isArray(runs)) return [];
  return runs.filter(
    (r): r is RemovedRun =>
      Array.isArray(r) &&
      r.length === 3 &&
      (r[0] === null || typeof r[0] === 'string') &&
      typeof r[1] === 'string' &&
      typeof r[2] === 'number',
  );
}
