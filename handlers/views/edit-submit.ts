import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { z } from 'zod';
import { editModeOf, impliedOption } from '../../blocks/edit-modal.js';
import { BlockId, INPUT_ACTION_ID } from '../../blocks/ids.js';
import type { Token } from '../../src/domain/token.js';
import { stableStringify } from '../../src/json.js';
import { type IntakeProcessor, intakeKind } from '../../src/slack/intake.js';
import type { HandlerDeps } from '../deps.js';
import { viewKey } from '../intake-keys.js';
import { answerFromForm, outcomeText } from '../tell.js';
import { viewOrigin } from '../view-origin.js';

type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;
type StateValues = ViewSubmitAction['view']['state']['values'];
type Json = z.infer<ReturnType<typeof z.json>>;

/** What the Edit… modal carries in `private_metadata` (written by blocks/edit-modal.ts). */
const EditOrigin = z.object({
  token_id: z.string().min(1),
  channel: z.string().nullish(),
  ts: z.string().nullish(),
  mode: z.enum(['text', 'json', 'command']),
});
type EditOrigin = z.infer<typeof EditOrigin>;

/** A submitted edit: the answer it goes with and the edited value (absent when the person changed nothing). */
export const EditAnswer = intakeKind(
  'edit_answer',
  z.object({
    token_id: z.string().min(1),
    user: z.string().min(1),
    user_name: z.string().nullable(),
    input: z.json(),
    is_option: z.boolean(),
    edited: z.boolean(),
    edited_input: z.json(),
    channel: z.string().nullable(),
  }),
);
type EditAnswer = z.infer<typeof EditAnswer.schema>;

const isObject = (v: unknown): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The edited value as the agent will get it, or the inline error for the text box; no I/O. */
function readValue(token: Token, mode: EditOrigin['mode'], text: string): { value: Json } | { error: string } {
  if (mode === 'text') return text.trim() ? { value: text } : { error: 'Type the value to send.' };
  if (mode === 'command') {
    if (!text.trim()) return { error: 'Type the command to run.' };
    // Only the command was shown: the rest of the request (its description, timeout) stays as proposed.
    return { value: { ...(isObject(token.proposed_input) ? token.proposed_input : {}), command: text } };
  }
  let value: Json;
  try {
    value = z.json().parse(JSON.parse(text));
  } catch (err) {
    return { error: `This is not JSON: ${(err as Error).message}`.slice(0, 2000) };
  }
  if (token.permission && !isObject(value)) return { error: 'The input must be a JSON object ({…}).' };
  return { value };
}

/** The answer the edit goes with (the implied option, or the one picked), or inline errors; no I/O. */
function readEdit(
  token: Token,
  origin: EditOrigin,
  values: StateValues,
):
  | { payload: Pick<EditAnswer, 'input' | 'is_option' | 'edited' | 'edited_input'> }
  | { errors: Record<string, string> } {
  // The mode the card was rendered with: a token's proposal cannot change, so a mismatch is a forged view.
  if (origin.mode !== editModeOf(token)) return { errors: { [BlockId.editValue]: 'This form is out of date.' } };
  const text = values[BlockId.editValue]?.[INPUT_ACTION_ID]?.value ?? '';
  const read = readValue(token, origin.mode, text);
  const errors: Record<string, string> = {};
  if ('error' in read) errors[BlockId.editValue] = read.error;
  let option = impliedOption(token);
  if (!option && token.options.length > 0) {
    const picked = Number(values[BlockId.editOption]?.[INPUT_ACTION_ID]?.selected_option?.value);
    option = Number.isInteger(picked) ? token.options[picked] : undefined;
    if (option === undefined) errors[BlockId.editOption] = 'Choose the answer that goes with your edit.';
  }
  if ('error' in read || Object.keys(errors).length > 0) return { errors };
  const edited = stableStringify(read.value) !== stableStringify(token.proposed_input);
  // Without options the edited value is the answer itself.
  return {
    payload: {
      input: option ?? read.value,
      is_option: option !== undefined,
      edited,
      edited_input: edited ? read.value : null,
    },
  };
}

/**
 * The Edit… modal was submitted: the value is checked inline (JSON that parses, an object for a permission
 * request, an option picked), then recorded, the modal closes, and the token is answered with the edit.
 */
export function createEditSubmitHandler(deps: HandlerDeps) {
  return async ({ ack, body, view }: ViewArgs): Promise<void> => {
    const user = body.user.id;
    const key = viewKey(view.id, view.hash || user);
    if (await deps.intake.seen(key)) return ack();
    const origin = viewOrigin(view.private_metadata, EditOrigin);
    const token = origin ? await deps.purgatory.find(origin.token_id) : undefined;
    if (!origin || !token) {
      await ack({ response_action: 'errors', errors: { [BlockId.editValue]: 'This request no longer exists.' } });
      return;
    }
    if (token.status !== 'pending') {
      const closed = outcomeText({ kind: 'closed', token }) ?? 'This request is closed.';
      await ack({ response_action: 'errors', errors: { [BlockId.editValue]: closed.slice(0, 2000) } });
      return;
    }
    const read = readEdit(token, origin, view.state.values);
    if ('errors' in read) {
      await ack({ response_action: 'errors', errors: read.errors });
      return;
    }
    const { id, fresh } = await deps.intake.record(EditAnswer, key, {
      ...read.payload,
      token_id: token.id,
      user,
      user_name: body.user.name ?? null,
      channel: origin.channel ?? null,
    });
    await ack();
    if (fresh) await deps.intake.process(id);
  };
}

/** Answers with the recorded edit; says why when nothing changed. */
export function createEditAnswerProcessor(deps: HandlerDeps): IntakeProcessor<EditAnswer> {
  return (edit, ctx) =>
    answerFromForm(deps, ctx, edit, {
      input: edit.input,
      isOption: edit.is_option,
      ...(edit.edited ? { editedInput: edit.edited_input } : {}),
    });
}
