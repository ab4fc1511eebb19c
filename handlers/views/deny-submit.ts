import { z } from 'zod';
import { BlockId, INPUT_ACTION_ID } from '../../blocks/ids.js';
import { type IntakeProcessor, intakeKind } from '../../src/slack/intake.js';
import type { HandlerDeps } from '../deps.js';
import { answerFromForm } from '../tell.js';
import { openPermissionModal, type ViewArgs } from './permission-modal.js';

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
  return async (args: ViewArgs): Promise<void> => {
    const { ack, body, view } = args;
    const open = await openPermissionModal(deps, args, BlockId.denyReason);
    if (!open) return;
    const { key, user, origin, token } = open;
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
