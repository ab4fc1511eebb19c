import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { z } from 'zod';
import { BlockId, INPUT_ACTION_ID } from '../../blocks/ids.js';
import { parseFormAnswer } from '../../src/domain/answer-schema.js';
import type { Token } from '../../src/domain/token.js';
import { type IntakeProcessor, intakeKind } from '../../src/slack/intake.js';
import type { HandlerDeps } from '../deps.js';
import { viewKey } from '../intake-keys.js';
import { answerFromForm, outcomeText } from '../tell.js';
import { viewOrigin } from '../view-origin.js';

type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;
type StateValues = ViewSubmitAction['view']['state']['values'];

/** What the answer modal carries in `private_metadata` (written by blocks/answer-modal.ts). */
const ModalOrigin = z.object({
  token_id: z.string().min(1),
  channel: z.string().nullish(),
  ts: z.string().nullish(),
});

/** A submitted answer form, checked against the token's schema before it was recorded. */
export const FormAnswer = intakeKind(
  'answer_form',
  z.object({
    token_id: z.string().min(1),
    user: z.string().min(1),
    user_name: z.string().nullable(),
    // The typed text or the form's object, exactly as the schema check produced it.
    input: z.json(),
    is_option: z.boolean(),
    /** The card's channel, where a refusal found after the modal closed is told; null from App Home. */
    channel: z.string().nullable(),
  }),
);
type FormAnswer = z.infer<typeof FormAnswer.schema>;
type FormInput = FormAnswer['input'];

function inputValue(values: StateValues, blockId: string): string | undefined {
  const v = values[blockId]?.[INPUT_ACTION_ID];
  return v?.selected_option?.value ?? v?.value ?? undefined;
}

/** The form's answer, or the inline errors to send back (block id → message); no I/O. */
function readForm(token: Token, values: StateValues): { input: FormInput } | { errors: Record<string, string> } {
  if (token.answer_schema) {
    const raw = Object.fromEntries(
      Object.keys(token.answer_schema.properties).map((name) => [name, inputValue(values, BlockId.field(name))]),
    );
    const parsed = parseFormAnswer(token.answer_schema, raw);
    if (!parsed.ok) {
      return {
        errors: Object.fromEntries(Object.entries(parsed.errors).map(([name, msg]) => [BlockId.field(name), msg])),
      };
    }
    // The schema check builds plain JSON values; parsing again gives them the JSON type the row stores.
    return { input: z.json().parse(parsed.value) };
  }
  const text = inputValue(values, BlockId.freeText)?.trim();
  return text ? { input: text } : { errors: { [BlockId.freeText]: 'Type an answer.' } };
}

/**
 * The answer modal was submitted. What needs no I/O is checked before the ack and goes back inline (the modal
 * stays open): the token exists and is pending, the form fits its schema. Then the answer is recorded, the
 * modal closes, and the answer is processed; a refusal found then (who may answer) is told in the card's channel.
 */
export function createAnswerSubmitHandler(deps: HandlerDeps) {
  return async ({ ack, body, view }: ViewArgs): Promise<void> => {
    const user = body.user.id;
    const key = viewKey(view.id, view.hash || user);
    // A resubmission of a version already taken (the person retried after a slow ack): close, change nothing.
    if (await deps.intake.seen(key)) return ack();
    const origin = viewOrigin(view.private_metadata, ModalOrigin);
    const token = origin ? await deps.purgatory.find(origin.token_id) : undefined;
    const values = view.state.values;
    const firstBlock = Object.keys(values)[0] ?? BlockId.freeText;
    if (!origin || !token) {
      if (!origin) deps.logger.warn({ view_id: view.id }, 'answer modal without readable private_metadata');
      await ack({ response_action: 'errors', errors: { [firstBlock]: 'This request no longer exists.' } });
      return;
    }
    const closed = token.status === 'pending' ? undefined : outcomeText({ kind: 'closed', token });
    if (closed) {
      await ack({ response_action: 'errors', errors: { [firstBlock]: closed.slice(0, 2000) } });
      return;
    }
    const form = readForm(token, values);
    if ('errors' in form) {
      await ack({ response_action: 'errors', errors: form.errors });
      return;
    }

    const { id, fresh } = await deps.intake.record(FormAnswer, key, {
      token_id: token.id,
      user,
      user_name: body.user.name ?? null,
      input: form.input,
      is_option: typeof form.input === 'string' && token.options.includes(form.input),
      channel: origin.channel ?? null,
    });
    await ack();
    if (fresh) await deps.intake.process(id);
  };
}

/** Answers with the recorded form; says why when nothing changed (ephemeral in the card's channel, else a DM). */
export function createFormAnswerProcessor(deps: HandlerDeps): IntakeProcessor<FormAnswer> {
  return (form, ctx) => answerFromForm(deps, ctx, form, { input: form.input, isOption: form.is_option });
}
