import type {
  AllMiddlewareArgs,
  BlockAction,
  ButtonAction,
  SlackActionMiddlewareArgs,
  StaticSelectAction,
} from '@slack/bolt';
import { decodeOptionValue } from '../../blocks/ids.js';
import type { HandlerDeps } from '../deps.js';
import { outcomeText, tell } from '../tell.js';

type OptionArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction | StaticSelectAction>> & AllMiddlewareArgs;

/**
 * An option button (or the select menu of a card with many options): answers the token with that option —
 * or records a vote toward its quorum — and tells the clicker when nothing changed and why.
 */
export function createOptionHandler(deps: HandlerDeps) {
  return async ({ ack, body, action, client, logger }: OptionArgs): Promise<void> => {
    await ack();
    const value = action.type === 'static_select' ? action.selected_option?.value : action.value;
    const decoded = value ? decodeOptionValue(value) : undefined;
    const token = decoded ? deps.purgatory.find(decoded.tokenId) : undefined;
    const option = decoded && token ? token.options[decoded.index] : undefined;
    const user = body.user.id;
    const place = { userId: user, channel: body.channel?.id, triggerId: body.trigger_id };
    if (!decoded || option === undefined) {
      logger.warn({ action_id: action.action_id }, 'option click without a known token or option');
      await tell(
        client,
        place,
        'This button does not belong to a request rodizio knows. Nothing changed.',
        deps.logger,
      );
      return;
    }
    const userName = body.user.name ?? body.user.username;
    deps.directory.rememberName(user, userName);
    const outcome = await deps.answers.answer({
      tokenId: decoded.tokenId,
      user,
      userName,
      via: 'button',
      input: option,
      isOption: true,
    });
    const text = outcomeText(outcome);
    if (text) await tell(client, place, text, deps.logger);
    if (body.container?.type === 'view') await deps.publishHome(client, user);
  };
}
