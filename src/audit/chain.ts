import type { AuditRow, ChainHead, NewEvent } from '../store/events.js';
import { eventHash, parseData } from './hash.js';

/** The chain key of the whole log in `audit_heads`; every other key is a token id (never empty). */
export const GLOBAL_CHAIN = '';

/** The hashes stored with one event. */
export interface EventLinks {
  hash: string;
  prev_hash: string | null;
  token_prev_hash: string | null;
}

/**
 * The links of an event about to be appended: it follows the log's head and its token's head (as `audit_heads`
 * records them, not as the table's last rows look: a deleted tail then stays visible to the next append).
 */
export function linkEvent(
  e: NewEvent,
  dataText: string,
  heads: { global: string | null; token: string | null },
): EventLinks {
  const prev_hash = heads.global;
  const token_prev_hash = e.tokenId === null ? null : heads.token;
  const hash = eventHash({
    token_id: e.tokenId,
    type: e.type,
    at_ms: e.atMs,
    actor: e.actor ?? null,
    data: parseData(dataText),
    prev_hash,
    token_prev_hash,
  });
  return { hash, prev_hash, token_prev_hash };
}

/** The hashes to store on a row written before migration 010. */
export interface SealedRow extends EventLinks {
  seq: number;
}

/**
 * Hashes a log written before the audit chain existed, row by row in `seq` order, and works out the heads it
 * ends with. Rows that already have a hash keep it (the next one links to it). The engines feed it their rows
 * and store what it returns, in one transaction.
 */
export function createSealer() {
  const heads = new Map<string, ChainHead>();
  const bump = (chain: string, seq: number, hash: string) => {
    const head = heads.get(chain);
    heads.set(chain, { chain, seq, hash, count: (head?.count ?? 0) + 1 });
  };
  return {
    /** The next row in `seq` order; returns the hashes to store when it has none yet. */
    take(row: AuditRow): SealedRow | undefined {
      let sealed: SealedRow | undefined;
      let hash = row.hash;
      if (hash === null) {
        const prev_hash = heads.get(GLOBAL_CHAIN)?.hash ?? null;
        const token_prev_hash = row.token_id === null ? null : (heads.get(row.token_id)?.hash ?? null);
        hash = eventHash({ ...row, data: parseData(row.data), prev_hash, token_prev_hash });
        sealed = { seq: row.seq, hash, prev_hash, token_prev_hash };
      }
      bump(GLOBAL_CHAIN, row.seq, hash);
      if (row.token_id !== null) bump(row.token_id, row.seq, hash);
      return sealed;
    },
    /** Where each chain ends after the rows taken so far. */
    heads(): ChainHead[] {
      return [...heads.values()];
    },
  };
}
