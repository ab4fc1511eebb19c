import { afterEach } from 'vitest';
import type { StreamOptions } from '../../src/api/sse.js';
import { type FeedEvent, parseSse, type SseFrame } from '../../src/client/event-stream.js';
import type { Clock } from '../../src/clock.js';
import type { Config } from '../../src/config.js';
import { type Bridge, createBridge } from '../../src/main.js';
import type { Actor } from '../../src/purgatory.js';
import { RUNNER_SECRET, type TestBridge, testConfig } from '../helpers/bridge.js';
import { captureLogger } from '../helpers/logs.js';

const running: Bridge[] = [];
afterEach(async () => {
  for (const b of running.splice(0)) await b.stop().catch(() => {});
});

export const CI: Actor = { runner: 'ci', admin: false };
export const OTHER: Actor = { runner: 'other', admin: false };

/** startTestBridge with event-stream tuning (short heartbeats, small slow-client bounds). */
export async function startEventBridge(
  options: { config?: Partial<Config>; clock?: Clock; stream?: StreamOptions } = {},
): Promise<TestBridge> {
  const logs = captureLogger();
  const bridge = createBridge({
    config: testConfig(options.config),
    logger: logs.logger,
    clock: options.clock,
    schedule: false,
    eventStream: options.stream,
  });
  running.push(bridge);
  const port = await bridge.start();
  const url = `http://127.0.0.1:${port}`;
  return {
    bridge,
    url,
    logs,
    async call(method, path, { token = RUNNER_SECRET, body, rawBody, headers = {} } = {}) {
      const h: Record<string, string> = { ...headers };
      if (token !== null) h.authorization = `Bearer ${token}`;
      let payload: string | undefined = rawBody;
      if (body !== undefined) {
        payload = JSON.stringify(body);
        h['content-type'] ??= 'application/json';
      }
      const res = await fetch(`${url}${path}`, { method, headers: h, body: payload });
      const text = await res.text();
      // biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field in tests
      let json: any = text;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {}
      return { status: res.status, json, headers: res.headers };
    },
  };
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
