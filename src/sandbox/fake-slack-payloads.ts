/**
 * The requests Slack sends to an app, as pure builders: interactivity payloads (`block_actions`, `view_submission`),
 * Events API envelopes and their events, and slash command forms. Field order follows Slack's own payloads.
 */
import type { Json } from './fake-slack-blocks.js';
import type { SlackMessage } from './fake-slack-state.js';
import type { FakeUser } from './fake-slack-users.js';

/** Who the app is and where it is installed: the fields every payload repeats. */
export interface PayloadEnv {
  teamId: string;
  teamDomain: string;
  appId: string;
  botUserId: string;
  /** The legacy verification token Slack still puts in every payload. */
  token: string;
}

/** `user` in interactivity payloads. */
export function userRef(env: PayloadEnv, user: FakeUser): Json {
  return { id: user.id, username: user.name, name: user.name, team_id: env.teamId };
}

/** Where a `block_actions` came from: a message in a channel, or a view (modal or Home). */
export type ActionSource =
  | { kind: 'message'; channel: { id: string; name: string }; message: SlackMessage; responseUrl: string; state: Json }
  | { kind: 'view'; view: Json };

/** A `block_actions` payload for one action. */
export function blockActionsPayload(
  env: PayloadEnv,
  args: { user: FakeUser; source: ActionSource; triggerId: string; action: Json },
): Json {
  const { source } = args;
  const head = { type: 'block_actions', user: userRef(env, args.user), api_app_id: env.appId, token: env.token };
  const team = { team: { id: env.teamId, domain: env.teamDomain }, enterprise: null, is_enterprise_install: false };
  if (source.kind === 'view') {
    const container = { type: 'view', view_id: source.view.id };
    return { ...head, container, trigger_id: args.triggerId, ...team, view: source.view, actions: [args.action] };
  }
  const { message, channel } = source;
  const container: Json = { type: 'message', message_ts: message.ts, channel_id: channel.id, is_ephemeral: false };
  // A reply's container names its thread; a parent's own thread_ts equals its ts and is left out.
  if (message.thread_ts && message.thread_ts !== message.ts) container.thread_ts = message.thread_ts;
  return {
    ...head,
    container,
    trigger_id: args.triggerId,
    ...team,
    channel,
    message,
    state: { values: source.state },
    response_url: source.responseUrl,
    actions: [args.action],
  };
}

/** A `view_submission` payload: `view` already carries the submitted `state.values`. */
export function viewSubmissionPayload(env: PayloadEnv, args: { user: FakeUser; view: Json; triggerId: string }): Json {
  return {
    type: 'view_submission',
    team: { id: env.teamId, domain: env.teamDomain },
    user: userRef(env, args.user),
    api_app_id: env.appId,
    token: env.token,
    trigger_id: args.triggerId,
    view: args.view,
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

/** The Events API envelope around one event. */
export function eventCallback(env: PayloadEnv, args: { event: Json; eventId: string; eventTime: number }): Json {
  return {
    token: env.token,
    team_id: env.teamId,
    context_team_id: env.teamId,
    context_enterprise_id: null,
    api_app_id: env.appId,
    event: args.event,
    type: 'event_callback',
    event_id: args.eventId,
    event_time: args.eventTime,
    authorizations: [
      { enterprise_id: null, team_id: env.teamId, user_id: env.botUserId, is_bot: true, is_enterprise_install: false },
    ],
    is_ext_shared_channel: false,
    event_context: `4-${Buffer.from(`${env.teamId}:${args.eventId}`).toString('base64url')}`,
  };
}

/** `channel_type` from a conversation id, as message events carry it. */
export function channelType(channel: string): 'channel' | 'group' | 'im' {
  return channel.startsWith('D') ? 'im' : channel.startsWith('G') ? 'group' : 'channel';
}

/** A `message` event for a stored message: the message's own fields plus where and when. */
export function messageEvent(message: SlackMessage, channel: string): Json {
  return { ...message, channel, event_ts: message.ts, channel_type: channelType(channel) };
}

/** A `message_changed` event: Slack wraps the new and the previous message and stamps the edit time. */
export function messageChangedEvent(
  message: SlackMessage,
  previous: SlackMessage,
  channel: string,
  editTs: string,
): Json {
  return {
    type: 'message',
    subtype: 'message_changed',
    message,
    previous_message: previous,
    channel,
    hidden: true,
    ts: editTs,
    event_ts: editTs,
    channel_type: channelType(channel),
  };
}

/** The form fields of a slash command, in Slack's order. */
export function slashCommandForm(
  env: PayloadEnv,
  args: {
    user: FakeUser;
    channel: { id: string; name: string };
    command: string;
    text: string;
    responseUrl: string;
    triggerId: string;
  },
): URLSearchParams {
  return new URLSearchParams({
    token: env.token,
    team_id: env.teamId,
    team_domain: env.teamDomain,
    channel_id: args.channel.id,
    channel_name: args.channel.name,
    user_id: args.user.id,
    user_name: args.user.name,
    command: args.command,
    text: args.text,
    api_app_id: env.appId,
    is_enterprise_install: 'false',
    response_url: args.responseUrl,
    trigger_id: args.triggerId,
  });
}
