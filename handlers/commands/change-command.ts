import { z } from 'zod';
import { SLASH_COMMAND } from '../../blocks/ids.js';
import { endSentence, escapeMrkdwn } from '../../blocks/text.js';
import { type IntakeProcessor, intakeKind } from '../../src/slack/intake.js';
import type { HandlerDeps } from '../deps.js';
import { intakeResult, outcomeText, respondEphemeral } from '../tell.js';

/** `/rodizio resolve <id> <answer>` or `/rodizio cancel <id>`: the subcommands that change state. */
export const ChangeCommand = intakeKind(
  'command',
  z.object({
    verb: z.enum(['resolve', 'cancel']),
    token_id: z.string().min(1),
    /** The answer as typed (resolve only). */
    answer: z.string().nullable(),
    user: z.string().min(1),
    user_name: z.string().nullable(),
    /** Where the reply goes once the command's own response is gone (after its ack, or after a restart). */
    response_url: z.string().min(1),
  }),
);
export type ChangeCommand = z.infer<typeof ChangeCommand.schema>;

export const RESOLVE_USAGE = `Usage: \`${SLASH_COMMAND} resolve <id> <answer>\``;

/** Answers or cancels the token, and replies with what happened. */
export function createChangeCommandProcessor(deps: HandlerDeps): IntakeProcessor<ChangeCommand> {
  return async (c, ctx) => {
    const retry = ctx.attempt > 1;
    const id = escapeMrkdwn(c.token_id);
    let outcome: Awaited<ReturnType<HandlerDeps['answers']['answer']>>;
    let success: string;
    if (c.verb === 'resolve') {
      const answer = c.answer ?? '';
      const option = (await deps.purgatory.find(c.token_id))?.options.find(
        (o) => o.toLowerCase() === answer.toLowerCase(),
      );
      outcome = await deps.answers.answer({
        tokenId: c.token_id,
        user: c.user,
        userName: c.user_name,
        via: 'slash_command',
        input: option ?? answer,
        isOption: option !== undefined,
        retry,
      });
      success = `${endSentence(`Answered \`${id}\` with *${escapeMrkdwn(option ?? answer)}*`)} The agent has been told.`;
    } else {
      outcome = await deps.answers.cancel(c.token_id, c.user, 'slash_command', retry);
      success = `Cancelled \`${id}\`. The agent has been told.`;
    }
    const text = outcomeText(outcome) ?? success;
    if (ctx.respond) await ctx.respond(text);
    else await respondEphemeral(c.response_url, text, ctx.logger);
    return intakeResult(outcome);
  };
}
