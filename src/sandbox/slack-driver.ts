/**
 * Plays the humans: clicks, picks, submits, writes and runs commands in the fake Slack, and sends the bot the signed
 * request real Slack would send for each. Every method resolves with the bot's HTTP answer.
 */
import { randomBytes } from 'node:crypto';
import type { FakeSlack, Json, SlackMessage } from './fake-slack.js';
import {
  buildAction,
  buildStateValues,
  elementState,
  type FoundElement,
  findElement,
  type InputValue,
  isObj,
  listActionIds,
} from './fake-slack-blocks.js';
import {
  blockActionsPayload,
  eventCallback,
  messageChangedEvent,
  messageEvent,
  type PayloadEnv,
  slashCommandForm,
  viewSubmissionPayload,
} from './fake-slack-payloads.js';
import { formatTs } from './fake-slack-state.js';
import { signSlackRequest } from './signing.js';

/** The fake to act in, the bot to send to, and the secret to sign with. */
export interface SlackDriverOptions {
  fake: FakeSlack;
  /** Full URL of the bot's `POST /slack/events`. */
  botUrl: string;
  signingSecret: string;
  teamId?: string;
  /** The legacy verification token put in payloads (Bolt ignores it). */
  verificationToken?: string;
}

/** Per-request knobs for testing rejection: an old timestamp, or a signature made with the wrong secret. */
export interface RequestOptions {
  timestampSec?: number;
  badSignature?: boolean;
  /**
   * Called as the signed request leaves for the bot, after the payload is built and signed (Slack's side of a
   * click): a benchmark times the bot from here.
   */
  onSend?: () => void;
}

/** The bot's HTTP answer; `json` when the body parses as JSON. */
export interface DriverResponse {
  status: number;
  body: string;
  json?: unknown;
}

/** The answer to an event, with its id and a way to deliver the same event again as Slack's retries do. */
export interface EventResponse extends DriverResponse {
  eventId: string;
  event: Json;
  retry(retryNum: number, options?: RequestOptions): Promise<DriverResponse>;
}

/** The answer to a view submission; `viewErrors` lists what Slack refused in the ack's view, if anything. */
export interface SubmitResponse extends DriverResponse {
  viewErrors?: string[];
}

/** The humans' side of Slack. */
export interface SlackDriver {
  /** `blockId` picks the block when several hold the same action_id (a digest lists several tokens' buttons). */
  clickButton(
    args: { channel: string; ts: string; actionId: string; user: string; blockId?: string },
    options?: RequestOptions,
  ): Promise<DriverResponse>;
  selectOption(
    args: { channel: string; ts: string; actionId: string; user: string; value: string | string[] },
    options?: RequestOptions,
  ): Promise<DriverResponse>;
  /** Clicks (or, with `value`, picks from) an element of the user's published Home. */
  clickHomeButton(
    args: { user: string; actionId: string; value?: string | string[]; blockId?: string },
    options?: RequestOptions,
  ): Promise<DriverResponse>;
  submitView(
    args: { viewId: string; user: string; values?: Record<string, InputValue> },
    options?: RequestOptions,
  ): Promise<SubmitResponse>;
  postMessage(
    args: { channel: string; user: string; text: string; thread_ts?: string },
    options?: RequestOptions,
  ): Promise<EventResponse>;
  postBotMessage(
    args: { channel: string; text: string; thread_ts?: string; bot_id?: string; username?: string },
    options?: RequestOptions,
  ): Promise<EventResponse>;
  editMessage(args: { channel: string; ts: string; text: string }, options?: RequestOptions): Promise<EventResponse>;
  slashCommand(
    args: { user: string; channel: string; text: string; command?: string },
    options?: RequestOptions,
  ): Promise<DriverResponse & { responseUrl: string; triggerId: string }>;
  openHome(user: string, options?: RequestOptions): Promise<EventResponse>;
  /** Wraps any event in an `event_callback` envelope and sends it. */
  sendEvent(event: Json, options?: RequestOptions): Promise<EventResponse>;
  /** Sends a raw body, signed (unless `badSignature`), with the given content type. */
  send(
    rawBody: string,
    contentType: string,
    extraHeaders?: Record<string, string>,
    options?: RequestOptions,
  ): Promise<DriverResponse>;
}

const FORM = 'application/x-www-form-urlencoded';

/** A driver that acts as the humans of `fake` towards the bot at `botUrl`. */
export function createSlackDriver(options: SlackDriverOptions): SlackDriver {
  const { fake, botUrl, signingSecret } = options;
  const env: PayloadEnv = {
    teamId: options.teamId ?? fake.teamId,
    teamDomain: fake.teamDomain,
    appId: fake.appId,
    botUserId: fake.botUserId,
    token: options.verificationToken ?? 'sandboxVerificationToken0',
  };
  let eventCounter = 0;
  const actionTs = () => formatTs(fake.now() * 1000);
  const clone = <T>(v: T): T => structuredClone(v);

  async function send(
    rawBody: string,
    contentType: string,
    extraHeaders: Record<string, string> = {},
    { timestampSec, badSignature = false, onSend }: RequestOptions = {},
  ): Promise<DriverResponse> {
    // Bolt checks the timestamp against the real clock, so signatures use wall time, not the fake's clock.
    const secret = badSignature ? `${signingSecret}-but-wrong` : signingSecret;
    const headers = {
      'content-type': contentType,
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
      ...extraHeaders,
      ...signSlackRequest(secret, rawBody, timestampSec),
    };
    onSend?.();
    const res = await fetch(botUrl, { method: 'POST', headers, body: rawBody });
    const body = await res.text();
    const out: DriverResponse = { status: res.status, body };
    if (body !== '') {
      try {
        out.json = JSON.parse(body);
      } catch {
        // A plain-text ack (Bolt's `ack('text')`) is a valid answer; it simply has no JSON.
      }
    }
    return out;
  }

  const sendPayload = (payload: Json, opts?: RequestOptions) =>
    send(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), FORM, {}, opts);

  function findInMessage(
    channel: string,
    ts: string,
    actionId: string,
    blockId?: string,
  ): { message: SlackMessage; found: FoundElement } {
    const message = fake.message(channel, ts);
    if (!message) throw new Error(`no message ${channel}/${ts} in the fake Slack`);
    const found = findElement(message.blocks, actionId, blockId);
    if (!found) {
      const ids = listActionIds(message.blocks).join(', ') || 'none';
      throw new Error(`message ${channel}/${ts} has no element with action_id "${actionId}" (action_ids: ${ids})`);
    }
    return { message, found };
  }

  async function messageAction(
    args: { channel: string; ts: string; actionId: string; user: string; blockId?: string },
    value: InputValue,
    opts: RequestOptions | undefined,
  ) {
    const { message, found } = findInMessage(args.channel, args.ts, args.actionId, args.blockId);
    const state = buildStateValues(message.blocks);
    const blockState = state[found.blockId];
    if (blockState && value !== undefined) blockState[args.actionId] = elementState(found.element, value);
    const threadTs = message.thread_ts && message.thread_ts !== message.ts ? message.thread_ts : undefined;
    const responseUrl = fake.createResponseUrl({
      channel: args.channel,
      user: args.user,
      message_ts: message.ts,
      ...(threadTs ? { thread_ts: threadTs } : {}),
    });
    const payload = blockActionsPayload(env, {
      user: fake.user(args.user),
      source: {
        kind: 'message',
        channel: { id: args.channel, name: fake.channelName(args.channel) },
        message: clone(message),
        responseUrl,
        state,
      },
      triggerId: fake.issueTriggerId(args.user),
      action: buildAction(found, actionTs(), value),
    });
    return sendPayload(payload, opts);
  }

  async function sendEvent(event: Json, opts?: RequestOptions): Promise<EventResponse> {
    eventCounter += 1;
    const eventId = `Ev${eventCounter.toString(36).toUpperCase().padStart(4, '0')}${randomBytes(3).toString('hex').toUpperCase()}`;
    const body = JSON.stringify(eventCallback(env, { event, eventId, eventTime: Math.floor(fake.now() / 1000) }));
    const res = await send(body, 'application/json', {}, opts);
    return {
      ...res,
      eventId,
      event,
      retry: (retryNum, retryOpts) =>
        send(
          body,
          'application/json',
          { 'x-slack-retry-num': String(retryNum), 'x-slack-retry-reason': 'http_timeout' },
          retryOpts,
        ),
    };
  }

  return {
    send,
    sendEvent,

    async clickButton(args, opts) {
      const { found } = findInMessage(args.channel, args.ts, args.actionId, args.blockId);
      if (found.element.type !== 'button') {
        throw new Error(`"${args.actionId}" is a ${String(found.element.type)}, not a button: use selectOption`);
      }
      return messageAction(args, undefined, opts);
    },

    async selectOption(args, opts) {
      return messageAction(args, args.value, opts);
    },

    async clickHomeButton(args, opts) {
      const view = fake.homeView(args.user);
      if (!view) throw new Error(`${args.user} has no published Home in the fake Slack`);
      const found = findElement(view.blocks, args.actionId, args.blockId);
      if (!found) {
        const ids = listActionIds(view.blocks).join(', ') || 'none';
        throw new Error(
          `the Home of ${args.user} has no element with action_id "${args.actionId}"${args.blockId ? ` in block ${args.blockId}` : ''} (action_ids: ${ids})`,
        );
      }
      const state = buildStateValues(view.blocks);
      const blockState = state[found.blockId];
      if (blockState && args.value !== undefined) blockState[args.actionId] = elementState(found.element, args.value);
      const payload = blockActionsPayload(env, {
        user: fake.user(args.user),
        source: { kind: 'view', view: { ...clone(view), state: { values: state } } },
        triggerId: fake.issueTriggerId(args.user),
        action: buildAction(found, actionTs(), found.element.type === 'button' ? undefined : args.value),
      });
      return sendPayload(payload, opts);
    },

    async submitView(args, opts) {
      const record = fake.views.get(args.viewId);
      if (record?.kind !== 'modal') throw new Error(`no modal ${args.viewId} in the fake Slack`);
      if (!record.open) throw new Error(`modal ${args.viewId} is closed: it cannot be submitted`);
      const values = buildStateValues(record.view.blocks, args.values ?? {});
      const payload = viewSubmissionPayload(env, {
        user: fake.user(args.user),
        view: { ...clone(record.view), state: { values } },
        triggerId: fake.issueTriggerId(args.user),
      });
      const res: SubmitResponse = await sendPayload(payload, opts);
      if (res.status !== 200) return res;
      // Slack acts on the ack: an empty one closes the modal, a response_action changes it.
      const viewErrors = fake.receiveViewAck(args.viewId, res.json ?? (res.body === '' ? undefined : res.body));
      if (viewErrors.length > 0) res.viewErrors = viewErrors;
      return res;
    },

    async postMessage(args, opts) {
      const message = fake.addMessage(args.channel, {
        user: args.user,
        text: args.text,
        ...(args.thread_ts ? { thread_ts: args.thread_ts } : {}),
      });
      return sendEvent(messageEvent(clone(message), fake.channelId(args.channel)), opts);
    },

    async postBotMessage(args, opts) {
      const message = fake.addMessage(args.channel, {
        bot_id: args.bot_id ?? 'B0OTHERBOT',
        text: args.text,
        ...(args.username ? { username: args.username } : {}),
        ...(args.thread_ts ? { thread_ts: args.thread_ts } : {}),
      });
      return sendEvent(messageEvent(clone(message), fake.channelId(args.channel)), opts);
    },

    async editMessage(args, opts) {
      const { previous, message } = fake.editMessage(args.channel, args.ts, args.text);
      const edited = isObj(message.edited) ? String(message.edited.ts) : actionTs();
      return sendEvent(messageChangedEvent(clone(message), previous, args.channel, edited), opts);
    },

    async slashCommand(args, opts) {
      const channel = fake.channelId(args.channel);
      const responseUrl = fake.createResponseUrl({ channel, user: args.user });
      const triggerId = fake.issueTriggerId(args.user);
      const form = slashCommandForm(env, {
        user: fake.user(args.user),
        channel: { id: channel, name: fake.channelName(channel) },
        command: args.command ?? '/rodizio',
        text: args.text,
        responseUrl,
        triggerId,
      });
      const res = await send(form.toString(), FORM, {}, opts);
      // Slack shows a non-empty ack to the user: plain text, or a message body with an optional response_type.
      if (res.status === 200 && res.body !== '') {
        fake.receiveResponse(responseUrl, isObj(res.json) ? res.json : { text: res.body }, 'ack');
      }
      return { ...res, responseUrl, triggerId };
    },

    async openHome(user, opts) {
      const view = fake.homeView(user);
      const event: Json = { type: 'app_home_opened', user, channel: fake.dmChannel(user), tab: 'home' };
      if (view) event.view = clone(view);
      event.event_ts = actionTs();
      return sendEvent(event, opts);
    },
  };
}
