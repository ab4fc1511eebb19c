import { createSealer, GLOBAL_CHAIN, linkEvent } from '../../audit/chain.js';
import { hashTemplate, parseData } from '../../audit/hash.js';
import type { AuditRow, ChainHead, EventStore, EventType, NewEvent, RemovedEvent } from '../events.js';
import { all, EVENT_APPEND_LOCK, one, type PgConn, type Queryable } from './conn.js';

/**
 * Readers page the log by `seq` and never look back. Postgres hands out identities at INSERT but shows rows at
 * COMMIT, so two writers could commit seq 11 before seq 10 and a reader would move past 10 forever. Each append
 * therefore takes a transaction-scoped advisory lock (held until its transaction ends): transactions that
 * append events commit in `seq` order, as they do on SQLite where writers are serialized anyway.
 *
 * The same statement links the event into the audit chain. It reads the log's head `FOR UPDATE`: that row is
 * the chain's lock, held until commit, and a second appender waiting on it is handed the row as the first one
 * left it (Read Committed re-reads a locked row), so two transactions never link to the same head. The hash is
 * the template's (src/audit/hash.ts) with the two links filled in, computed here, and the heads move to the new
 * event. No row comes back when the log has no head yet: the caller then takes the slow path.
 *
 * `appendSteps(p)` is those steps as CTEs reading their nine values (`appendValues`) from `$p` on, to follow
 * other CTEs in one statement; with `when`, the heads are read (and the event appended) only where it holds.
 */
export function appendSteps(p: number, when?: string): string {
  const $ = (i: number) => `$${p + i - 1}`;
  const only = when ? ` AND ${when}` : '';
  return `
  head AS (SELECT hash FROM audit_heads WHERE chain = ''${only} FOR UPDATE OF audit_heads),
  token_head AS (SELECT hash FROM audit_heads WHERE chain = ${$(1)}::text${only} FOR UPDATE OF audit_heads),
  linked AS (
    SELECT head.hash AS prev_hash, (SELECT hash FROM token_head) AS token_prev_hash,
      pg_advisory_xact_lock(${EVENT_APPEND_LOCK}) AS locked
    FROM head),
  inserted AS (
    INSERT INTO events (token_id, type, at_ms, actor, data, hash, prev_hash, token_prev_hash)
    SELECT ${$(1)}::text, ${$(2)}::text, ${$(3)}::bigint, ${$(4)}::text, ${$(5)}::text,
      encode(sha256(convert_to(${$(6)}::text || to_json(prev_hash)::text || ${$(7)}::text
        || coalesce(to_json(token_prev_hash)::text, 'null') || ${$(8)}::text, 'UTF8')), 'hex'),
      prev_hash, token_prev_hash
    FROM linked
    RETURNING seq, hash),
  moved AS (
    INSERT INTO audit_heads (chain, seq, hash, count)
    SELECT chain, inserted.seq, inserted.hash, 1 FROM inserted CROSS JOIN unnest(${$(9)}::text[]) AS chain
    ON CONFLICT (chain) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, count = audit_heads.count + 1)`;
}

/** The nine values of `appendSteps`, in its order, and the event's data as stored. */
export function appendValues(e: NewEvent): { data: string; values: unknown[] } {
  const data = JSON.stringify(e.data ?? {});
  const actor = e.actor ?? null;
  const template = hashTemplate({ token_id: e.tokenId, type: e.type, at_ms: e.atMs, actor, data: parseData(data) });
  const chains = e.tokenId === null ? [GLOBAL_CHAIN] : [GLOBAL_CHAIN, e.tokenId];
  return { data, values: [e.tokenId, e.type, e.atMs, actor, data, ...template, chains] };
}

const APPEND = `WITH ${appendSteps(1)}
  SELECT seq FROM inserted`;

/** The log's first event (or the first after its head record was deleted): links computed in JS, under the lock. */
const APPEND_FIRST = `
  WITH inserted AS (
    INSERT INTO events (token_id, type, at_ms, actor, data, hash, prev_hash, token_prev_hash)
    VALUES ($1::text, $2::text, $3::bigint, $4::text, $5::text, $6::text, $7::text, $8::text)
    RETURNING seq, hash),
  moved AS (
    INSERT INTO audit_heads (chain, seq, hash, count)
    SELECT chain, inserted.seq, inserted.hash, 1 FROM inserted CROSS JOIN unnest($9::text[]) AS chain
    ON CONFLICT (chain) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, count = audit_heads.count + 1)
  SELECT seq FROM inserted`;

const LOCK = `SELECT pg_advisory_xact_lock(${EVENT_APPEND_LOCK})`;

/**
 * A batch's first step: the log's head locked as APPEND locks it (row first, then the feed-order lock), so the
 * batch and single appends queue on the same row. No row: the log has no head yet, and the batch goes one by one.
 */
const LOCK_HEAD = `
  WITH head AS (SELECT hash FROM audit_heads WHERE chain = '' FOR UPDATE)
  SELECT hash, pg_advisory_xact_lock(${EVENT_APPEND_LOCK}) IS NULL AS locked FROM head`;

/**
 * A batch's rows, linked in JS in the order given, inserted in that order (so `seq` follows the chain: checked
 * on the way back), and every chain's head moved to its last event with its count raised by its events.
 */
const INSERT_LINKED = `
  WITH inserted AS (
    INSERT INTO events (token_id, type, at_ms, actor, data, hash, prev_hash, token_prev_hash)
    SELECT token_id, type, at_ms, actor, data, hash, prev_hash, token_prev_hash
    FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
      WITH ORDINALITY AS r(token_id, type, at_ms, actor, data, hash, prev_hash, token_prev_hash, n)
    ORDER BY n
    RETURNING seq, hash, token_id),
  chains AS (
    SELECT '' AS chain, seq, hash FROM inserted
    UNION ALL SELECT token_id, seq, hash FROM inserted WHERE token_id IS NOT NULL),
  moved AS (
    INSERT INTO audit_heads (chain, seq, hash, count)
    SELECT DISTINCT ON (chain) chain, seq, hash, count(*) OVER (PARTITION BY chain) FROM chains
    ORDER BY chain, seq DESC
    ON CONFLICT (chain) DO UPDATE SET seq = excluded.seq, hash = excluded.hash,
      count = audit_heads.count + excluded.count)
  SELECT seq, hash FROM inserted ORDER BY seq`;

/** Rows read per step when sealing a log written before migration 010. */
const SEAL_PAGE = 1000;

/** SQL for the append-only audit log on Postgres. */
export function createEventStore(db: PgConn): EventStore {
  /**
   * Hashes every row that has no hash yet (written before migration 010), in `seq` order, and records the heads
   * that were missing. Runs under the append lock, so no event is appended meanwhile.
   */
  async function seal(q: Queryable): Promise<number> {
    const sealer = createSealer();
    let sealed = 0;
    for (let after = 0; ; ) {
      const rows = await all<AuditRow>(q, 'SELECT * FROM events WHERE seq > $1 ORDER BY seq LIMIT $2', [
        after,
        SEAL_PAGE,
      ]);
      const links = rows.map((r) => sealer.take(r)).filter((l) => l !== undefined);
      if (links.length > 0) {
        const result = await q.query(
          `UPDATE events e SET hash = v.hash, prev_hash = v.prev, token_prev_hash = v.token_prev
           FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[]) AS v(seq, hash, prev, token_prev)
           WHERE e.seq = v.seq AND e.hash IS NULL`,
          [
            links.map((l) => l.seq),
            links.map((l) => l.hash),
            links.map((l) => l.prev_hash),
            links.map((l) => l.token_prev_hash),
          ],
        );
        sealed += result.rowCount ?? 0;
      }
      if (rows.length < SEAL_PAGE) break;
      after = rows.at(-1)?.seq ?? after;
    }
    // Heads are only ever written here for a log that had unhashed rows: a deleted head is not recreated.
    const heads = sealer.heads();
    if (sealed > 0) {
      await q.query(
        `INSERT INTO audit_heads (chain, seq, hash, count)
         SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[]) ON CONFLICT (chain) DO NOTHING`,
        [heads.map((h) => h.chain), heads.map((h) => h.seq), heads.map((h) => h.hash), heads.map((h) => h.count)],
      );
    }
    return sealed;
  }

  /** The slow path: no head for the log yet. Under the append lock, seal an old log or start a new chain. */
  async function appendFirst(q: Queryable, e: NewEvent, data: string, values: unknown[]): Promise<number> {
    await q.query(LOCK);
    if (await one(q, 'SELECT 1 FROM events LIMIT 1')) await seal(q);
    const linked = await one<{ seq: number }>(q, APPEND, values);
    if (linked) return linked.seq;
    const token =
      e.tokenId === null
        ? undefined
        : await one<{ hash: string }>(q, 'SELECT hash FROM audit_heads WHERE chain = $1', [e.tokenId]);
    const links = linkEvent(e, data, { global: null, token: token?.hash ?? null });
    const first = await one<{ seq: number }>(q, APPEND_FIRST, [
      ...values.slice(0, 5),
      links.hash,
      links.prev_hash,
      links.token_prev_hash,
      values[8],
    ]);
    if (!first) throw new Error('INSERT … RETURNING seq returned no row');
    return first.seq;
  }

  /** One by one, each in one statement: for a log with no head yet, whose first append takes the slow path. */
  async function appendEach(events: readonly NewEvent[]): Promise<number[]> {
    const seqs: number[] = [];
    for (const e of events) seqs.push(await append(e));
    return seqs;
  }

  async function append(e: NewEvent): Promise<number> {
    const { data, values } = appendValues(e);
    // One statement, atomic by itself: no transaction of its own needed outside the caller's.
    const row = await one<{ seq: number }>(db, APPEND, values);
    return row ? row.seq : db.atomic((q) => appendFirst(q, e, data, values));
  }

  /**
   * Three statements for any number of events: lock the log's head, read the heads of the batch's tokens (after the
   * lock, so no append can move them meanwhile), then insert the rows linked here and move the heads.
   */
  async function appendMany(q: Queryable, events: readonly NewEvent[]): Promise<number[] | undefined> {
    const head = await one<{ hash: string }>(q, LOCK_HEAD);
    if (!head) return undefined;
    const tokenIds = [...new Set(events.flatMap((e) => (e.tokenId === null ? [] : [e.tokenId])))];
    const heads = new Map(
      (
        await all<{ chain: string; hash: string }>(q, 'SELECT chain, hash FROM audit_heads WHERE chain = ANY($1)', [
          tokenIds,
        ])
      ).map((h) => [h.chain, h.hash]),
    );
    let global = head.hash;
    const rows = events.map((e) => {
      const data = JSON.stringify(e.data ?? {});
      const links = linkEvent(e, data, { global, token: e.tokenId === null ? null : (heads.get(e.tokenId) ?? null) });
      global = links.hash;
      if (e.tokenId !== null) heads.set(e.tokenId, links.hash);
      return { e, data, links };
    });
    const column = <T>(pick: (r: (typeof rows)[number]) => T) => rows.map(pick);
    const inserted = await all<{ seq: number; hash: string }>(q, INSERT_LINKED, [
      column((r) => r.e.tokenId),
      column((r) => r.e.type),
      column((r) => r.e.atMs),
      column((r) => r.e.actor ?? null),
      column((r) => r.data),
      column((r) => r.links.hash),
      column((r) => r.links.prev_hash),
      column((r) => r.links.token_prev_hash),
    ]);
    // The chain is only sound if the numbering followed the order the links were made in.
    if (inserted.length !== rows.length || inserted.some((row, i) => row.hash !== rows[i]?.links.hash)) {
      throw new Error('events of one batch were numbered out of their chain order');
    }
    return inserted.map((row) => row.seq);
  }

  return {
    append,
    async appendMany(events: readonly NewEvent[]): Promise<number[]> {
      if (events.length <= 1) return appendEach(events);
      // Meant for the caller's transaction; outside one, a log with no head yet gets its events one commit each.
      return (await db.atomic((q) => appendMany(q, events))) ?? appendEach(events);
    },
    async forToken(tokenId: string): Promise<AuditRow[]> {
      return all<AuditRow>(db, 'SELECT * FROM events WHERE token_id = $1 ORDER BY seq', [tokenId]);
    },
    async count(tokenId: string, type: EventType): Promise<number> {
      const row = await one<{ n: number }>(db, 'SELECT count(*) AS n FROM events WHERE token_id = $1 AND type = $2', [
        tokenId,
        type,
      ]);
      return row?.n ?? 0;
    },
    async page(sinceMs: number, afterSeq: number, limit: number): Promise<AuditRow[]> {
      return all<AuditRow>(db, 'SELECT * FROM events WHERE at_ms >= $1 AND seq > $2 ORDER BY seq LIMIT $3', [
        sinceMs,
        afterSeq,
        limit,
      ]);
    },
    async chain(afterSeq: number, limit: number): Promise<AuditRow[]> {
      return all<AuditRow>(db, 'SELECT * FROM events WHERE seq > $1 ORDER BY seq LIMIT $2', [afterSeq, limit]);
    },
    async heads(): Promise<ChainHead[]> {
      return all<ChainHead>(db, 'SELECT chain, seq, hash, count FROM audit_heads ORDER BY chain COLLATE "C"');
    },
    async head(): Promise<ChainHead | undefined> {
      return one<ChainHead>(db, `SELECT chain, seq, hash, count FROM audit_heads WHERE chain = ''`);
    },
    async seal(): Promise<number> {
      return db.atomic(async (q) => {
        await q.query(LOCK);
        return seal(q);
      });
    },
    async removeForToken(tokenId: string): Promise<RemovedEvent[]> {
      // The log's head first, as appends lock it before a token's head: two transactions never wait on each other.
      return db.atomic(async (q) => {
        await q.query(`SELECT 1 FROM audit_heads WHERE chain = '' FOR UPDATE`);
        return all<RemovedEvent>(
          q,
          `WITH removed AS (DELETE FROM events WHERE token_id = $1 RETURNING seq, hash, prev_hash),
         head AS (DELETE FROM audit_heads WHERE chain = $1)
         SELECT * FROM removed ORDER BY seq`,
          [tokenId],
        );
      });
    },
  };
}
