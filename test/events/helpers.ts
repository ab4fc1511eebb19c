import type { StreamOptions } from '../../src/api/sse.js';
import { type FeedEvent, parseSse, type SseFrame } from '../../src/client/event-stream.js';
import type { Clock } from '../../src/clock.js';
import type { Config } from '../../src/config.js';
import type { Actor } from '../../src/purgatory.js';
import { RUNNER_SECRET, startTestBridge, type TestBridge } from '../helpers/bridge.js';

export const CI: Actor = { runner: 'ci', admin: false };
export const OTHER: Actor = { runner: 'other', admin: false };

/** startTestBridge with event-stream tuning (short heartbeats, small slow-client bounds). */
export function startEventBridge(
  options: { config?: Partial<Config>; clock?: Clock; stream?: StreamOptions } = {},
): Promise<TestBridge> {
  return startTestBridge({ config: options.config, clock: options.clock, eventStream: options.stream });
}

/** An open SSE connection read frame by frame over real HTTP. */
export interface OpenStream {
  status: number;
  /** Held so undici does not cancel an unread body when the Response is garbage-collected. */
  response: Response;
  frames: AsyncGenerator<SseFrame>;
  close(): void;
}

export async function openStream(
  url: string,
  options: { token?: string; query?: string; lastEventId?: string } = {},
): Promise<OpenStream> {
  const controller = new AbortController();
  const res = await fetch(`${url}/v1/events/stream${options.query ?? ''}`, {
    headers: {
      authorization: `Bearer ${options.token ?? RUNNER_SECRET}`,
      ...(options.lastEventId === undefined ? {} : { 'last-event-id': options.lastEventId }),
    },
    signal: controller.signal,
  });
  if (!res.body) throw new Error('no body');
  return { status: res.status, response: res, frames: parseSse(res.body), close: () => controller.abort() };
}

/** Reads events (frames with data) until `until` says stop; returns them and the last id seen. */
export async function readEvents(
  stream: OpenStream,
  until: (seen: FeedEvent[]) => boolean,
  into: FeedEvent[] = [],
): Promise<{ events: FeedEvent[]; lastId: string | undefined }> {
  let lastId: string | undefined;
  if (until(into)) return { events: into, lastId };
  for await (const frame of stream.frames) {
    if (frame.id !== undefined) lastId = frame.id;
    if (frame.data === '' || frame.event === 'error') continue;
    into.push(JSON.parse(frame.data) as FeedEvent);
    if (until(into)) break;
  }
  return { events: into, lastId };
}
