/**
 * A fake of Slack's Web API as a real HTTP server on loopback: the bot's WebClient talks to it over HTTP, it keeps
 * the workspace in memory, refuses what Slack refuses, records every call and can answer with 429s, 5xx and delays.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { validateMessage, validateView } from '../../blocks/limits.js';
import { isObj, type Json } from './fake-slack-blocks.js';
import { FaultPlan, parseArgs, readBody, sendJson } from './fake-slack-http.js';
import { createMethods, type FakeSlackValidator, handleResponseUrl, type MethodContext } from './fake-slack-methods.js';
import { createWorkspacePersister } from './fake-slack-persist.js';
import { type FakeSlackChange, FakeWorkspace, type MessageFields } from './fake-slack-state.js';
import type { FakeResponse, FakeSlack, FakeSlackCall, FakeSlackOptions } from './fake-slack-types.js';
import { DEFAULT_USERGROUPS, DEFAULT_USERS } from './fake-slack-users.js';

export type { Json } from './fake-slack-blocks.js';
export type { FakeFault } from './fake-slack-http.js';
export type { FakeSlackValidator } from './fake-slack-methods.js';
export type { FakeEphemeral, FakeSlackChange, ResponseContext, SlackMessage } from './fake-slack-state.js';
export type {
  FakeResponse,
  FakeSlack,
  FakeSlackCall,
  FakeSlackOptions,
  IncomingMessageFields,
} from './fake-slack-types.js';
export { type FakeUser, type FakeUserProfile, fakeUser } from './fake-slack-users.js';
export type { FakeView } from './fake-slack-views.js';

const defaultValidate: FakeSlackValidator = (kind, payload) =>
  kind === 'message' ? validateMessage(isObj(payload) ? payload : {}) : validateView(payload);

/** The Web API method that opens a Socket Mode connection. */
const CONNECTIONS_OPEN = 'apps.connections.open';

function bearer(header: string | undefined): string | undefined {
  const m = header?.match(/^Bearer\s+(\S+)$/i);
  return m?.[1];
}

/** A fake Slack Web API; `start()` it, then point the WebClient's `slackApiUrl` at `apiUrl`. */
export function createFakeSlack(options: FakeSlackOptions = {}): FakeSlack {
  const clock = options.clock ?? { now: () => Date.now() };
  const teamId = options.teamId ?? 'T0SANDBOX';
  const teamDomain = options.teamDomain ?? 'sandbox';
  const botUserId = options.botUserId ?? 'UBOT';
  const botId = options.botId ?? 'BBOT';
  const appId = options.appId ?? 'A0SANDBOX';
  const listeners = new Set<(change: FakeSlackChange) => void>();
  const emit = (change: FakeSlackChange) => {
    for (const listener of [...listeners]) {
      try {
        listener(change);
      } catch (err) {
        // A broken listener is a bug in the test or sandbox, not an answer to the bot: surface it out of band.
        setImmediate(() => {
          throw err;
        });
      }
    }
  };
  let persist: ((change: FakeSlackChange) => void) | undefined;
  const ws = new FakeWorkspace({
    clock,
    teamId,
    botUserId,
    botId,
    appId,
    users: options.users ?? { ...DEFAULT_USERS },
    usergroups:
      options.usergroups ?? Object.fromEntries(Object.entries(DEFAULT_USERGROUPS).map(([k, v]) => [k, [...v]])),
    channels: options.channels,
    onChange: (change) => {
      persist?.(change);
      emit(change);
    },
  });
  if (options.store) {
    ws.restore(options.store.load());
    persist = createWorkspacePersister(ws, options.store);
  }
  let server: Server | undefined;
  let baseUrl = '';
  const ctx: MethodContext = {
    ws,
    validate: options.validate ?? defaultValidate,
    baseUrl: () => baseUrl,
    teamId,
    teamName: teamDomain,
    botUserId,
    botId,
    botName: options.botName ?? 'rodizio',
    appId,
  };
  const methods = createMethods(ctx);
  const { socketModeUrl } = options;
  if (socketModeUrl) methods[CONNECTIONS_OPEN] = () => ({ ok: true, url: socketModeUrl() });
  const faults = new FaultPlan();
  const calls: FakeSlackCall[] = [];
  const responses: FakeResponse[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const delay = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  const record = (method: string, args: Json, status: number, response: Json) => {
    calls.push({ method, args, at: clock.now(), status, response });
    emit({ kind: 'call', method });
  };

  const authError = (token: string | undefined): string | undefined => {
    if (!token) return 'not_authed';
    if (options.botToken !== undefined) return token === options.botToken ? undefined : 'invalid_auth';
    return token.startsWith('xoxb-') ? undefined : 'invalid_auth';
  };
  // Slack takes the app-level token for apps.connections.open only, and only as a bearer header.
  const appAuthError = (token: string | undefined): string | undefined => {
    if (!token) return 'not_authed';
    if (!token.startsWith('xapp-')) return 'not_allowed_token_type';
    return options.appToken === undefined || token === options.appToken ? undefined : 'invalid_auth';
  };

  async function handleApi(method: string, req: IncomingMessage, res: ServerResponse, raw: string, url: URL) {
    let args: Json;
    try {
      args = parseArgs(raw, req.headers['content-type'], url.searchParams);
    } catch {
      const response = { ok: false, error: 'invalid_json' };
      record(method, {}, 200, response);
      return sendJson(res, 200, response);
    }
    const token = bearer(req.headers.authorization) ?? (typeof args.token === 'string' ? args.token : undefined);
    delete args.token;
    const fault = faults.take(method);
    if (fault && 'delayMs' in fault) await delay(fault.delayMs);
    else if (fault && 'until' in fault) {
      fault.arrived?.();
      await fault.until.catch(() => {});
    } else if (fault && 'status' in fault) {
      const response =
        fault.status === 429 ? { ok: false, error: 'ratelimited' } : { ok: false, error: `http_${fault.status}` };
      record(method, args, fault.status, response);
      if (fault.status === 429) return sendJson(res, 429, response, { 'retry-after': String(fault.retryAfter) });
      res.writeHead(fault.status, { 'content-type': 'text/plain' });
      return res.end(`fake Slack: injected ${fault.status}`);
    } else if (fault && 'error' in fault) {
      const response = { ok: false, error: fault.error };
      record(method, args, 200, response);
      return sendJson(res, 200, response);
    }
    const handler = methods[method];
    const denied = method === CONNECTIONS_OPEN ? appAuthError(bearer(req.headers.authorization)) : authError(token);
    const response = denied
      ? { ok: false, error: denied }
      : handler
        ? handler(args)
        : { ok: false, error: 'unknown_method' };
    record(method, args, 200, response);
    if (!res.destroyed) sendJson(res, 200, response);
  }

  async function handleResponse(id: string, req: IncomingMessage, res: ServerResponse, raw: string) {
    if (!ws.responseUrls.has(id)) return sendJson(res, 404, { ok: false, error: 'expired_url' });
    let body: Json;
    try {
      const parsed = parseArgs(raw, req.headers['content-type'] ?? 'application/json', new URLSearchParams());
      body = typeof parsed.payload === 'string' ? (JSON.parse(parsed.payload) as Json) : parsed;
    } catch {
      return sendJson(res, 400, { ok: false, error: 'invalid_payload' });
    }
    const response = receiveResponse(id, body, 'response_url');
    sendJson(res, response.ok ? 200 : 400, response);
  }

  function receiveResponse(urlOrId: string, body: Json, via: 'response_url' | 'ack'): Json {
    const id = urlOrId.slice(urlOrId.lastIndexOf('/') + 1);
    const target = ws.responseUrls.get(id);
    if (!target) return { ok: false, error: 'expired_url' };
    const response = handleResponseUrl(ctx, target, body);
    responses.push({ id, via, body, at: clock.now(), target, response });
    emit({ kind: 'response', id });
    return response;
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const raw = await readBody(req);
    if (url.pathname.startsWith('/api/'))
      return handleApi(decodeURIComponent(url.pathname.slice(5)), req, res, raw, url);
    const response = url.pathname.match(/^\/response\/([\w-]+)$/);
    if (req.method === 'POST' && response?.[1]) return handleResponse(response[1], req, res, raw);
    sendJson(res, 404, { ok: false, error: 'not_found' });
  }

  const fake: FakeSlack = {
    async start() {
      if (server) return;
      const s = createServer((req, res) => {
        handle(req, res).catch((err: unknown) => {
          if (!res.headersSent) sendJson(res, 500, { ok: false, error: 'fatal_error', detail: String(err) });
        });
      });
      server = s;
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
      });
      const address = s.address() as AddressInfo;
      // Listening on every interface still means clients reach it on loopback.
      const host = !options.host || options.host === '0.0.0.0' ? '127.0.0.1' : options.host;
      baseUrl = `http://${host}:${address.port}`;
    },
    async stop() {
      const s = server;
      server = undefined;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      if (!s) return;
      await new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeAllConnections();
      });
    },
    get apiUrl() {
      if (!baseUrl) throw new Error('the fake Slack is not started: await fake.start() first');
      return `${baseUrl}/api/`;
    },
    get baseUrl() {
      if (!baseUrl) throw new Error('the fake Slack is not started: await fake.start() first');
      return baseUrl;
    },
    teamId,
    teamDomain,
    botUserId,
    botId,
    appId,
    calls,
    callsTo: (method) => calls.filter((c) => c.method === method),
    messages: (channel) => ws.messages(channel),
    thread: (channel, ts) => ws.thread(channel, ts),
    message: (channel, ts) => ws.message(channel, ts),
    allMessages: () => ws.allMessages(),
    ephemerals: ws.ephemerals,
    responses,
    views: ws.views.byId,
    homeView: (userId) => ws.views.homeView(userId),
    modalStack: (userId) => ws.views.modalStack(userId),
    closeView(viewId) {
      const record = ws.views.byId.get(viewId);
      if (record?.open) ws.views.close(record);
    },
    user: (id) => ws.user(id),
    channelName: (id) => ws.channelName(id),
    now: () => clock.now(),
    issueTriggerId: (userId) => ws.views.issueTriggerId(userId),
    createResponseUrl(target) {
      return `${fake.baseUrl}/response/${ws.createResponseUrl(target)}`;
    },
    receiveResponse: (url, body, via = 'response_url') => receiveResponse(url, body, via),
    dmChannel(userId) {
      if (!/^[UW]/.test(userId)) throw new Error(`${userId} is not a user id`);
      return fake.channelId(userId);
    },
    channelId(idOrUser) {
      const id = ws.resolveChannel(idOrUser);
      if (!id) throw new Error(`channel ${idOrUser} does not exist in the fake Slack`);
      return id;
    },
    addMessage(channel, fields) {
      const id = fake.channelId(channel);
      const { thread_ts, blocks, ...rest } = fields;
      const message: MessageFields = fields.user
        ? { client_msg_id: randomUUID(), ...rest, team: teamId, blocks: blocks ?? richText(fields.text) }
        : { subtype: 'bot_message', ...rest, ...(blocks ? { blocks } : {}) };
      if (thread_ts) message.thread_ts = thread_ts;
      return ws.post(id, message);
    },
    editMessage(channel, ts, text) {
      const existing = ws.message(channel, ts);
      if (!existing) throw new Error(`no message ${channel}/${ts} in the fake Slack`);
      const blocks = existing.client_msg_id ? richText(text) : undefined;
      const edited = ws.update(channel, ts, { text, ...(blocks ? { blocks } : {}) }, existing.user ?? botUserId);
      if (!edited) throw new Error(`no message ${channel}/${ts} in the fake Slack`);
      return edited;
    },
    deleteMessage: (channel, ts) => ws.delete(fake.channelId(channel), ts),
    receiveViewAck: (viewId, ack) => ws.views.applyAck(viewId, ack, (view) => ctx.validate('view', view)),
    inject: (method, fault, times = 1) => faults.inject(method, fault, times),
    rateLimit: (method, fraction, retryAfter = 1, random = Math.random) =>
      faults.rateLimit(method, fraction, retryAfter, random),
    clearFaults: () => faults.clear(),
    addUser: (id, profile) => ws.addUser(id, profile),
    addUsergroup: (id, members) => ws.addUsergroup(id, members),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    waitFor(check, timeoutMs = 2000) {
      return waitFor(fake, check, timeoutMs);
    },
  };
  return fake;
}

/** A human's message blocks: Slack turns typed text into one rich_text block. */
function richText(text: string): Json[] {
  return [{ type: 'rich_text', elements: [{ type: 'rich_text_section', elements: [{ type: 'text', text }] }] }];
}

/** Resolves with the first truthy `check()`, re-checked after every change and call; rejects after `timeoutMs`. */
function waitFor<T>(fake: FakeSlack, check: () => T | undefined | null | false, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const first = check();
    if (first) return resolve(first);
    const unsubscribe = fake.subscribe(() => {
      let value: T | undefined | null | false;
      try {
        value = check();
      } catch (err) {
        finish();
        return reject(err);
      }
      if (value) {
        finish();
        resolve(value);
      }
    });
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`fake Slack: condition not met within ${timeoutMs} ms`));
    }, timeoutMs);
    const finish = () => {
      clearTimeout(timer);
      unsubscribe();
    };
  });
}
