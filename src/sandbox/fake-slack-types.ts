/** The fake Slack's public types: its options, what it records, and the running fake's interface. */
import type { Clock } from '../clock.js';
import type { WorkspaceStore } from '../store/sandbox-workspace.js';
import type { Json } from './fake-slack-blocks.js';
import type { FakeFault } from './fake-slack-http.js';
import type { FakeSlackValidator } from './fake-slack-methods.js';
import type { FakeEphemeral, FakeSlackChange, ResponseContext, SlackMessage } from './fake-slack-state.js';
import type { FakeUser, FakeUserProfile } from './fake-slack-users.js';
import type { FakeView } from './fake-slack-views.js';

/** How to set up the fake workspace; every field has a sandbox default. */
export interface FakeSlackOptions {
  /** When set, every call must carry exactly this token; otherwise any `xoxb-…` token passes. */
  botToken?: string;
  /** When set, `apps.connections.open` needs exactly this app-level token; otherwise any `xapp-…` token passes. */
  appToken?: string;
  /**
   * Socket Mode: the WebSocket URL `apps.connections.open` answers with, asked for on each call (the socket end
   * lives outside the fake). Without it the method is `unknown_method`.
   */
  socketModeUrl?: () => string;
  botUserId?: string;
  botId?: string;
  appId?: string;
  botName?: string;
  teamId?: string;
  teamDomain?: string;
  users?: Record<string, FakeUserProfile>;
  usergroups?: Record<string, string[]>;
  /** id → name; when given, other channels are `channel_not_found` (DMs still work). */
  channels?: Record<string, string>;
  validate?: FakeSlackValidator;
  /** Keeps the workspace in this store: loaded at creation, every change written as it happens (the sandbox). */
  store?: WorkspaceStore;
  clock?: Clock;
  host?: string;
  port?: number;
}

/** One Web API call as the fake saw it: arguments parsed (blocks and views as objects), token left out. */
export interface FakeSlackCall {
  method: string;
  args: Json;
  at: number;
  status: number;
  response: Json;
}

/** One answer through a response_url: a POST to it, or a slash command's immediate ack (`via: 'ack'`). */
export interface FakeResponse {
  id: string;
  via: 'response_url' | 'ack';
  body: Json;
  at: number;
  target: ResponseContext;
  response: Json;
}

/** A message a human (`user`) or another bot (`bot_id`) writes, for `addMessage`. */
export interface IncomingMessageFields {
  user?: string;
  bot_id?: string;
  username?: string;
  text: string;
  thread_ts?: string;
  blocks?: Json[];
}

/** The running fake: its URLs, what it recorded, the workspace state, and knobs for faults. */
export interface FakeSlack {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** What to pass as the WebClient's `slackApiUrl`: `http://127.0.0.1:PORT/api/`. */
  readonly apiUrl: string;
  readonly baseUrl: string;
  readonly teamId: string;
  readonly teamDomain: string;
  readonly botUserId: string;
  readonly botId: string;
  readonly appId: string;
  readonly calls: readonly FakeSlackCall[];
  callsTo(method: string): FakeSlackCall[];
  messages(channel: string): readonly SlackMessage[];
  thread(channel: string, ts: string): readonly SlackMessage[];
  message(channel: string, ts: string): SlackMessage | undefined;
  allMessages(): { channel: string; message: SlackMessage }[];
  readonly ephemerals: readonly FakeEphemeral[];
  readonly responses: readonly FakeResponse[];
  readonly views: ReadonlyMap<string, FakeView>;
  homeView(userId: string): Json | undefined;
  modalStack(userId: string): FakeView[];
  /** Closes a modal as its person would with Cancel (Slack sends no event unless notify_on_close). */
  closeView(viewId: string): void;
  user(id: string): FakeUser;
  channelName(id: string): string;
  now(): number;
  issueTriggerId(userId?: string): string;
  createResponseUrl(target: ResponseContext): string;
  /** Applies a message body to a response_url (its full URL or id), as a POST to it would. */
  receiveResponse(url: string, body: Json, via?: 'response_url' | 'ack'): Json;
  /** The DM channel id between the bot and a user. */
  dmChannel(userId: string): string;
  /** The conversation id a channel id or user id (its DM) names; throws where Slack says `channel_not_found`. */
  channelId(idOrUser: string): string;
  addMessage(channel: string, fields: IncomingMessageFields): SlackMessage;
  editMessage(channel: string, ts: string, text: string): { previous: SlackMessage; message: SlackMessage };
  /** A person deletes a message (as Slack admins and authors can); false when there was none. */
  deleteMessage(channel: string, ts: string): boolean;
  receiveViewAck(viewId: string, ack: unknown): string[];
  inject(method: string, fault: FakeFault, times?: number): void;
  rateLimit(method: string, fraction: number, retryAfter?: number, random?: () => number): void;
  clearFaults(): void;
  addUser(id: string, profile: FakeUserProfile): void;
  addUsergroup(id: string, members: string[]): void;
  subscribe(listener: (change: FakeSlackChange) => void): () => void;
  waitFor<T>(check: () => T | undefined | null | false, timeoutMs?: number): Promise<T>;
}
