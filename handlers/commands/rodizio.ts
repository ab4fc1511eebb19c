import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { describeAnswer, REASON_DISPLAY, who } from '../../blocks/display.js';
import { SLASH_COMMAND } from '../../blocks/ids.js';
import { escapeMrkdwn, plainLine } from '../../blocks/text.js';
import type { Token } from '../../src/domain/token.js';
import { answerableBy } from '../../src/slack/home.js';
import type { HandlerDeps } from '../deps.js';
import { outcomeText } from '../tell.js';

type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

export const USAGE = [
  `*${SLASH_COMMAND}* — what agents are waiting for`,
  `• \`${SLASH_COMMAND} list\` — open requests you may answer`,
  `• \`${SLASH_COMMAND} show <id>\` — one request in full`,
  `• \`${SLASH_COMMAND} resolve <id> <answer>\` — answer it (an option's text, or anything)`,
  `• \`${SLASH_COMMAND} cancel <id>\` — cancel it; the agent is told`,
].join('\n');

function line(t: Token): string {
  const { icon, label } = REASON_DISPLAY[t.reason];
  return `• \`${t.id}\` ${icon} ${label}: ${escapeMrkdwn(plainLine(t.prompt || '(no prompt)', 120))}`;
}

function details(t: Token): string {
  const { icon, label } = REASON_DISPLAY[t.reason];
  const parts = [
    `${icon} *${label}* \`${t.id}\` — *${t.status}*`,
    escapeMrkdwn(plainLine(t.prompt || '(no prompt)', 2500)),
    t.options.length ? `Options: ${t.options.map((o) => `\`${escapeMrkdwn(plainLine(o, 75))}\``).join(' · ')}` : '',
    `Severity ${t.severity} · runner ${escapeMrkdwn(t.runner)}${t.project ? ` · project ${escapeMrkdwn(t.project)}` : ''}`,
    t.status === 'resolved'
      ? `Answer: ${escapeMrkdwn(describeAnswer(t.human_input))} by ${who(t.answered_by, t.answered_by_name)}`
      : '',
    t.slack ? `Card: ${t.slack.channel} ${t.slack.ts}` : '',
  ];
  return parts.filter(Boolean).join('\n');
}

/** `/rodizio list | show <id> | resolve <id> <answer> | cancel <id>`: every reply is ephemeral. */
export function createRodizioCommandHandler(deps: HandlerDeps) {
  return async ({ ack, command }: CommandArgs): Promise<void> => {
    const text = command.text.trim();
    const [verb = '', id = ''] = text.split(/\s+/);
    const reply = (text: string) => ack({ response_type: 'ephemeral', text });
    const user = command.user_id;
    switch (verb.toLowerCase()) {
      case '':
      case 'help':
        return reply(USAGE);
      case 'list': {
        const { tokens, total } = await answerableBy(deps.purgatory, deps.mayAnswer, user, 20);
        if (tokens.length === 0) return reply('Nothing is waiting for you. 🎉');
        const more = total > tokens.length ? `\n…and ${total - tokens.length} more.` : '';
        return reply(`*Waiting for you (${total}):*\n${tokens.map(line).join('\n')}${more}`);
      }
      case 'show': {
        if (!id) return reply(`Which one? \`${SLASH_COMMAND} show <id>\``);
        const token = deps.purgatory.find(id);
        return reply(token ? details(token) : `No request with id \`${escapeMrkdwn(id)}\`.`);
      }
      case 'resolve': {
        const answer = /^\S+\s+\S+\s+([\s\S]+)$/.exec(text)?.[1]?.trim() ?? '';
        if (!id || !answer) return reply(`Usage: \`${SLASH_COMMAND} resolve <id> <answer>\``);
        const token = deps.purgatory.find(id);
        const option = token?.options.find((o) => o.toLowerCase() === answer.toLowerCase());
        const outcome = await deps.answers.answer({
          tokenId: id,
          user,
          userName: command.user_name,
          via: 'slash_command',
          input: option ?? answer,
          isOption: option !== undefined,
        });
        return reply(
          outcomeText(outcome) ??
            `Answered \`${escapeMrkdwn(id)}\` with *${escapeMrkdwn(option ?? answer)}*. The agent has been told.`,
        );
      }
      case 'cancel': {
        if (!id) return reply(`Usage: \`${SLASH_COMMAND} cancel <id>\``);
        const outcome = await deps.answers.cancel(id, user, 'slash_command');
        return reply(outcomeText(outcome) ?? `Cancelled \`${escapeMrkdwn(id)}\`. The agent has been told.`);
      }
      default:
        return reply(`I don't know "${escapeMrkdwn(plainLine(verb, 40))}".\n${USAGE}`);
    }
  };
}
