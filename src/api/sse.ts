import type { ServerResponse } from 'node:http';
import { rowToFeedEvent } from '../events/event.js';
import { type EventFeed, type FeedListener, matchesFilter } from '../events/feed.js';
import type { Logger } from '../logger.js';
import type { FeedFilter, FeedRow } from '../store/event-feed.js';

export interface StreamOptions {
  /** A comment line this often keeps proxies from closing an idle stream (default 15 s). */
  heartbeatMs?: number;
  /** Past this many bytes waiting in the socket's write buffer the stream stops reading the log (default 1 MiB). */
  maxBufferedBytes?: number;
  /** A client whose buffer stays over the bound this long is dropped (default 10 s). */
  stallMs?: number;
  /** After the drop notice, how long the client gets to read it before the socket is destroyed (default 5 s). */
  dropGraceMs?: number;
  /** Rows read from the log per step while catching up (default 500). */
  pageSize?: number;
}

export const STREAM_DEFAULTS: Required<StreamOptions> = {
  heartbeatMs: 15_000,
  maxBufferedBytes: 1024 * 1024,
  stallMs: 10_000,
  dropGraceMs: 5000,
  pageSize: 500,
};

/** Frames of rows in the feed's shared batches, made once however many streams send them. */
const frames = new WeakMap<FeedRow, string>();

/** One server-sent-events frame for an audit event: `id:` the cursor, `event:` the type, `data:` the JSON. */
export function sseFrame(row: FeedRow): string {
  let frame = frames.get(row);
  if (frame === undefined) {
    frame = `id: ${row.seq}\nevent: ${row.type}\ndata: ${JSON.stringify(rowToFeedEvent(row))}\n\n`;
    frames.set(row, frame);
  }
  return frame;
}

/** Frames are written in chunks of about this size: few syscalls, and the bound is overshot by one chunk at most. */
const CHUNK_BYTES = 64 * 1024;

/**
 * Streams the feed to one client from `since`. It reads the log by its own cursor until it is caught up, then
 * takes the feed's shared batches; it never holds more than the socket's buffer: over `maxBufferedBytes` it
 * stops reading (the backlog stays in the table) and waits for `drain`; if none comes within `stallMs` the
 * client is dropped with a final `event: error` saying why. Resolves when the stream ends.
 */
export function streamEvents(
  res: ServerResponse,
  deps: { feed: EventFeed; filter: FeedFilter; since: number; logger: Logger; options?: StreamOptions },
): Promise<void> {
  const { feed, filter, logger } = deps;
  const o = { ...STREAM_DEFAULTS, ...deps.options };
  /** Every row up to here has been examined (sent, or filtered out). */
  let scanned = deps.since;
  let lastSent = deps.since;
  let live = false;
  let blocked = false;
  let catching = false;
  /** A page read is in flight. */
  let reading = false;
  /** Rows were offered while catching up: read the table once more before going live. */
  let behind = false;
  let closed = false;
  let stall: NodeJS.Timeout | undefined;
  let grace: NodeJS.Timeout | undefined;

  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no', // nginx: do not buffer the stream
  });
  res.socket?.setNoDelay(true);
  // An id without data sets the client's Last-Event-ID: a stream opened "from now" resumes from here.
  res.write(`retry: 1000\nid: ${lastSent}\n: connected\n\n`);

  function send(text: string): void {
    res.write(text);
    if (!blocked && res.writableLength > o.maxBufferedBytes) {
      blocked = true;
      live = false;
      stall = setTimeout(drop, o.stallMs);
      res.once('drain', unblock);
    }
  }

  function sendRows(rows: FeedRow[], fromMemory: boolean): void {
    let chunk = '';
    for (const row of rows) {
      if (row.seq <= scanned) continue;
      if (!fromMemory || matchesFilter(row, filter)) {
        chunk += sseFrame(row);
        lastSent = row.seq;
      }
      scanned = row.seq;
      if (chunk.length >= CHUNK_BYTES) {
        send(chunk);
        chunk = '';
        // Stop at the bound: what follows stays in the table until the client reads.
        if (blocked) return;
      }
    }
    if (chunk) send(chunk);
  }

  function unblock(): void {
    if (closed) return;
    blocked = false;
    clearTimeout(stall);
    catchUp();
  }

  /**
   * Reads the log by this client's cursor, a page per tick, until it has seen everything committed. One read at
   * a time; a batch offered while a read is in flight may hold rows committed after that read began, so it asks
   * for one more read before the stream goes live.
   */
  function catchUp(): void {
    if (closed || blocked) return;
    catching = true;
    if (reading) {
      behind = true;
      return;
    }
    reading = true;
    behind = false;
    feed.store.page(scanned, o.pageSize, filter).then(
      ({ rows, head }) => {
        reading = false;
        if (closed) return;
        sendRows(rows, false);
        if (blocked || closed) return;
        if (rows.length < o.pageSize) {
          scanned = Math.max(scanned, head);
          if (!behind) {
            catching = false;
            live = true;
            return;
          }
        }
        setImmediate(catchUp);
      },
      (err: unknown) => {
        reading = false;
        logger.warn({ err }, 'event stream read failed; closing it');
        finish();
      },
    );
  }

  function drop(): void {
    if (closed) return;
    closed = true; // nothing more is written but the notice
    logger.warn(
      { buffered: res.writableLength, last_event_id: String(lastSent), stall_ms: o.stallMs },
      'event stream dropped: the client does not read',
    );
    const reason = {
      reason: 'slow_client',
      message: `dropped: the client read nothing for ${o.stallMs} ms with over ${o.maxBufferedBytes} bytes waiting; reconnect with Last-Event-ID`,
      last_event_id: String(lastSent),
    };
    unlisten();
    clearInterval(heartbeat);
    res.end(`: closing: slow client\nevent: error\ndata: ${JSON.stringify(reason)}\n\n`);
    grace = setTimeout(() => res.destroy(), o.dropGraceMs);
    grace.unref();
  }

  let unlisten = (): void => {};
  const listener: FeedListener = {
    offer(rows, from) {
      if (closed || blocked) return;
      if (catching) {
        // The read in flight may have missed these rows: catchUp reads again before going live.
        behind = true;
        return;
      }
      if (!live || scanned < from) {
        // Behind the shared batch: read the table instead (catchUp picks up everything committed).
        live = false;
        catchUp();
        return;
      }
      sendRows(rows, true);
    },
  };

  const heartbeat = setInterval(() => {
    if (!blocked && !closed) res.write(`: heartbeat ${new Date().toISOString()}\n\n`);
  }, o.heartbeatMs);
  heartbeat.unref();

  function finish(): void {
    if (!res.writableEnded) res.end();
  }

  return new Promise<void>((resolve) => {
    res.once('close', () => {
      closed = true;
      unlisten();
      clearInterval(heartbeat);
      clearTimeout(stall);
      clearTimeout(grace);
      // The router answers a handler that did not end its response; a closed stream has nothing more to say.
      finish();
      resolve();
    });
    // Listen first, then read the log: whatever commits after the first read is offered (or read again).
    void (async () => {
      try {
        const off = await feed.listen(listener);
        if (closed) {
          off();
          return;
        }
        unlisten = off;
      } catch (err) {
        logger.warn({ err }, 'event stream could not follow the feed; closing it');
        finish();
        return;
      }
      catchUp();
    })();
  });
}
