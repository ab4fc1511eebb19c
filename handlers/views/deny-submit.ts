import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { z } from 'zod';
import { BlockId, INPUT_ACTION_ID } from '../../blocks/ids.js';
import { type IntakeProcessor, intakeKind } from '../../src/slack/intake.js';
import type { HandlerDeps } from '../deps.js';
import { viewKey } from '../intake-keys.js';
import { answerFromForm, outcomeText } from '../tell.js';
import { viewOrigin } from '../view-origin.js';

type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

const ModalOrigin = z.object({ token_id: z.string().min(1), channel: z.string().nullish(), ts: z.string().nullish() });

/** A submitted Deny: the reason typed (null when none). */
export const DenyAnswer = intakeKind(
  'deny_answer',
  z.object({
    token_id: z.string().min(1),
    user: z.string().min(1),
    user_name: z.string().nullable(),
    message: z.string().nullable(),
    channel: z.string().nullable(),
  }),
);
type DenyAnswer = z.infer<typeof DenyAnswer.schema>;

/** The Deny modal was submitted: recorded, the modal closes, then the request is denied with the reason. */
export function createDenySubmitHandler(deps: HandlerDeps) {
  return async ({ ack, body, view }: ViewArgs): Promise<void> => {
    const user = body.user.id;
    const key = viewKey(view.id, view.hash || user);
    if (await deps.intake.seen(key)) return ack();
    const origin = viewOrigin(view.private_metadata, ModalOrigin);
    const token = origin ? await deps.purgatory.find(origin.token_id) : undefined;
    if (!origin || !token?.permission) {
      await ack({ response_action: 'errors', errors: { [BlockId.denyReason]: 'This request no longer exists.' } });
      return;
    }
    if (token.status !== 'pending') {
      const closed = outcomeText({ kind: 'closed', token }) ?? 'This request is closed.';
      await ack({ response_action: 'errors', errors: { [BlockId.denyReason]: closed.slice(0, 2000) } });
      return;
    }
    const reason = view.state.values[BlockId.denyReason]?.[INPUT_ACTION_ID]?.value?.trim();
    const { id, fresh } = await deps.intake.record(DenyAnswer, key, {
      token_id: token.id,
      user,
      user_name: body.user.name ?? null,
      message: reason ? reason : null,
      channel: origin.channel ?? null,
    });
    await ack();
    if (fresh) await deps.intake.process(id);
  };
}

/** Denies with the recorded reason; says why when nothing changed. */
export function createDenyAnswerProcessor(deps: HandlerDeps): IntakeProcessor<DenyAnswer> {
  return (deny, ctx) =>
    answerFromForm(deps, ctx, deny, {
      input: 'Deny',
      isOption: true,
      ...(deny.message ? { message: deny.message } : {}),
    });
}
