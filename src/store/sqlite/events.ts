import { createSealer, linkEvent } from '../../audit/chain.js';
import { hashTemplate, hashWithLinks, parseData } from '../../audit/hash.js';
import type { AuditRow, ChainHead, EventStore, EventType, NewEvent, RemovedEvent } from '../events.js';
import { type Db, writeTransaction } from './database.js';

/** Rows read per step when sealing a log written before migration 010. */
const SEAL_PAGE = 1000;

/** The named parameters of the linking INSERT. */
interface LinkedInsert {
  token: string | null;
  type: string;
  at: number;
  actor: string | null;
  data: string;
  /** The hash template around the two links (src/audit/hash.ts). */
  before: string;
  between: string;
  after: string;
}

/** SQL for the append-only audit log. */
export function createEventStore(db: Db): EventStore {
  // The INSERT fills in the links from the heads it reads, and hashes there: one statement, not a read and a write.
  db.function('rodizio_event_hash', { deterministic: true }, (before, prev, between, tokenPrev, after) =>
    hashWithLinks(
      [String(before), String(between), String(after)],
      prev === null ? null : String(prev),
      tokenPrev === null ? null : String(tokenPrev),
    ),
  );
  const linkedInsert = db.prepare<[LinkedInsert], { seq: number; hash: string }>(
    `INSERT INTO events (token_id, type, at_ms, actor, data, hash, prev_hash, token_prev_hash)
     SELECT @token, @type, @at, @actor, @data, rodizio_event_hash(@before, g.hash, @between, t.hash, @after), g.hash, t.hash
     FROM audit_heads g LEFT JOIN audit_heads t ON t.chain = @token
     WHERE g.chain = ''
     RETURNING seq, hash`,
  );
  const insert = db.prepare<
    [string | null, string, number, string | null, string, string, string | null, string | null]
  >(
    `INSERT INTO events (token_id, type, at_ms, actor, data, hash, prev_hash, token_prev_hash)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const tokenHead = db.prepare<[string], { hash: string }>('SELECT hash FROM audit_heads WHERE chain = ?');
  const moveHeads = db.prepare<[{ seq: number; hash: string; token: string }]>(
    `INSERT INTO audit_heads (chain, seq, hash, count) VALUES ('', @seq, @hash, 1), (@token, @seq, @hash, 1)
     ON CONFLICT (chain) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, count = count + 1`,
  );
  const moveLogHead = db.prepare<[{ seq: number; hash: string }]>(
    `INSERT INTO audit_heads (chain, seq, hash, count) VALUES ('', @seq, @hash, 1)
     ON CONFLICT (chain) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, count = count + 1`,
  );
  const forToken = db.prepare<[string], AuditRow>('SELECT * FROM events WHERE token_id = ? ORDER BY seq');
  const since = db.prepare<[number, number, number], AuditRow>(
    'SELECT * FROM events WHERE at_ms >= ? AND seq > ? ORDER BY seq LIMIT ?',
  );
  const chain = db.prepare<[number, number], AuditRow>('SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?');
  const allHeads = db.prepare<[], ChainHead>('SELECT chain, seq, hash, count FROM audit_heads ORDER BY chain');
  const logHead = db.prepare<[], ChainHead>(`SELECT chain, seq, hash, count FROM audit_heads WHERE chain = ''`);
  const anyEvent = db.prepare<[], { seq: number }>('SELECT seq FROM events LIMIT 1');
  const setHashes = db.prepare<[string, string | null, string | null, number]>(
    'UPDATE events SET hash = ?, prev_hash = ?, token_prev_hash = ? WHERE seq = ? AND hash IS NULL',
  );
  const putHead = db.prepare<[string, number, string, number]>(
    'INSERT INTO audit_heads (chain, seq, hash, count) VALUES (?, ?, ?, ?) ON CONFLICT (chain) DO NOTHING',
  );
  const removedOf = db.prepare<[string], RemovedEvent>(
    'SELECT seq, hash, prev_hash FROM events WHERE token_id = ? ORDER BY seq',
  );
  const removeForToken = db.prepare<[string]>('DELETE FROM events WHERE token_id = ?');
  const removeHead = db.prepare<[string]>('DELETE FROM audit_heads WHERE chain = ?');
  const countType = db.prepare<[string, string], { n: number }>(
    'SELECT count(*) AS n FROM events WHERE token_id = ? AND type = ?',
  );

  /**
   * Hashes every row that has no hash yet, in `seq` order (rows written before migration 010), and records the
   * heads that were missing.
   */
  function seal(): number {
    const sealer = createSealer();
    let sealed = 0;
    for (let after = 0; ; ) {
      const rows = chain.all(after, SEAL_PAGE);
      for (const row of rows) {
        const links = sealer.take(row);
        if (links) sealed += setHashes.run(links.hash, links.prev_hash, links.token_prev_hash, links.seq).changes;
      }
      if (rows.length < SEAL_PAGE) break;
      after = rows.at(-1)?.seq ?? after;
    }
    // Heads are only ever written here for a log that had unhashed rows: a deleted head is not recreated.
    if (sealed > 0) for (const h of sealer.heads()) putHead.run(h.chain, h.seq, h.hash, h.count);
    return sealed;
  }

  /**
   * Links the event to the log's and its token's heads, inserts it and moves the heads, under SQLite's write
   * lock (the caller's transaction, or one of its own): one writer at a time, so the chain has no forks.
   */
  function append(e: NewEvent): number {
    const data = JSON.stringify(e.data ?? {});
    const actor = e.actor ?? null;
    const [before, between, after] = hashTemplate({
      token_id: e.tokenId,
      type: e.type,
      at_ms: e.atMs,
      actor,
      data: parseData(data),
    });
    const values: LinkedInsert = { token: e.tokenId, type: e.type, at: e.atMs, actor, data, before, between, after };
    let row = linkedInsert.get(values);
    if (!row) {
      // No head for the log: a new database, or one migrated to 010 whose old events are hashed now, once.
      if (anyEvent.get()) seal();
      row = linkedInsert.get(values);
    }
    if (!row) {
      // Still none: the log's first event (or its head record was deleted, which verify then reports).
      const token = e.tokenId === null ? null : (tokenHead.get(e.tokenId)?.hash ?? null);
      const links = linkEvent(e, data, { global: null, token });
      const seq = Number(
        insert.run(e.tokenId, e.type, e.atMs, actor, data, links.hash, links.prev_hash, links.token_prev_hash)
          .lastInsertRowid,
      );
      row = { seq, hash: links.hash };
    }
    if (e.tokenId === null) moveLogHead.run(row);
    else moveHeads.run({ ...row, token: e.tokenId });
    return row.seq;
  }
  const appendAlone = writeTransaction(db, append);
  const appendManyAlone = writeTransaction(db, (events: readonly NewEvent[]) => events.map(append));
  const sealAlone = writeTransaction(db, seal);
  const removeAlone = writeTransaction(db, (tokenId: string): RemovedEvent[] => {
    const removed = removedOf.all(tokenId);
    removeForToken.run(tokenId);
    removeHead.run(tokenId);
    return removed;
  });

  return {
    /** Appends one event, chained to the log's and its token's heads; returns its `seq` (the feed's cursor). */
    async append(e: NewEvent): Promise<number> {
      // Inside the caller's transaction already: a savepoint would only cost time.
      return db.inTransaction ? append(e) : appendAlone(e);
    },
    async appendMany(events: readonly NewEvent[]): Promise<number[]> {
      return db.inTransaction ? events.map(append) : appendManyAlone(events);
    },
    async forToken(tokenId: string): Promise<AuditRow[]> {
      return forToken.all(tokenId);
    },
    async count(tokenId: string, type: EventType): Promise<number> {
      return countType.get(tokenId, type)?.n ?? 0;
    },
    /** Pages through the log from `sinceMs`, in order; pass the last `seq` seen to continue. */
    async page(sinceMs: number, afterSeq: number, limit: number): Promise<AuditRow[]> {
      return since.all(sinceMs, afterSeq, limit);
    },
    async chain(afterSeq: number, limit: number): Promise<AuditRow[]> {
      return chain.all(afterSeq, limit);
    },
    async heads(): Promise<ChainHead[]> {
      return allHeads.all();
    },
    async head(): Promise<ChainHead | undefined> {
      return logHead.get();
    },
    async seal(): Promise<number> {
      return db.inTransaction ? seal() : sealAlone();
    },
    /** Only GC removes audit rows, together with the token they describe. */
    async removeForToken(tokenId: string): Promise<RemovedEvent[]> {
      return removeAlone(tokenId);
    },
  };
}
