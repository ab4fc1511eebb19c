/**
 * Slack's Socket Mode end on loopback, for tests: single-use WebSocket URLs for the fake Slack's
 * `apps.connections.open`, a `hello` on each connection, envelopes out and the app's acks back; and a driver that
 * wraps the sandbox's payload builders in envelopes, as Slack does for an app in Socket Mode.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import type { FakeSlack, Json } from '../../src/sandbox/fake-slack.js';
import {
  buildAction,
  buildStateValues,
  elementState,
  findElement,
  isObj,
} from '../../src/sandbox/fake-slack-blocks.js';
import {
  blockActionsPayload,
  eventCallback,
  messageEvent,
  type PayloadEnv,
  slashCommandForm,
} from '../../src/sandbox/fake-slack-payloads.js';
import { formatTs } from '../../src/sandbox/fake-slack-state.js';

export type EnvelopeType = 'events_api' | 'interactive' | 'slash_commands';

/** What the app sent back for an envelope: its id and, from @slack/socket-mode, always a payload (`{}` if bare). */
export interface SocketAck {
  envelope_id: string;
  payload?: Json;
}

export interface DeliverOptions {
  acceptsResponsePayload?: boolean;
  retryAttempt?: number;
  retryReason?: string;
  /** How long to wait for the ack; Slack gives an app 3 seconds before it retries. */
  timeoutMs?: number;
}

export interface SocketModeServer {
  /** Every message the app sent over a socket, parsed, in order. */
  readonly received: readonly Json[];
  /** Connections greeted with `hello` so far (reconnects count again). */
  readonly greeted: number;
  /** Connections open now. */
  readonly open: number;
  /** How each closed connection ended, in order. */
  readonly closes: readonly { code: number; reason: string }[];
  start(): Promise<void>;
  /** Closes every socket (a close frame first, then the TCP connection) and the server. */
  stop(): Promise<void>;
  /** A fresh single-use URL, as `apps.connections.open` hands out: pass as the fake Slack's `socketModeUrl`. */
  issueUrl(): string;
  /** Resolves once `count` connections in all have been greeted. */
  waitForGreeted(count: number, timeoutMs?: number): Promise<void>;
  /** Sends an envelope on the newest open connection and resolves with the app's ack. */
  deliver(type: EnvelopeType, payload: Json, options?: DeliverOptions): Promise<SocketAck>;
  /** Sends a `disconnect` message on every open connection, as Slack does before recycling one. */
  disconnect(reason?: 'warning' | 'refresh_requested'): void;
}

/** A Socket Mode server for the app `appId`. */
export function createSocketModeServer(options: { appId: string }): SocketModeServer {
  const http: Server = createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' }).end('fake Slack Socket Mode: WebSocket only');
  });
  const wss = new WebSocketServer({ noServer: true });
  const tickets = new Set<string>();
  const sockets: WebSocket[] = [];
  const received: Json[] = [];
  const closes: { code: number; reason: string }[] = [];
  const pending = new Map<string, { resolve: (ack: SocketAck) => void; timer: NodeJS.Timeout }>();
  const greetWaiters = new Set<() => void>();
  let greeted = 0;
  let base = '';

  http.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'ws://localhost');
    const ticket = url.searchParams.get('ticket') ?? '';
    if (url.pathname !== '/link/' || !tickets.delete(ticket)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.push(ws);
      ws.on('message', (data, isBinary) => {
        if (isBinary) return;
        let message: unknown;
        try {
          message = JSON.parse(data.toString());
        } catch {
          return;
        }
        if (!isObj(message)) return;
        received.push(message);
        const waiter = typeof message.envelope_id === 'string' ? pending.get(message.envelope_id) : undefined;
        if (waiter) waiter.resolve(message as unknown as SocketAck);
      });
      ws.once('close', (code, reason) => {
        closes.push({ code, reason: reason.toString() });
        const at = sockets.indexOf(ws);
        if (at >= 0) sockets.splice(at, 1);
      });
      const host = `applink-fake-${greeted + 1}`;
      const debug_info = { host, build_number: 1, approximate_connection_time: 18_060 };
      ws.send(
        JSON.stringify({
          type: 'hello',
          num_connections: sockets.length,
          debug_info,
          connection_info: { app_id: options.appId },
        }),
      );
      greeted += 1;
      for (const wake of [...greetWaiters]) wake();
    });
  });

  return {
    received,
    closes,
    get greeted() {
      return greeted;
    },
    get open() {
      return sockets.length;
    },
    async start() {
      await new Promise<void>((resolve, reject) => {
        http.once('error', reject);
        http.listen(0, '127.0.0.1', () => resolve());
      });
      base = `ws://127.0.0.1:${(http.address() as AddressInfo).port}`;
    },
    async stop() {
      for (const { timer } of pending.values()) clearTimeout(timer);
      pending.clear();
      await Promise.all(
        [...sockets].map(
          (ws) =>
            new Promise<void>((resolve) => {
              ws.once('close', () => resolve());
              ws.close(1001, 'going away');
              // A peer that never answers the close frame must not keep the test process alive.
              setTimeout(() => ws.terminate(), 1000).unref();
            }),
        ),
      );
      wss.close();
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
    },
    issueUrl() {
      if (!base) throw new Error('the Socket Mode server is not started');
      const ticket = randomUUID();
      tickets.add(ticket);
      return `${base}/link/?ticket=${ticket}&app_id=${options.appId}`;
    },
    waitForGreeted(count, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        if (greeted >= count) return resolve();
        const timer = setTimeout(() => {
          greetWaiters.delete(check);
          reject(new Error(`fake Socket Mode: ${greeted} of ${count} connections within ${timeoutMs} ms`));
        }, timeoutMs);
        const check = () => {
          if (greeted < count) return;
          clearTimeout(timer);
          greetWaiters.delete(check);
          resolve();
        };
        greetWaiters.add(check);
      });
    },
    deliver(
      type,
      payload,
      { acceptsResponsePayload = false, retryAttempt = 0, retryReason = '', timeoutMs = 3000 } = {},
    ) {
      const ws = sockets.at(-1);
      if (!ws) return Promise.reject(new Error('fake Socket Mode: no app is connected'));
      const envelope_id = randomUUID();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(envelope_id);
          reject(new Error(`fake Socket Mode: no ack for ${type} envelope ${envelope_id} within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(envelope_id, {
          timer,
          resolve: (ack) => {
            clearTimeout(timer);
            pending.delete(envelope_id);
            resolve(ack);
          },
        });
        const envelope = {
          envelope_id,
          payload,
          type,
          accepts_response_payload: acceptsResponsePayload,
          retry_attempt: retryAttempt,
          retry_reason: retryReason,
        };
        ws.send(JSON.stringify(envelope));
      });
    },
    disconnect(reason = 'refresh_requested') {
      for (const ws of sockets)
        ws.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'applink-fake' } }));
    },
  };
}

/** The humans' side of Slack, delivered over Socket Mode; each method resolves with the app's ack. */
export interface SocketDriver {
  /** Wraps an event in an Events API body (`event_callback`) and delivers it as `events_api`. */
  sendEvent(event: Json, options?: DeliverOptions): Promise<SocketAck & { eventId: string }>;
  /** Delivers an interactivity payload (`block_actions`, `view_submission`, …) as `interactive`. */
  sendInteractive(payload: Json, options?: DeliverOptions): Promise<SocketAck>;
  /** Delivers a slash command's fields (the HTTP form, as JSON) as `slash_commands`. */
  sendSlashCommand(fields: URLSearchParams | Record<string, string>, options?: DeliverOptions): Promise<SocketAck>;
  /** The `block_actions` payload for clicking (or, with `value`, picking in) an element of a message in the fake. */
  blockActions(args: { channel: string; ts: string; actionId: string; user: string; value?: string | string[] }): Json;
  clickButton(args: { channel: string; ts: string; actionId: string; user: string }): Promise<SocketAck>;
  /** Writes a message in the fake and delivers its `message` event. */
  postMessage(args: { channel: string; user: string; text: string; thread_ts?: string }): Promise<SocketAck>;
  /** Runs `/rodizio <text>`; a non-empty ack payload is shown to the user in the fake, as Slack shows it. */
  slashCommand(args: { user: string; channel: string; text: string }): Promise<SocketAck & { responseUrl: string }>;
}

/** A driver that acts as the people of `fake` towards the app connected to `server`. */
export function createSocketDriver(options: { fake: FakeSlack; server: SocketModeServer }): SocketDriver {
  const { fake, server } = options;
  const env: PayloadEnv = {
    teamId: fake.teamId,
    teamDomain: fake.teamDomain,
    appId: fake.appId,
    botUserId: fake.botUserId,
    token: 'sandboxVerificationToken0',
  };
  const isEmpty = (payload: Json | undefined) => !payload || Object.keys(payload).length === 0;

  const driver: SocketDriver = {
    async sendEvent(event, opts) {
      const eventId = `Ev${randomBytes(5).toString('hex').toUpperCase()}`;
      const body = eventCallback(env, { event, eventId, eventTime: Math.floor(fake.now() / 1000) });
      return { ...(await server.deliver('events_api', body, opts)), eventId };
    },
    sendInteractive: (payload, opts) =>
      server.deliver('interactive', payload, { acceptsResponsePayload: payload.type === 'view_submission', ...opts }),
    sendSlashCommand: (fields, opts) =>
      server.deliver('slash_commands', Object.fromEntries(new URLSearchParams(fields)), {
        acceptsResponsePayload: true,
        ...opts,
      }),
    blockActions({ channel, ts, actionId, user, value }) {
      const message = fake.message(channel, ts);
      if (!message) throw new Error(`no message ${channel}/${ts} in the fake Slack`);
      const found = findElement(message.blocks, actionId);
      if (!found) throw new Error(`message ${channel}/${ts} has no element with action_id "${actionId}"`);
      const state = buildStateValues(message.blocks);
      const blockState = state[found.blockId];
      if (blockState && value !== undefined) blockState[actionId] = elementState(found.element, value);
      const responseUrl = fake.createResponseUrl({ channel, user, message_ts: message.ts });
      return blockActionsPayload(env, {
        user: fake.user(user),
        source: {
          kind: 'message',
          channel: { id: channel, name: fake.channelName(channel) },
          message: structuredClone(message),
          responseUrl,
          state,
        },
        triggerId: fake.issueTriggerId(user),
        action: buildAction(found, formatTs(fake.now() * 1000), value),
      });
    },
    clickButton: (args) => driver.sendInteractive(driver.blockActions(args)),
    postMessage(args) {
      const { channel, ...fields } = args;
      const message = fake.addMessage(channel, fields);
      return driver.sendEvent(messageEvent(structuredClone(message), fake.channelId(channel)));
    },
    async slashCommand(args) {
      const channel = fake.channelId(args.channel);
      const responseUrl = fake.createResponseUrl({ channel, user: args.user });
      const form = slashCommandForm(env, {
        user: fake.user(args.user),
        channel: { id: channel, name: fake.channelName(channel) },
        command: '/rodizio',
        text: args.text,
        responseUrl,
        triggerId: fake.issueTriggerId(args.user),
      });
      const ack = await driver.sendSlashCommand(form);
      if (!isEmpty(ack.payload)) fake.receiveResponse(responseUrl, ack.payload as Json, 'ack');
      return { ...ack, responseUrl };
    },
  };
  return driver;
}
