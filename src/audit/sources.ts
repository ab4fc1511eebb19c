import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { RodizioError } from '../errors.js';
import type { EventStore } from '../store/events.js';
import { parseData } from './hash.js';
import type { VerifyInput, VerifyRow } from './verify.js';

const PAGE = 1000;

/**
 * The database's log, for `verifyChain`. A log migrated to 010 that nothing has appended to since is hashed
 * first, as the next append would (a log whose head record was deleted is not: that is a finding).
 */
export async function storeSource(events: EventStore): Promise<VerifyInput & { sealed: number }> {
  const sealed = (await events.head()) === undefined ? await events.seal() : 0;
  return {
    sealed,
    heads: await events.heads(),
    async *rows(): AsyncIterable<VerifyRow> {
      for (let after = 0; ; ) {
        const page = await events.chain(after, PAGE);
        for (const r of page) yield { ...r, data: parseData(r.data) };
        if (page.length < PAGE) return;
        after = page.at(-1)?.seq ?? after;
      }
    },
  };
}

/** One line of `rodizio export`, as far as verifying needs it. */
interface ExportLine {
  seq?: unknown;
  token_id?: unknown;
  type?: unknown;
  at?: unknown;
  actor?: unknown;
  data?: unknown;
  hash?: unknown;
  prev_hash?: unknown;
  token_prev_hash?: unknown;
}

const stringOrNull = (v: unknown): v is string | null => v === null || typeof v === 'string';

/** A line of an export file as a row, or an error naming the line. */
function lineToRow(text: string, n: number, file: string): VerifyRow {
  let line: ExportLine;
  try {
    line = JSON.parse(text) as ExportLine;
  } catch {
    throw new RodizioError('bad_export', `${file} line ${n} is not JSON`);
  }
  // Date.parse reads back exactly what formatIsoTime wrote (milliseconds and offset).
  const atMs = typeof line.at === 'string' ? Date.parse(line.at) : Number.NaN;
  if (
    line === null ||
    typeof line !== 'object' ||
    typeof line.seq !== 'number' ||
    !stringOrNull(line.token_id) ||
    typeof line.type !== 'string' ||
    !Number.isFinite(atMs) ||
    !stringOrNull(line.actor)
  ) {
    throw new RodizioError('bad_export', `${file} line ${n} is not an exported event ({seq, token_id, type, at, …})`);
  }
  const hashOf = (v: unknown) => (typeof v === 'string' ? v : null);
  return {
    seq: line.seq,
    token_id: line.token_id,
    type: line.type,
    at_ms: atMs,
    actor: line.actor,
    data: line.data ?? {},
    hash: hashOf(line.hash),
    prev_hash: hashOf(line.prev_hash),
    token_prev_hash: hashOf(line.token_prev_hash),
  };
}

/** An export file (JSON lines, oldest first), for `verifyChain`: read again from disk for each pass. */
export function fileSource(file: string): VerifyInput {
  return {
    async *rows(): AsyncIterable<VerifyRow> {
      const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Number.POSITIVE_INFINITY });
      let n = 0;
      for await (const text of lines) {
        n++;
        if (text.trim() === '') continue;
        yield lineToRow(text, n, file);
      }
    },
  };
}
