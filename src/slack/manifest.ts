import { SLASH_COMMAND } from '../../blocks/ids.js';

/** The bot scopes rodizio uses, each for a reason a workspace admin can check. */
export const BOT_SCOPES = [
  'chat:write', // post and update cards, thread replies, ephemeral notices
  'chat:write.public', // post cards in public channels the bot has not joined
  'commands', // the /rodizio slash command
  'channels:history', // thread replies to cards in public channels
  'groups:history', // … in private channels
  'im:history', // … in direct messages
  'mpim:history', // … in group direct messages
  'usergroups:read', // "who may answer" lists that name user groups
  'users:read', // display names for notes and tmux guidance
];

export const BOT_EVENTS = ['app_home_opened', 'message.channels', 'message.groups', 'message.im', 'message.mpim'];

/**
 * A Slack app manifest to paste into https://api.slack.com/apps → "Create New App" → "From a manifest".
 * HTTP mode points events, interactivity and the slash command at `<url>/slack/events`; Socket Mode needs no URL.
 */
export function buildManifest({
  url,
  socketMode,
  name = 'rodizio',
}: {
  url?: string;
  socketMode: boolean;
  name?: string;
}) {
  const endpoint = `${(url ?? 'https://rodizio.example.com').replace(/\/+$/, '')}/slack/events`;
  const http = !socketMode;
  return {
    display_information: {
      name,
      description: 'Agents ask, people answer: approvals and questions from your agents, in Slack.',
      background_color: '#1d3b2a',
    },
    features: {
      app_home: { home_tab_enabled: true, messages_tab_enabled: false, messages_tab_read_only_enabled: false },
      bot_user: { display_name: name, always_online: true },
      slash_commands: [
        {
          command: SLASH_COMMAND,
          ...(http ? { url: endpoint } : {}),
          description: 'List, show, answer or cancel what agents are waiting for',
          usage_hint: 'list | show <id> | resolve <id> <answer> | cancel <id>',
          should_escape: false,
        },
      ],
    },
    oauth_config: { scopes: { bot: BOT_SCOPES } },
    settings: {
      event_subscriptions: { ...(http ? { request_url: endpoint } : {}), bot_events: BOT_EVENTS },
      interactivity: { is_enabled: true, ...(http ? { request_url: endpoint } : {}) },
      org_deploy_enabled: false,
      socket_mode_enabled: socketMode,
      token_rotation_enabled: false,
    },
  };
}
