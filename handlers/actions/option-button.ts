import type {
  AllMiddlewareArgs,
  BlockAction,
  ButtonAction,
  SlackActionMiddlewareArgs,
  StaticSelectAction,
} from '@slack/bolt';
import { z } from 'zod';
import { decodeOptionValue } from '../../blocks/ids.js';
import { type IntakeProcessor, intakeKind } from '../../src/slack/intake.js';
import type { HandlerDeps } from '../deps.js';
import { actionKey } from '../intake-keys.js';
import { intakeResult, outcomeText, tell } from '../tell.js';

type OptionArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction | StaticSelectAction>> & AllMiddlewareArgs;

/** An option chosen on a card or in App Home: what answering needs, also after a restart. */
export const OptionClick = intakeKind(
  'option',
  z.object({
    token_id: z.string().min(1),
    option: z.string(),
    user: z.string().min(1),
    user_name: z.string().nullable(),
    channel: z.string().nullable(),
    trigger_id: z.string().nullable(),
    from_home: z.boolean(),
    /** The commit the card showed (github_ref tokens); absent in clicks recorded before it existed. */
    sha: z.string().optional(),
  }),
);
type OptionClick = z.infer<typeof OptionClick.schema>;

/**
 * An option button (or the select menu of a card with many options): recorded, acked, then answers the token
 * with that option — or records a vote toward its quorum. A button naming no known token or option is refused
 * before anything is recorded.
 */
export function createOptionHandler(deps: HandlerDeps) {
  return async ({ ack, body, action, client, logger }: OptionArgs): Promise<void> => {
    const value = action.type === 'static_select' ? action.selected_option?.value : action.value;
    const decoded = value ? decodeOptionValue(value) : undefined;
    const token = decoded ? await deps.purgatory.find(decoded.tokenId) : undefined;
    const option = decoded && token ? token.options[decoded.index] : undefined;
    const user = body.user.id;
    if (!decoded || option === undefined) {
      await ack();
      logger.warn({ action_id: action.action_id }, 'option click without a known token or option');
      const place = { userId: user, channel: body.channel?.id, triggerId: body.trigger_id };
      await tell(
        client,
        place,
        'This button does not belong to a request rodizio knows. Nothing changed.',
        deps.logger,
      );
      return;
    }
    const where = body.message?.ts ?? body.view?.id ?? 'unknown';
    const { id, fresh } = await deps.intake.record(
      OptionClick,
      actionKey({ actionId: action.action_id, where, user, actionTs: action.action_ts }),
      {
        token_id: decoded.tokenId,
        option,
        user,
        user_name: body.user.name ?? body.user.username ?? null,
        channel: body.channel?.id ?? null,
        trigger_id: body.trigger_id ?? null,
        from_home: body.container?.type === 'view',
        ...(decoded.sha ? { sha: decoded.sha } : {}),
      },
    );
    if (!fresh) return ack();
    // The click is recorded: processing starts first, and the ack is written on the next turn of the event loop,
    // while the answer's first statement is already on its way to the database.
    const processing = deps.intake.process(id, { token });
    await new Promise<void>((resolve) => setImmediate(resolve));
    await ack();
    await processing;
  };
}

/** Answers (or votes) with the recorded option and tells the person when nothing changed and why. */
export function createOptionProcessor(deps: HandlerDeps): IntakeProcessor<OptionClick> {
  return async (click, ctx) => {
    deps.directory.rememberName(click.user, click.user_name ?? undefined);
    const outcome = await deps.answers.answer({
      tokenId: click.token_id,
      user: click.user,
      userName: click.user_name,
      via: 'button',
      input: click.option,
      isOption: true,
      sha: click.sha,
      retry: ctx.attempt > 1,
      ...(ctx.token ? { seen: ctx.token } : {}),
    });
    const text = outcomeText(outcome);
    const place = { userId: click.user, channel: click.channel ?? undefined, triggerId: click.trigger_id ?? undefined };
    if (text) await tell(ctx.client, place, text, ctx.logger);
    if (click.from_home) await deps.publishHome(ctx.client, click.user);
    return intakeResult(outcome);
  };
}
