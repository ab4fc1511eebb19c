import pg from 'pg';
import { Reentry } from '../../domain/token.js';
import type { Logger } from '../../logger.js';
import type { ExternalChange, Signal } from '../store.js';

/** The channel every rodizio process on a database notifies and listens on. */
export const CHANNEL = 'rodizio';

/**
 * The largest payload sent with a reentry in it. Postgres refuses a NOTIFY payload of 8,000 bytes or more and
 * would fail the commit; a larger reentry is left out, and the processes it wakes read it instead.
 */
export const MAX_REENTRY_PAYLOAD = 7_000;

/** The NOTIFY payload of a signal; `origin` lets a store ignore its own commits, as SQLite's data_version does. */
export function signalPayload(s: Signal, origin: string): string {
  if (s.kind === 'settled') {
    const plain = JSON.stringify({ kind: s.kind, tokenId: s.tokenId, origin });
    if (!s.reentry) return plain;
    const full = JSON.stringify({ kind: s.kind, tokenId: s.tokenId, origin, reentry: s.reentry });
    return Buffer.byteLength(full) <= MAX_REENTRY_PAYLOAD ? full : plain;
  }
  if (s.kind === 'outbox') return JSON.stringify({ kind: s.kind, gate: s.gate, behind: s.behind, origin });
  return JSON.stringify({ kind: s.kind, origin });
}

/** Reads a payload; undefined for this store's own, `unknown` for anything it does not recognise. */
export function parsePayload(payload: string | undefined, origin: string): ExternalChange | undefined {
  let data: {
    kind?: unknown;
    tokenId?: unknown;
    gate?: unknown;
    behind?: unknown;
    origin?: unknown;
    reentry?: unknown;
  };
  try {
    data = JSON.parse(payload ?? '') ?? {};
  } catch {
    return { kind: 'unknown' };
  }
  if (data.origin === origin) return undefined;
  if (data.kind === 'settled' && typeof data.tokenId === 'string') {
    // A reentry that does not parse, or names another token, is dropped: the wake then reads the token.
    const reentry = data.reentry === undefined ? undefined : Reentry.safeParse(data.reentry);
    return {
      kind: 'settled',
      tokenId: data.tokenId,
      ...(reentry?.success && reentry.data.token_id === data.tokenId ? { reentry: reentry.data } : {}),
    };
  }
  if (data.kind === 'outbox') {
    return {
      kind: 'outbox',
      ...(typeof data.gate === 'string' ? { gate: data.gate } : {}),
      ...(data.behind === true ? { behind: true } : {}),
    };
  }
  if (data.kind === 'event' || data.kind === 'subscriptions') return { kind: data.kind };
  return { kind: 'unknown' };
}

export interface ListenerOptions {
  config: pg.ClientConfig;
  origin: string;
  logger: Logger;
  emit: (change: ExternalChange) => void;
}

/**
 * One dedicated connection running `LISTEN rodizio` (a pooled one would be handed to other queries). When it
 * drops it reconnects with backoff, then reports `unknown`: notifications sent meanwhile are lost.
 */
export function startListener({ config, origin, logger, emit }: ListenerOptions): { close(): Promise<void> } {
  let client: pg.Client | undefined;
  let timer: NodeJS.Timeout | undefined;
  let failures = 0;
  let connectedBefore = false;
  let closed = false;

  const drop = (c: pg.Client) => {
    if (client !== c) return;
    client = undefined;
    c.end().catch(() => {});
    if (closed) return;
    const delayMs = Math.min(10_000, 250 * 2 ** failures++) * (0.5 + Math.random() / 2);
    timer = setTimeout(connect, delayMs);
    timer.unref();
  };

  async function connect(): Promise<void> {
    timer = undefined;
    const c = new pg.Client(config);
    client = c;
    c.on('error', (err) => {
      logger.warn({ err }, 'Postgres LISTEN connection failed; reconnecting');
      drop(c);
    });
    c.on('end', () => drop(c));
    c.on('notification', (msg) => {
      if (msg.channel !== CHANNEL) return;
      const change = parsePayload(msg.payload, origin);
      if (change) emit(change);
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${CHANNEL}`);
    } catch (err) {
      if (!closed) logger.warn({ err }, 'cannot LISTEN on Postgres; retrying');
      drop(c);
      return;
    }
    if (closed) return void c.end().catch(() => {});
    // Anything committed while no connection listened (a drop, or a first connect that failed) went unheard.
    const missed = connectedBefore || failures > 0;
    failures = 0;
    connectedBefore = true;
    if (missed) emit({ kind: 'unknown' });
  }

  void connect();
  return {
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      const c = client;
      client = undefined;
      await c?.end().catch(() => {});
    },
  };
}
