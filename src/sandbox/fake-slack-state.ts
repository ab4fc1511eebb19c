/** The fake Slack's workspace, in memory: channels with messages and threads, ephemerals, surfaces, people. */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { StoredChannel, StoredMessage, WorkspaceSnapshot } from '../store/sandbox-workspace.js';
import { type Json, normalizeBlocks } from './fake-slack-blocks.js';
import { type FakeUser, type FakeUserProfile, fakeUser } from './fake-slack-users.js';
import { FakeViewStore } from './fake-slack-views.js';

/** The fields of a message other than `type` and `ts`, which the store assigns. */
export interface MessageFields {
  text?: string;
  blocks?: Json[];
  user?: string;
  bot_id?: string;
  subtype?: string;
  thread_ts?: string;
  [key: string]: unknown;
}

/** A message as Slack stores and returns it. */
export interface SlackMessage extends MessageFields {
  type: 'message';
  ts: string;
}

/** An ephemeral message: only `user` saw it, and it never reaches a channel's history. */
export interface FakeEphemeral {
  channel: string;
  user: string;
  ts: string;
  text?: string;
  blocks?: Json[];
  thread_ts?: string;
  via: 'chat.postEphemeral' | 'response_url';
}

/** What changed, passed to `subscribe` listeners. */
export type FakeSlackChange =
  | { kind: 'message'; channel: string; ts: string; thread_ts?: string }
  | { kind: 'message_changed' | 'message_deleted'; channel: string; ts: string }
  | { kind: 'ephemeral'; channel: string; user: string }
  | { kind: 'view'; viewId: string; user: string | undefined; open: boolean }
  | { kind: 'response'; id: string }
  | { kind: 'directory' }
  | { kind: 'call'; method: string };

/** Where a `response_url` answers to: the conversation (and message) an interaction came from. */
export interface ResponseContext {
  channel: string;
  user: string;
  message_ts?: string;
  thread_ts?: string;
}

/** What the workspace needs: identity, clock, directory, and where to report changes. */
export interface WorkspaceOptions {
  clock: Clock;
  teamId: string;
  botUserId: string;
  botId: string;
  appId: string;
  users: Record<string, FakeUserProfile>;
  usergroups: Record<string, string[]>;
  channels: Record<string, string> | undefined;
  onChange: (change: FakeSlackChange) => void;
}

interface Channel {
  id: string;
  name: string;
  user?: string;
  top: SlackMessage[];
  replies: Map<string, SlackMessage[]>;
}

/** `"<seconds>.<6 digits>"` from microseconds. */
export function formatTs(micros: number): string {
  return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
}

/** All the state of one sandbox workspace. Mutators notify `onChange`; readers return live objects. */
export class FakeWorkspace {
  readonly users: Record<string, FakeUserProfile>;
  readonly usergroups: Record<string, string[]>;
  readonly ephemerals: FakeEphemeral[] = [];
  readonly views: FakeViewStore;
  readonly #o: WorkspaceOptions;
  readonly #channels = new Map<string, Channel>();
  readonly responseUrls = new Map<string, ResponseContext>();
  #lastMicros = 0;
  #counter = 0;

  constructor(options: WorkspaceOptions) {
    this.#o = options;
    this.users = { ...options.users };
    this.usergroups = Object.fromEntries(Object.entries(options.usergroups).map(([k, v]) => [k, [...v]]));
    for (const [id, name] of Object.entries(options.channels ?? {})) this.#addChannel(id, name);
    this.views = new FakeViewStore({
      now: () => this.now(),
      teamId: options.teamId,
      appId: options.appId,
      botId: options.botId,
      onChange: (v) => this.notify({ kind: 'view', viewId: v.id, user: v.user, open: v.open }),
    });
  }

  now(): number {
    return this.#o.clock.now();
  }

  /** A fresh message ts from the clock, strictly increasing even when the clock stands still. */
  nextTs(): string {
    this.#lastMicros = Math.max(Math.floor(this.now()) * 1000, this.#lastMicros + 1);
    return formatTs(this.#lastMicros);
  }

  notify(change: FakeSlackChange): void {
    this.#o.onChange(change);
  }

  user(id: string): FakeUser {
    return fakeUser(id, this.users);
  }

  addUser(id: string, profile: FakeUserProfile): void {
    this.users[id] = profile;
    this.notify({ kind: 'directory' });
  }

  addUsergroup(id: string, members: string[]): void {
    this.usergroups[id] = [...members];
    this.notify({ kind: 'directory' });
  }

  #addChannel(id: string, name: string, user?: string): Channel {
    const channel: Channel = { id, name, top: [], replies: new Map() };
    if (user) channel.user = user;
    this.#channels.set(id, channel);
    return channel;
  }

  /**
   * The channel id a method's `channel` argument names, created on first use; undefined when Slack would answer
   * `channel_not_found`. A user id means the DM with that user, as in chat.postMessage.
   */
  resolveChannel(idOrUser: unknown): string | undefined {
    if (typeof idOrUser !== 'string' || idOrUser === '') return undefined;
    if (this.#channels.has(idOrUser)) return idOrUser;
    // The sandbox's convention: the DM with U0ALICE is D0ALICE, so either id finds the other.
    const dm = /^[UW][A-Z0-9]+$/.test(idOrUser) ? `D${idOrUser.slice(1)}` : idOrUser;
    if (this.#channels.has(dm)) return dm;
    if (/^D[A-Z0-9]+$/.test(dm)) {
      // Slack names every DM "directmessage" in payloads.
      this.#addChannel(dm, 'directmessage', /^[UW]/.test(idOrUser) ? idOrUser : `U${dm.slice(1)}`);
      return dm;
    }
    if (this.#o.channels !== undefined || !/^[CG][A-Z0-9]+$/.test(idOrUser)) return undefined;
    this.#addChannel(idOrUser, idOrUser.toLowerCase());
    return idOrUser;
  }

  channelInfo(id: string): Json | undefined {
    const c = this.#channels.get(id);
    if (!c) return undefined;
    const created = Math.floor(this.now() / 1000);
    if (c.user) return { id, created, is_im: true, is_org_shared: false, user: c.user, is_user_deleted: false };
    const isPrivate = id.startsWith('G');
    return {
      id,
      name: c.name,
      is_channel: !isPrivate,
      is_group: isPrivate,
      is_im: false,
      is_private: isPrivate,
      created,
    };
  }

  channelName(id: string): string {
    return this.#channels.get(id)?.name ?? id.toLowerCase();
  }

  messages(channel: string): SlackMessage[] {
    return this.#channels.get(channel)?.top ?? [];
  }

  thread(channel: string, ts: string): SlackMessage[] {
    return this.#channels.get(channel)?.replies.get(ts) ?? [];
  }

  message(channel: string, ts: string): SlackMessage | undefined {
    const c = this.#channels.get(channel);
    if (!c) return undefined;
    return c.top.find((m) => m.ts === ts) ?? [...c.replies.values()].flat().find((m) => m.ts === ts);
  }

  allMessages(): { channel: string; message: SlackMessage }[] {
    const out: { channel: string; message: SlackMessage }[] = [];
    for (const c of this.#channels.values()) {
      const seen = new Set<SlackMessage>();
      for (const m of [...c.top, ...[...c.replies.values()].flat()]) {
        if (!seen.has(m)) out.push({ channel: c.id, message: m });
        seen.add(m);
      }
    }
    return out.sort((a, b) => Number(a.message.ts) - Number(b.message.ts));
  }

  /** Stores a message (a thread reply when `thread_ts` is set); `broadcast` also shows a reply in the channel. */
  post(channel: string, fields: MessageFields, broadcast = false): SlackMessage {
    const c = this.#channels.get(channel) ?? this.#addChannel(channel, channel.toLowerCase());
    const ts = this.nextTs();
    const message: SlackMessage = { type: 'message', ...fields, ts };
    if (fields.blocks !== undefined) message.blocks = normalizeBlocks(fields.blocks, `${channel}:${ts}`) ?? [];
    const threadTs = fields.thread_ts;
    if (threadTs) {
      const parent = this.message(channel, threadTs);
      if (parent) {
        if (parent.user) message.parent_user_id = parent.user;
        this.#recordReply(parent, message);
      }
      // Slack accepts an unknown thread_ts and files the reply where no one will see it; so does the fake.
      const replies = c.replies.get(threadTs) ?? [];
      replies.push(message);
      c.replies.set(threadTs, replies);
      if (broadcast) {
        message.subtype = 'thread_broadcast';
        c.top.push(message);
      }
    } else {
      c.top.push(message);
    }
    this.notify(threadTs ? { kind: 'message', channel, ts, thread_ts: threadTs } : { kind: 'message', channel, ts });
    return message;
  }

  #recordReply(parent: SlackMessage, reply: SlackMessage): void {
    const replies = Array.isArray(parent.replies) ? (parent.replies as Json[]) : [];
    replies.push({ user: reply.user ?? reply.bot_id, ts: reply.ts });
    this.#setThreadSummary(parent, replies);
  }

  #setThreadSummary(parent: SlackMessage, replies: Json[]): void {
    const users = [...new Set(replies.map((r) => String(r.user)))];
    parent.thread_ts = parent.ts;
    parent.reply_count = replies.length;
    parent.reply_users_count = users.length;
    parent.reply_users = users;
    parent.latest_reply = replies.at(-1)?.ts ?? parent.ts;
    parent.replies = replies;
  }

  /** Replaces a message's text and/or blocks in place (blocks kept when not given, as chat.update does). */
  update(channel: string, ts: string, patch: { text?: string; blocks?: unknown }, editor: string) {
    const message = this.message(channel, ts);
    if (!message) return undefined;
    const previous = structuredClone(message);
    if (patch.text !== undefined) message.text = patch.text;
    if (Array.isArray(patch.blocks) && patch.blocks.length === 0) delete message.blocks;
    else if (patch.blocks !== undefined) message.blocks = normalizeBlocks(patch.blocks, `${channel}:${ts}`) ?? [];
    message.edited = { user: editor, ts: this.nextTs() };
    this.notify({ kind: 'message_changed', channel, ts });
    return { previous, message };
  }

  delete(channel: string, ts: string): boolean {
    const c = this.#channels.get(channel);
    const message = this.message(channel, ts);
    if (!c || !message) return false;
    c.top = c.top.filter((m) => m !== message);
    for (const [threadTs, list] of c.replies) {
      if (!list.includes(message)) continue;
      const rest = list.filter((m) => m !== message);
      c.replies.set(threadTs, rest);
      const parent = this.message(channel, threadTs);
      if (parent && Array.isArray(parent.replies)) {
        this.#setThreadSummary(
          parent,
          (parent.replies as Json[]).filter((r) => r.ts !== ts),
        );
      }
    }
    this.notify({ kind: 'message_deleted', channel, ts });
    return true;
  }

  addEphemeral(e: Omit<FakeEphemeral, 'ts'>): FakeEphemeral {
    const stored: FakeEphemeral = { ...e, ts: this.nextTs() };
    if (e.blocks !== undefined) stored.blocks = normalizeBlocks(e.blocks, `eph:${stored.ts}`) ?? [];
    this.ephemerals.push(stored);
    this.notify({ kind: 'ephemeral', channel: e.channel, user: e.user });
    return stored;
  }

  /** A message and where it sits (history, thread, or both), as the workspace store keeps it. */
  placement(channel: string, ts: string): StoredMessage | undefined {
    const c = this.#channels.get(channel);
    const message = c ? this.message(channel, ts) : undefined;
    if (!c || !message) return undefined;
    let replyOf: string | null = null;
    for (const [threadTs, list] of c.replies) if (list.includes(message)) replyOf = threadTs;
    return { channel, ts, top: c.top.includes(message), replyOf, message };
  }

  channelRecord(id: string): StoredChannel | undefined {
    const c = this.#channels.get(id);
    return c ? { id, name: c.name, user: c.user ?? null } : undefined;
  }

  /** Puts back a saved workspace (before anyone talks to it); notifies nobody. */
  restore(snapshot: WorkspaceSnapshot): void {
    for (const c of snapshot.channels) {
      if (!this.#channels.has(c.id)) this.#addChannel(c.id, c.name, c.user ?? undefined);
    }
    for (const m of snapshot.messages) {
      const c = this.#channels.get(m.channel) ?? this.#addChannel(m.channel, m.channel.toLowerCase());
      // A broadcast reply is one object in both lists, as when it was posted.
      if (m.top) c.top.push(m.message);
      if (m.replyOf !== null) {
        const list = c.replies.get(m.replyOf) ?? [];
        list.push(m.message);
        c.replies.set(m.replyOf, list);
      }
      const [seconds = '0', micros = '0'] = m.ts.split('.');
      this.#lastMicros = Math.max(this.#lastMicros, Number(seconds) * 1e6 + Number(micros));
    }
    if (snapshot.users) Object.assign(this.users, snapshot.users);
    if (snapshot.usergroups) Object.assign(this.usergroups, snapshot.usergroups);
    this.views.restore(snapshot.views);
  }

  /** Registers where a response_url posts to; returns its id. */
  createResponseUrl(context: ResponseContext): string {
    this.#counter += 1;
    const id = `r${this.#counter.toString(36).padStart(8, '0')}${randomBytes(4).toString('hex')}`;
    this.responseUrls.set(id, context);
    return id;
  }
}
