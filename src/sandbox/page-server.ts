import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename, extname, join } from 'node:path';
import { z } from 'zod';
import { readJsonBody, sendError, sendJson } from '../api/http.js';
import type { Mount } from '../api/server.js';
import { MethodNotAllowedError, NotFoundError, UnavailableError, ValidationError } from '../errors.js';
import type { Logger } from '../logger.js';
import { packageRoot } from '../package-info.js';
import { parseOrThrow } from '../validation.js';
import type { FakeSlack, Json, SlackMessage } from './fake-slack.js';
import type { SlackDriver } from './slack-driver.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

const UserId = z.string().regex(/^U[A-Z0-9]{2,}$/, 'a user id such as U0ALICE');
const Click = z.discriminatedUnion('source', [
  z.strictObject({
    source: z.literal('message'),
    user: UserId,
    channel: z.string().min(1),
    ts: z.string().min(1),
    actionId: z.string().min(1),
    value: z.string().optional(),
  }),
  z.strictObject({
    source: z.literal('home'),
    user: UserId,
    actionId: z.string().min(1),
    value: z.string().optional(),
  }),
]);
const Submit = z.strictObject({
  user: UserId,
  viewId: z.string().min(1),
  values: z.record(z.string(), z.union([z.string(), z.array(z.string()), z.null()])).default({}),
});
const Close = z.strictObject({ user: UserId, viewId: z.string().min(1) });
const Message = z.strictObject({
  user: UserId,
  channel: z.string().min(1),
  text: z.string().min(1).max(40_000),
  thread_ts: z.string().optional(),
});
const Command = z.strictObject({ user: UserId, channel: z.string().min(1), text: z.string().max(4000) });
const Home = z.strictObject({ user: UserId });

export interface SandboxPageOptions {
  fake: FakeSlack;
  /** The driver acting as the people of the sandbox; available once the bridge listens. */
  driver: () => SlackDriver | undefined;
  /** What the "Connect an agent" box shows. */
  connect: () => { apiUrl: string; token: string | null; runner: string | null };
  channels: Record<string, string>;
  logger: Logger;
}

type Msg = SlackMessage & { replies: readonly SlackMessage[] };

/**
 * The element a click means, and its block: on Home several tokens share action ids, so the clicked button's
 * `value` (or, for a select, one of its options) tells which one.
 */
function findClicked(
  blocks: unknown,
  actionId: string,
  value: string | undefined,
): { blockId?: string; select: boolean } | undefined {
  for (const block of Array.isArray(blocks) ? (blocks as Json[]) : []) {
    const elements = [
      ...(Array.isArray(block.elements) ? (block.elements as Json[]) : []),
      ...(block.accessory ? [block.accessory as Json] : []),
    ];
    for (const e of elements) {
      if (e.action_id !== actionId) continue;
      const select = e.type === 'static_select';
      const options = Array.isArray(e.options) ? (e.options as Json[]) : [];
      const matches = value === undefined || (select ? options.some((o) => o.value === value) : e.value === value);
      if (matches) return { blockId: typeof block.block_id === 'string' ? block.block_id : undefined, select };
    }
  }
  return undefined;
}

/**
 * The sandbox page and its small API: the fake Slack's state as a person sees it, and actions that the
 * driver turns into correctly signed requests to the bridge's own /slack/events — the production path.
 */
export function createSandboxPage(options: SandboxPageOptions): Mount {
  const { fake, logger } = options;
  const pageDir = join(packageRoot(), 'src', 'sandbox', 'page');
  const streams = new Set<ServerResponse>();
  let pending: NodeJS.Timeout | undefined;
  fake.subscribe((change) => {
    if (change.kind === 'call') return;
    if (pending) return;
    pending = setTimeout(() => {
      pending = undefined;
      for (const res of streams) res.write('data: changed\n\n');
    }, 30);
  });

  function state(user: string) {
    const people = ['U0ALICE', 'U0BOB', 'U0CAROL', 'U0DAVE'].map((id) => fake.user(id));
    const channelIds = new Set(Object.keys(options.channels));
    for (const { channel } of fake.allMessages()) if (/^[CG]/.test(channel)) channelIds.add(channel);
    const messages: Record<string, Msg[]> = {};
    for (const id of channelIds) {
      messages[id] = fake.messages(id).map((m) => ({ ...m, replies: fake.thread(id, m.ts) }));
    }
    const modal = fake.modalStack(user).at(-1);
    const me = fake.user(user);
    return {
      me,
      users: people,
      bot: { id: fake.botUserId, name: 'rodizio' },
      channels: [...channelIds].map((id) => ({ id, name: options.channels[id] ?? fake.channelName(id) })),
      usergroups: [
        { id: 'S0REVIEWERS', name: 'reviewers' },
        { id: 'S0ONCALL', name: 'oncall' },
      ],
      messages,
      ephemerals: fake.ephemerals.filter((e) => e.user === user),
      modal: modal ? { id: modal.id, view: modal.view } : null,
      home: fake.homeView(user) ?? null,
      connect: options.connect(),
    };
  }

  async function act(path: string, body: unknown): Promise<unknown> {
    const driver = options.driver();
    if (!driver) throw new UnavailableError('the sandbox is still starting');
    switch (path) {
      case 'click': {
        const c = parseOrThrow(Click, body, 'the click');
        if (c.source === 'home') {
          const found = findClicked(fake.homeView(c.user)?.blocks, c.actionId, c.value);
          const res = await driver.clickHomeButton({
            user: c.user,
            actionId: c.actionId,
            blockId: found?.blockId,
            value: found?.select ? c.value : undefined,
          });
          return { ok: res.status === 200 };
        }
        const found = findClicked(fake.message(c.channel, c.ts)?.blocks, c.actionId, c.value);
        const res =
          found?.select && c.value !== undefined
            ? await driver.selectOption({
                channel: c.channel,
                ts: c.ts,
                actionId: c.actionId,
                user: c.user,
                value: c.value,
              })
            : await driver.clickButton({ channel: c.channel, ts: c.ts, actionId: c.actionId, user: c.user });
        return { ok: res.status === 200 };
      }
      case 'submit': {
        const s = parseOrThrow(Submit, body, 'the submission');
        const values = Object.fromEntries(Object.entries(s.values).map(([k, v]) => [k, v ?? undefined]));
        const res = await driver.submitView({ viewId: s.viewId, user: s.user, values });
        const ack = res.json as { response_action?: string; errors?: Record<string, string> } | undefined;
        return ack?.response_action === 'errors' ? { ok: false, errors: ack.errors } : { ok: res.status === 200 };
      }
      case 'close': {
        const c = parseOrThrow(Close, body, 'the close');
        fake.closeView(c.viewId);
        return { ok: true };
      }
      case 'message': {
        const m = parseOrThrow(Message, body, 'the message');
        const res = await driver.postMessage(m);
        return { ok: res.status === 200 };
      }
      case 'command': {
        const c = parseOrThrow(Command, body, 'the command');
        const res = await driver.slashCommand({ user: c.user, channel: c.channel, text: c.text });
        return { ok: res.status === 200 };
      }
      case 'home': {
        const h = parseOrThrow(Home, body, 'the request');
        const res = await driver.openHome(h.user);
        return { ok: res.status === 200 };
      }
      default:
        throw new ValidationError(`no sandbox action ${path}`);
    }
  }

  async function serveFile(res: ServerResponse, name: string): Promise<void> {
    const file = basename(name);
    const type = TYPES[extname(file)];
    if (!type || file !== name) throw new NotFoundError(`no sandbox file ${name}`);
    let body: Buffer;
    try {
      body = await readFile(join(pageDir, file));
    } catch {
      throw new NotFoundError(`no sandbox file ${name}`);
    }
    res.writeHead(200, { 'content-type': type, 'cache-control': 'no-cache' });
    res.end(body);
  }

  return {
    prefix: '/sandbox',
    async listener(req: IncomingMessage, res: ServerResponse) {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const rest = url.pathname.replace(/^\/sandbox\/?/, '');
      if (req.method === 'GET' && (rest === '' || rest === 'index.html')) return serveFile(res, 'index.html');
      if (req.method === 'GET' && rest === 'events') {
        res.writeHead(200, {
          'content-type': 'text/event-stream',
          'cache-control': 'no-cache',
          connection: 'keep-alive',
        });
        res.write('retry: 1000\n\n');
        streams.add(res);
        req.on('close', () => streams.delete(res));
        return;
      }
      if (req.method === 'GET' && rest === 'api/state') {
        const user = url.searchParams.get('user') ?? 'U0ALICE';
        if (!UserId.safeParse(user).success) throw new ValidationError('user must be a user id such as U0ALICE');
        return sendJson(res, 200, state(user));
      }
      if (req.method === 'POST' && rest.startsWith('api/')) {
        try {
          return sendJson(res, 200, await act(rest.slice(4), await readJsonBody(req)));
        } catch (err) {
          // The page reads `{ ok: false, error: <message> }`; the status comes from the one mapper.
          return sendError(req, res, err, logger, () => ({
            ok: false,
            error: err instanceof Error ? err.message : String(err),
            issues: err instanceof ValidationError ? err.issues : undefined,
          }));
        }
      }
      if (req.method === 'GET') return serveFile(res, rest);
      throw new MethodNotAllowedError(req.method, url.pathname, ['GET', 'POST']);
    },
  };
}
