import type { ChainHead } from '../store/events.js';
import { AUDIT_ANCHOR, runsOf } from './anchor.js';
import { GLOBAL_CHAIN } from './chain.js';
import { eventHash, shortHash } from './hash.js';

/** One event as verify reads it, from the database or from an export file. */
export interface VerifyRow {
  seq: number;
  token_id: string | null;
  type: string;
  at_ms: number;
  actor: string | null;
  /** The payload as a JSON value. */
  data: unknown;
  hash: string | null;
  prev_hash: string | null;
  token_prev_hash: string | null;
}

export type Problem =
  /** The row's content no longer hashes to its stored hash. */
  | 'content_edited'
  /** A link points at an event that is not in the log (deleted, or replaced by a rehashed copy). */
  | 'event_missing'
  /** A link points at an event stored elsewhere in the log: rows were moved. */
  | 'order_broken'
  /** A row without a hash after the log was sealed (written by a rodizio older than migration 010?). */
  | 'unhashed'
  /** A chain without its head record, or the log's head record gone. */
  | 'head_missing';

/** A broken link: where it shows, whose chain it breaks, and what is wrong. */
export interface BrokenLink {
  /** The event where the break shows (for a missing event: the missing one when known, else the one after it). */
  seq: number;
  token_id: string | null;
  problem: Problem;
  message: string;
}

export interface VerifyResult {
  ok: boolean;
  events: number;
  tokens: number;
  /** The last event verified: keep its hash elsewhere to detect a later rewrite of the whole log. */
  head: { seq: number; hash: string | null } | null;
  /** Events GC removed, as its anchors record them. */
  gc_removed: number;
  /** Export files: the hash the first event follows (the file may start after the log's beginning). */
  starts_after: string | null;
  /** In log order; the first is the first broken link. At most `MAX_PROBLEMS`. */
  problems: BrokenLink[];
}

export interface VerifyInput {
  /** Every event in `seq` order; called a second time only to locate a link that points elsewhere. */
  rows: () => AsyncIterable<VerifyRow>;
  /** The chain heads (`audit_heads`); undefined for an export file, whose ends cannot be checked. */
  heads?: ChainHead[];
}

const MAX_PROBLEMS = 100;

/** A link that does not fit where it stands, to be classified once the whole log has been read. */
interface Break {
  seq: number;
  /** The token whose row shows the break. */
  token_id: string | null;
  chain: 'log' | 'token';
  /** The hash the row links to, and the event that comes before it in this chain. */
  links: string | null;
  after: { seq: number; hash: string | null } | undefined;
}

const where = (seq: number, token: string | null) => `event ${seq}${token === null ? '' : ` (token ${token})`}`;

/**
 * Checks the whole audit log: each event's hash against its content, each link against the event before it in
 * the log and in its token's chain, and the chains' ends against their heads. Gaps that GC left are accepted
 * when its anchor events account for them.
 */
export async function verifyChain(input: VerifyInput): Promise<VerifyResult> {
  const fromFile = input.heads === undefined;
  const problems: BrokenLink[] = [];
  const breaks: Break[] = [];
  /** GC runs: last removed hash → the hash the run followed. */
  const removed = new Map<string, string | null>();
  const tokens = new Map<string, { seq: number; hash: string | null }>();
  let last: { seq: number; hash: string | null } | undefined;
  let events = 0;
  let gcRemoved = 0;
  let startsAfter: string | null = null;

  for await (const row of input.rows()) {
    events++;
    if (row.hash === null) {
      problems.push({
        seq: row.seq,
        token_id: row.token_id,
        problem: 'unhashed',
        message: `${where(row.seq, row.token_id)} has no hash: written by a rodizio older than migration 010 after the log was sealed?`,
      });
    } else {
      const computed = eventHash(row);
      if (computed !== row.hash) {
        problems.push({
          seq: row.seq,
          token_id: row.token_id,
          problem: 'content_edited',
          message: `${where(row.seq, row.token_id)}: content edited (stored hash ${shortHash(row.hash)}, its content hashes to ${shortHash(computed)})`,
        });
      }
    }
    if (last === undefined && fromFile) startsAfter = row.prev_hash;
    else if (row.prev_hash !== (last?.hash ?? null))
      breaks.push({ seq: row.seq, token_id: row.token_id, chain: 'log', links: row.prev_hash, after: last });
    if (row.token_id !== null) {
      const before = tokens.get(row.token_id);
      // An export may start after a token's first events; in the database GC removes whole tokens only.
      if (!(before === undefined && fromFile) && row.token_prev_hash !== (before?.hash ?? null))
        breaks.push({
          seq: row.seq,
          token_id: row.token_id,
          chain: 'token',
          links: row.token_prev_hash,
          after: before,
        });
      tokens.set(row.token_id, { seq: row.seq, hash: row.hash });
    }
    if (row.type === AUDIT_ANCHOR && row.token_id === null) {
      for (const [prev, lastHash, n] of runsOf(row.data)) {
        removed.set(lastHash, prev);
        gcRemoved += n;
      }
    }
    last = { seq: row.seq, hash: row.hash };
  }

  // A log link that GC explains: follow the removed runs back from where it points to the event before it.
  const explained = (b: Break): boolean => {
    let h = b.links;
    for (let steps = 0; steps <= removed.size; steps++) {
      if (h === (b.after?.hash ?? null)) return true;
      if (h === null || !removed.has(h)) return false;
      h = removed.get(h) ?? null;
    }
    return false;
  };
  const open = breaks.filter((b) => b.chain === 'token' || !explained(b));

  const headProblems: BrokenLink[] = [];
  if (input.heads) {
    const heads = new Map(input.heads.map((h) => [h.chain, h]));
    const log = heads.get(GLOBAL_CHAIN);
    if (!log && events > 0)
      headProblems.push({
        seq: last?.seq ?? 0,
        token_id: null,
        problem: 'head_missing',
        message: `the log's head record is missing (audit_heads has no row for the log)`,
      });
    else if (log && log.hash !== (last?.hash ?? null)) headProblems.push(tailMissing(log, null, last, heads));
    for (const [chain, head] of heads) {
      if (chain === GLOBAL_CHAIN) continue;
      const seen = tokens.get(chain);
      if (seen?.hash !== head.hash) headProblems.push(tailMissing(head, chain, seen, heads));
    }
    for (const [token, seen] of tokens)
      if (!heads.has(token))
        headProblems.push({
          seq: seen.seq,
          token_id: token,
          problem: 'head_missing',
          message: `token ${token}'s chain head record is missing`,
        });
  }

  // Where do the links that fit nowhere point? Elsewhere in the log (order broken) or nowhere (missing).
  const wanted = new Set(open.map((b) => b.links).filter((h): h is string => h !== null));
  const found = new Map<string, { seq: number; token_id: string | null }>();
  if (wanted.size > 0) {
    for await (const row of input.rows())
      if (row.hash !== null && wanted.has(row.hash)) found.set(row.hash, { seq: row.seq, token_id: row.token_id });
  }
  const tokenHeads = new Set((input.heads ?? []).filter((h) => h.chain !== GLOBAL_CHAIN).map((h) => h.hash));
  const handled = new Set<Break>();
  for (const b of open) {
    if (handled.has(b)) continue;
    // A token's deleted last event: its head still names it, and the head check reports it by its own seq.
    if (b.links !== null && !found.has(b.links) && tokenHeads.has(b.links)) continue;
    // The same missing event usually breaks the log's link and its token's: one problem, named after the token.
    const twins = open.filter((o) => o !== b && o.links === b.links && o.links !== null && o.chain !== b.chain);
    for (const t of twins) handled.add(t);
    const tokenBreak = b.chain === 'token' ? b : twins[0];
    problems.push(describeBreak(b, tokenBreak, found));
  }

  problems.push(...headProblems);
  problems.sort((a, b) => a.seq - b.seq);
  return {
    ok: problems.length === 0,
    events,
    tokens: tokens.size,
    head: last ?? null,
    gc_removed: gcRemoved,
    starts_after: startsAfter,
    problems: problems.slice(0, MAX_PROBLEMS),
  };
}

/** A chain whose last event is not the one its head record names. */
function tailMissing(
  head: ChainHead,
  token: string | null,
  seen: { seq: number; hash: string | null } | undefined,
  heads: Map<string, ChainHead>,
): BrokenLink {
  const whose = token === null ? 'the log' : `token ${token}`;
  // The log's last event may be a token's too: name the token.
  const owner =
    token ?? [...heads.values()].find((h) => h.chain !== GLOBAL_CHAIN && h.hash === head.hash)?.chain ?? null;
  return {
    seq: head.seq,
    token_id: owner,
    problem: 'event_missing',
    message:
      seen === undefined
        ? `${where(head.seq, owner)}: event missing — ${whose} has no events left, its head names event ${head.seq} (${head.count} events)`
        : `${where(head.seq, owner)}: event missing — ${whose} ends at event ${seen.seq}, its head names event ${head.seq}`,
  };
}

function describeBreak(
  b: Break,
  tokenBreak: Break | undefined,
  found: Map<string, { seq: number; token_id: string | null }>,
): BrokenLink {
  const at = found.get(b.links ?? '');
  if (b.links === null) {
    return {
      seq: b.seq,
      token_id: b.token_id,
      problem: 'order_broken',
      message: `${where(b.seq, b.token_id)}: order broken — it starts ${b.chain === 'log' ? 'the log' : "its token's chain"}, yet event ${b.after?.seq} comes before it`,
    };
  }
  if (at) {
    return {
      seq: b.seq,
      token_id: b.token_id,
      problem: 'order_broken',
      message: `${where(b.seq, b.token_id)}: order broken — it follows event ${at.seq} (${shortHash(b.links)}), which is stored ${at.seq > b.seq ? 'after it' : `before event ${b.after?.seq ?? 0}`}`,
    };
  }
  // Missing: whose event was it? The token whose chain skips it.
  const owner = tokenBreak?.token_id ?? null;
  const after = tokenBreak?.after?.seq;
  const message =
    owner === null
      ? `event missing before event ${b.seq}: the event it follows (${shortHash(b.links)}) is not in the log (deleted, or replaced by an edited copy)`
      : after === undefined
        ? `event missing before event ${b.seq}: token ${owner}'s first event (${shortHash(b.links)}) is not in the log`
        : `event missing before event ${b.seq}: token ${owner}'s event after event ${after} (${shortHash(b.links)}) is not in the log (deleted, or replaced by an edited copy)`;
  return { seq: b.seq, token_id: owner, problem: 'event_missing', message };
}
