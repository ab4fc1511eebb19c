/** The fake's Web API methods and its response_url endpoint: arguments in, Slack-shaped JSON out. */
import { isObj, type Json } from './fake-slack-blocks.js';
import type { FakeWorkspace, MessageFields, ResponseContext, SlackMessage } from './fake-slack-state.js';
import { slackUserObject } from './fake-slack-users.js';

/** Checks a message (`{ text, blocks }`) or a view the way Slack would: a list of problems, empty when accepted. */
export type FakeSlackValidator = (kind: 'message' | 'view', payload: unknown) => string[];

/** What the methods share: the workspace, the validator, and the app's identity. */
export interface MethodContext {
  ws: FakeWorkspace;
  validate: FakeSlackValidator;
  baseUrl: () => string;
  teamId: string;
  teamName: string;
  botUserId: string;
  botId: string;
  botName: string;
  appId: string;
}

/** One Web API method: parsed arguments in, the response body out. */
export type MethodHandler = (args: Json) => Json;

const fail = (error: string, extra: Json = {}): Json => ({ ok: false, error, ...extra });
const str = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
const truthy = (v: unknown): boolean => v === true || v === 'true' || v === '1' || v === 1;
const hasText = (v: unknown): boolean => typeof v === 'string' && v.length > 0;

/** Slack lists block problems in `errors` and repeats them as `[ERROR]` lines, which the WebClient logs. */
function invalid(error: string, problems: string[]): Json {
  const extra: Json = error === 'invalid_blocks' ? { errors: problems } : {};
  return fail(error, { ...extra, response_metadata: { messages: problems.map((p) => `[ERROR] ${p}`) } });
}

/** The fields Slack puts on every message the bot posts. */
function botMessage(ctx: MethodContext, args: Json): MessageFields {
  const fields: MessageFields = {
    user: ctx.botUserId,
    bot_id: ctx.botId,
    app_id: ctx.appId,
    text: str(args.text) ?? '',
    team: ctx.teamId,
    bot_profile: { id: ctx.botId, app_id: ctx.appId, name: ctx.botName, deleted: false, team_id: ctx.teamId },
  };
  if (Array.isArray(args.blocks)) fields.blocks = args.blocks;
  const threadTs = str(args.thread_ts);
  if (threadTs) fields.thread_ts = threadTs;
  if (isObj(args.metadata)) fields.metadata = args.metadata;
  return fields;
}

/** Every method the fake answers; anything else is `unknown_method`. */
export function createMethods(ctx: MethodContext): Record<string, MethodHandler> {
  const { ws, validate } = ctx;
  const clone = <T>(v: T): T => structuredClone(v);

  const channelAndMessage = (
    args: Json,
    tsKey: string,
  ): { error: Json } | { channel: string; ts: string; message: SlackMessage } => {
    const channel = ws.resolveChannel(args.channel);
    if (!channel) return { error: fail('channel_not_found') };
    const ts = str(args[tsKey]) ?? '';
    const message = ws.message(channel, ts);
    if (!message) return { error: fail('message_not_found') };
    return { channel, ts, message };
  };

  const viewProblems = (view: unknown): Json | undefined => {
    if (!isObj(view)) return fail('invalid_arguments', { response_metadata: { messages: ['[ERROR] missing view'] } });
    const problems = validate('view', view);
    return problems.length > 0 ? invalid('invalid_arguments', problems) : undefined;
  };

  const openOrPush = (args: Json, push: boolean): Json => {
    const trigger = ws.views.consumeTrigger(args.trigger_id ?? args.interactivity_pointer);
    if ('error' in trigger) return fail(trigger.error);
    const problem = viewProblems(args.view);
    if (problem) return problem;
    const view = args.view as Json;
    if (view.type !== 'modal') return fail('invalid_arguments');
    if (push && ws.views.modalStack(trigger.user).length >= 3) return fail('push_limit_reached');
    return { ok: true, view: clone(ws.views.openModal(trigger.user, view, push).view) };
  };

  return {
    'auth.test': () => ({
      ok: true,
      url: `${ctx.baseUrl()}/`,
      team: ctx.teamName,
      user: ctx.botName,
      team_id: ctx.teamId,
      user_id: ctx.botUserId,
      bot_id: ctx.botId,
      is_enterprise_install: false,
    }),

    'chat.postMessage': (args) => {
      const channel = ws.resolveChannel(args.channel);
      if (!channel) return fail('channel_not_found');
      if (!hasText(args.text) && args.blocks === undefined && args.attachments === undefined) return fail('no_text');
      const problems = validate('message', { text: args.text, blocks: args.blocks });
      if (problems.length > 0) return invalid('invalid_blocks', problems);
      const message = ws.post(channel, botMessage(ctx, args), truthy(args.reply_broadcast));
      return { ok: true, channel, ts: message.ts, message: clone(message) };
    },

    'chat.update': (args) => {
      const found = channelAndMessage(args, 'ts');
      if ('error' in found) return found.error;
      if (found.message.bot_id !== ctx.botId) return fail('cant_update_message');
      const text = str(args.text);
      const merged = { text: text ?? found.message.text, blocks: args.blocks ?? found.message.blocks };
      const problems = validate('message', merged);
      if (problems.length > 0) return invalid('invalid_blocks', problems);
      const patch: { text?: string; blocks?: unknown } = {};
      if (text !== undefined) patch.text = text;
      if (args.blocks !== undefined) patch.blocks = args.blocks;
      const updated = ws.update(found.channel, found.ts, patch, ctx.botUserId);
      const message = clone(updated?.message ?? found.message);
      return { ok: true, channel: found.channel, ts: found.ts, text: message.text, message };
    },

    'chat.delete': (args) => {
      const found = channelAndMessage(args, 'ts');
      if ('error' in found) return found.error;
      if (found.message.bot_id !== ctx.botId) return fail('cant_delete_message');
      ws.delete(found.channel, found.ts);
      return { ok: true, channel: found.channel, ts: found.ts };
    },

    'chat.postEphemeral': (args) => {
      const channel = ws.resolveChannel(args.channel);
      if (!channel) return fail('channel_not_found');
      const user = str(args.user);
      if (!user) return fail('user_not_in_channel');
      if (!hasText(args.text) && args.blocks === undefined && args.attachments === undefined) return fail('no_text');
      const problems = validate('message', { text: args.text, blocks: args.blocks });
      if (problems.length > 0) return invalid('invalid_blocks', problems);
      const e = ws.addEphemeral({
        channel,
        user,
        text: str(args.text) ?? '',
        ...(Array.isArray(args.blocks) ? { blocks: args.blocks } : {}),
        ...(str(args.thread_ts) ? { thread_ts: str(args.thread_ts) } : {}),
        via: 'chat.postEphemeral',
      });
      return { ok: true, message_ts: e.ts };
    },

    'chat.getPermalink': (args) => {
      const found = channelAndMessage(args, 'message_ts');
      if ('error' in found) return found.error;
      const thread = found.message.thread_ts;
      const query = thread && thread !== found.ts ? `?thread_ts=${thread}&cid=${found.channel}` : '';
      const permalink = `${ctx.baseUrl()}/archives/${found.channel}/p${found.ts.replace('.', '')}${query}`;
      return { ok: true, channel: found.channel, permalink };
    },

    'views.open': (args) => openOrPush(args, false),
    'views.push': (args) => openOrPush(args, true),

    'views.update': (args) => {
      const record = ws.views.find(args.view_id, args.external_id);
      if (!record || (record.kind === 'modal' && !record.open)) return fail('not_found');
      const hash = str(args.hash);
      if (hash !== undefined && hash !== record.view.hash) return fail('hash_conflict');
      const problem = viewProblems(args.view);
      if (problem) return problem;
      return { ok: true, view: clone(ws.views.replace(record, args.view as Json).view) };
    },

    'views.publish': (args) => {
      const user = str(args.user_id);
      if (!user) return fail('invalid_arguments');
      const problem = viewProblems(args.view);
      if (problem) return problem;
      if ((args.view as Json).type !== 'home') return fail('invalid_arguments');
      const hash = str(args.hash);
      const current = ws.views.homeView(user);
      if (hash !== undefined && current && hash !== current.hash) return fail('hash_conflict');
      return { ok: true, view: clone(ws.views.publishHome(user, args.view as Json).view) };
    },

    'usergroups.users.list': (args) => {
      const members = ws.usergroups[str(args.usergroup) ?? ''];
      return members ? { ok: true, users: [...members] } : fail('no_such_subteam');
    },

    'usergroups.list': () => ({
      ok: true,
      usergroups: Object.entries(ws.usergroups).map(([id, users]) => ({
        id,
        team_id: ctx.teamId,
        name: id.slice(1).toLowerCase(),
        handle: id.slice(1).toLowerCase(),
        is_usergroup: true,
        user_count: users.length,
        users: [...users],
      })),
    }),

    'users.info': (args) => {
      const id = str(args.user) ?? '';
      if (id === ctx.botUserId) {
        const bot = { id, name: ctx.botName, real_name: ctx.botName, display_name: ctx.botName };
        return { ok: true, user: slackUserObject(bot, ctx.teamId, { botId: ctx.botId }) };
      }
      if (!ws.users[id]) return fail('user_not_found');
      return { ok: true, user: slackUserObject(ws.user(id), ctx.teamId) };
    },

    'conversations.info': (args) => {
      const channel =
        typeof args.channel === 'string' && /^[CGD]/.test(args.channel) ? ws.resolveChannel(args.channel) : undefined;
      const info = channel ? ws.channelInfo(channel) : undefined;
      return info ? { ok: true, channel: info } : fail('channel_not_found');
    },

    'conversations.open': (args) => {
      const user = str(args.users)?.split(',')[0];
      const channel = user ? ws.resolveChannel(user) : ws.resolveChannel(args.channel);
      return channel
        ? { ok: true, no_op: false, already_open: false, channel: { id: channel } }
        : fail('user_not_found');
    },

    'conversations.history': (args) => {
      const channel = ws.resolveChannel(args.channel);
      if (!channel) return fail('channel_not_found');
      return { ok: true, messages: clone([...ws.messages(channel)].reverse()), has_more: false };
    },

    'conversations.replies': (args) => {
      const found = channelAndMessage(args, 'ts');
      if ('error' in found) return fail('thread_not_found');
      const replies = ws.thread(found.channel, found.ts);
      return { ok: true, messages: clone([found.message, ...replies]), has_more: false };
    },
  };
}

/** What Slack does with a POST to a `response_url`: replace or delete the original, post in channel, or ephemeral. */
export function handleResponseUrl(ctx: MethodContext, target: ResponseContext, body: Json): Json {
  const { ws } = ctx;
  if (truthy(body.delete_original)) {
    if (target.message_ts) ws.delete(target.channel, target.message_ts);
    return { ok: true };
  }
  if (!hasText(body.text) && body.blocks === undefined) return fail('no_text');
  const problems = ctx.validate('message', { text: body.text, blocks: body.blocks });
  if (problems.length > 0) return invalid('invalid_blocks', problems);
  if (truthy(body.replace_original) && target.message_ts) {
    // Replacing swaps the whole message: blocks left out are gone, unlike chat.update.
    ws.update(
      target.channel,
      target.message_ts,
      { text: str(body.text) ?? '', blocks: body.blocks ?? [] },
      ctx.botUserId,
    );
    return { ok: true };
  }
  const threadTs = str(body.thread_ts) ?? target.thread_ts;
  if (body.response_type === 'in_channel') {
    ws.post(target.channel, botMessage(ctx, { ...body, ...(threadTs ? { thread_ts: threadTs } : {}) }));
    return { ok: true };
  }
  ws.addEphemeral({
    channel: target.channel,
    user: target.user,
    text: str(body.text) ?? '',
    ...(Array.isArray(body.blocks) ? { blocks: body.blocks } : {}),
    ...(threadTs ? { thread_ts: threadTs } : {}),
    via: 'response_url',
  });
  return { ok: true };
}
