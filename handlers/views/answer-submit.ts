import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { ModalOrigin } from '../../blocks/answer-modal.js';
import { BlockId, INPUT_ACTION_ID } from '../../blocks/ids.js';
import { parseFormAnswer } from '../../src/domain/answer-schema.js';
import type { HandlerDeps } from '../deps.js';
import { outcomeText } from '../tell.js';

type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;
type StateValue = { value?: string | null; selected_option?: { value: string } | null };

function inputValue(values: Record<string, Record<string, StateValue>>, blockId: string): string | undefined {
  const v = values[blockId]?.[INPUT_ACTION_ID];
  return v?.selected_option?.value ?? v?.value ?? undefined;
}

/**
 * The answer modal was submitted: check the form against the token's schema (errors go back inline, the
 * modal stays open), then answer the token. Anything that stops the answer is shown on the first input.
 */
export function createAnswerSubmitHandler(deps: HandlerDeps) {
  return async ({ ack, body, view }: ViewArgs): Promise<void> => {
    let origin: ModalOrigin | undefined;
    try {
      origin = JSON.parse(view.private_metadata) as ModalOrigin;
    } catch {
      origin = undefined;
    }
    const token = origin ? deps.purgatory.find(origin.token_id) : undefined;
    const values = view.state.values as Record<string, Record<string, StateValue>>;
    const firstBlock = Object.keys(values)[0] ?? BlockId.freeText;
    if (!token) {
      await ack({ response_action: 'errors', errors: { [firstBlock]: 'This request no longer exists.' } });
      return;
    }

    let input: unknown;
    if (token.answer_schema) {
      const raw = Object.fromEntries(
        Object.keys(token.answer_schema.properties).map((name) => [name, inputValue(values, BlockId.field(name))]),
      );
      const parsed = parseFormAnswer(token.answer_schema, raw);
      if (!parsed.ok) {
        const errors = Object.fromEntries(
          Object.entries(parsed.errors).map(([name, msg]) => [BlockId.field(name), msg]),
        );
        await ack({ response_action: 'errors', errors });
        return;
      }
      input = parsed.value;
    } else {
      const text = inputValue(values, BlockId.freeText)?.trim();
      if (!text) {
        await ack({ response_action: 'errors', errors: { [BlockId.freeText]: 'Type an answer.' } });
        return;
      }
      input = text;
    }

    const user = body.user.id;
    deps.directory.rememberName(user, body.user.name);
    const outcome = await deps.answers.answer({
      tokenId: token.id,
      user,
      userName: body.user.name,
      via: 'form',
      input,
      isOption: typeof input === 'string' && token.options.includes(input),
    });
    const text = outcomeText(outcome);
    if (text) await ack({ response_action: 'errors', errors: { [firstBlock]: text.slice(0, 2000) } });
    else await ack();
  };
}
