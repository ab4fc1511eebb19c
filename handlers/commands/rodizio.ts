import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { describeAnswer, REASON_DISPLAY, who } from '../../blocks/display.js';
import { renderGrantsReply } from '../../blocks/grants.js';
import { SLASH_COMMAND } from '../../blocks/ids.js';
import { escapeMrkdwn, plainLine } from '../../blocks/text.js';
import type { Token } from '../../src/domain/token.js';
import { ForgeLogin } from '../../src/identity/login.js';
import type { Logger } from '../../src/logger.js';
import { answerableBy } from '../../src/slack/home.js';
import type { HandlerDeps } from '../deps.js';
import { commandKey } from '../intake-keys.js';
import { respondEphemeral } from '../tell.js';
import { ChangeCommand, RESOLVE_USAGE } from './change-command.js';
import { IdentityCommand, linkOutcomeText, linkStatusText } from './link-command.js';

type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

export const USAGE = [
  `*${SLASH_COMMAND}* — what agents are waiting for`,
  `• \`${SLASH_COMMAND} list\` — open requests you may answer`,
  `• \`${SLASH_COMMAND} show <id>\` — one request in full`,
  `• \`${SLASH_COMMAND} resolve <id> <answer>\` — answer it (an option's text, or anything)`,
  `• \`${SLASH_COMMAND} cancel <id>\` — cancel it; the agent is told`,
  `• \`${SLASH_COMMAND} grants\` — standing "Allow for 1 h" grants, with Revoke buttons`,
  `• \`${SLASH_COMMAND} link <github-login>\` — prove which GitHub (or Forgejo) account is yours; \`link\` alone shows it`,
].join('\n');

function line(t: Token): string {
  const { icon, label } = REASON_DISPLAY[t.reason];
  return `• \`${t.id}\` ${icon} ${label}: ${escapeMrkdwn(plainLine(t.prompt || '(no prompt)', 120))}`;
}

/**
 * Where the card is, as a link: Slack's permalink opens the message in any client. Without one (the lookup
 * failed, the card was deleted) the channel is still named, never a raw message ts.
 */
async function cardLink(client: WebClient, card: { channel: string; ts: string }, logger: Logger): Promise<string> {
  try {
    const { permalink } = await client.chat.getPermalink({ channel: card.channel, message_ts: card.ts });
    if (permalink) return `<${permalink}|Open the card> in <#${card.channel}>`;
  } catch (err) {
    logger.info({ err, channel: card.channel }, 'no permalink for the card; naming its channel');
  }
  return `in <#${card.channel}>`;
}

/** `/rodizio show`: one token in full; `card` is where its card is (see cardLink), null when not posted. */
function details(t: Token, card: string | null): string {
  const { icon, label } = REASON_DISPLAY[t.reason];
  const parts = [
    `${icon} *${label}* \`${t.id}\` — *${t.status}*`,
    escapeMrkdwn(plainLine(t.prompt || '(no prompt)', 2500)),
    t.options.length ? `Options: ${t.options.map((o) => `\`${escapeMrkdwn(plainLine(o, 75))}\``).join(' · ')}` : '',
    `Severity ${t.severity} · runner ${escapeMrkdwn(t.runner)}${t.project ? ` · project ${escapeMrkdwn(t.project)}` : ''}`,
    t.status === 'resolved'
      ? `Answer: ${escapeMrkdwn(describeAnswer(t.human_input, 300, t.answer_schema))} by ${who(t.answered_by, t.answered_by_name)}`
      : '',
    card ? `Card: ${card}` : '',
  ];
  return parts.filter(Boolean).join('\n');
}

/** Resolves once I/O callbacks already due have run: work that waits on no I/O has finished by then. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Replies to one command: inside its ack while that is still open, through its response_url afterwards. The
 * ack carries the answer when it is ready at once (no Slack lookup needed), else a holding line, so the ack never
 * waits on a slow `usergroups.users.list`.
 */
function createReplier(ack: CommandArgs['ack'], responseUrl: string, logger: Logger) {
  let acked = false;
  return {
    async respond(text: string): Promise<void> {
      if (acked) return respondEphemeral(responseUrl, text, logger);
      acked = true;
      await ack({ response_type: 'ephemeral', text });
    },
    /**
     * After one turn of the event loop: acks with `holding` unless the answer went out already. Without
     * `holding` the ack is empty (Slack shows nothing) and the answer alone follows.
     */
    async ackSoon(holding?: string): Promise<void> {
      await nextTurn();
      if (acked) return;
      acked = true;
      await (holding ? ack({ response_type: 'ephemeral', text: holding }) : ack());
    },
  };
}

/** `/rodizio list | show <id> | resolve <id> <answer> | cancel <id>`: every reply is ephemeral. */
export function createRodizioCommandHandler(deps: HandlerDeps) {
  return async ({ ack, command, client }: CommandArgs): Promise<void> => {
    const text = command.text.trim();
    const [verb = '', id = ''] = text.split(/\s+/);
    const reply = (text: string) => ack({ response_type: 'ephemeral', text });
    const user = command.user_id;
    const replier = createReplier(ack, command.response_url, deps.logger);

    /** Records a state change before the ack, then processes it (see ChangeCommand). */
    const change = async (payload: Pick<ChangeCommand, 'verb' | 'answer'>): Promise<void> => {
      const recorded = await deps.intake.record(ChangeCommand, commandKey(command.trigger_id), {
        ...payload,
        token_id: id,
        user,
        user_name: command.user_name || null,
        response_url: command.response_url,
      });
      if (!recorded.fresh) return ack();
      const processing = deps.intake.process(recorded.id, { respond: (t) => replier.respond(t) });
      await replier.ackSoon(`Working on \`${escapeMrkdwn(id)}\`…`);
      if ((await processing) === 'failed') {
        await replier.respond(`Something went wrong with \`${escapeMrkdwn(id)}\`; it is logged. Try again.`);
      }
    };

    /** Records an identity step (see IdentityCommand), then processes it like `change`. */
    const identity = async (payload: Pick<IdentityCommand, 'verb' | 'login'>): Promise<void> => {
      const recorded = await deps.intake.record(IdentityCommand, commandKey(command.trigger_id), {
        ...payload,
        user,
        response_url: command.response_url,
      });
      if (!recorded.fresh) return ack();
      const processing = deps.intake.process(recorded.id, { respond: (t) => replier.respond(t) });
      await replier.ackSoon('Checking…');
      if ((await processing) === 'failed') await replier.respond('Something went wrong; it is logged. Try again.');
    };

    switch (verb.toLowerCase()) {
      case 'link': {
        if (!deps.identities) return reply('Linking accounts is not available on this rodizio.');
        if (!id) return reply(await linkStatusText(deps.identities, deps, user));
        if (id.toLowerCase() === 'verify') return identity({ verb: 'verify', login: null });
        const login = ForgeLogin.safeParse(id);
        if (!login.success) return reply(linkOutcomeText({ kind: 'bad_login', input: id }, deps));
        return identity({ verb: 'start', login: login.data });
      }
      case 'unlink':
        return identity({ verb: 'unlink', login: null });
      case '':
      case 'help':
        return reply(USAGE);
      case 'list': {
        // Read-only, but who may answer can take a user group lookup: answered like a change, never slower.
        const listing = answerableBy(deps.purgatory, deps.mayAnswer, user, 20).then(({ tokens, total }) => {
          if (tokens.length === 0) return 'Nothing is waiting for you. 🎉';
          const more = total > tokens.length ? `\n…and ${total - tokens.length} more.` : '';
          return `*Waiting for you (${total}):*\n${tokens.map(line).join('\n')}${more}`;
        });
        const sent = listing.then((t) => replier.respond(t));
        await replier.ackSoon('Looking…');
        return sent;
      }
      case 'show': {
        if (!id) return reply(`Which one? \`${SLASH_COMMAND} show <id>\``);
        const token = await deps.purgatory.find(id);
        if (!token) return reply(`No request with id \`${escapeMrkdwn(id)}\`.`);
        const card = token.slack;
        if (!card) return reply(details(token, null));
        // The link takes a Slack call, which never delays the ack: the details follow within a moment, alone.
        const sent = cardLink(client, card, deps.logger).then((link) => replier.respond(details(token, link)));
        await replier.ackSoon();
        return sent;
      }
      case 'resolve': {
        const answer = /^\S+\s+\S+\s+([\s\S]+)$/.exec(text)?.[1]?.trim() ?? '';
        if (!id || !answer) return reply(RESOLVE_USAGE);
        return change({ verb: 'resolve', answer });
      }
      case 'grants':
        // One indexed read, no Slack call: the list fits in the ack.
        return ack({ response_type: 'ephemeral', ...renderGrantsReply(await deps.purgatory.liveGrants()) });
      case 'cancel': {
        if (!id) return reply(`Usage: \`${SLASH_COMMAND} cancel <id>\``);
        return change({ verb: 'cancel', answer: null });
      }
      default:
        return reply(`I don't know "${escapeMrkdwn(plainLine(verb, 40))}".\n${USAGE}`);
    }
  };
}
