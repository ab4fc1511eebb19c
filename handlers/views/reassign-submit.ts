import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { z } from 'zod';
import { BlockId, INPUT_ACTION_ID } from '../../blocks/ids.js';
import { endSentence } from '../../blocks/text.js';
import { ReassignTarget } from '../../src/domain/reassign.js';
import { RodizioError } from '../../src/errors.js';
import { type IntakeProcessor, intakeKind } from '../../src/slack/intake.js';
import type { HandlerDeps } from '../deps.js';
import { viewKey } from '../intake-keys.js';
import { outcomeText, tell } from '../tell.js';
import { viewOrigin } from '../view-origin.js';

type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;
type StateValues = ViewSubmitAction['view']['state']['values'];

/** What the reassign modal carries in `private_metadata` (written by blocks/reassign.ts). */
const ReassignOrigin = z.object({ token_id: z.string().min(1), channel: z.string().nullish() });

/** A submitted reassignment: one target, checked before it was recorded. */
export const ReassignSubmit = intakeKind(
  'reassign',
  z.object({
    token_id: z.string().min(1),
    user: z.string().min(1),
    to: ReassignTarget,
    note: z.string().nullable(),
    /** Where a refusal found after the modal closed is told; null from App Home. */
    channel: z.string().nullable(),
  }),
);
type ReassignSubmit = z.infer<typeof ReassignSubmit.schema>;

function picked(values: StateValues, blockId: string): string | undefined {
  const v = values[blockId]?.[INPUT_ACTION_ID];
  const raw =
    v?.selected_user ?? v?.selected_conversation ?? v?.selected_channel ?? v?.selected_option?.value ?? v?.value;
  return raw?.trim() || undefined;
}

const TARGET_BLOCKS = [BlockId.reassignUser, BlockId.reassignGroup, BlockId.reassignChannel] as const;

/** The one target and the note, or the inline errors to send back (block id → message); no I/O. */
function readModal(
  values: StateValues,
): { to: ReassignTarget; note: string | null } | { errors: Record<string, string> } {
  const [user, group, channel] = TARGET_BLOCKS.map((id) => picked(values, id));
  const given = [user, group, channel].filter((v) => v !== undefined).length;
  if (given !== 1) {
    const message =
      given === 0
        ? 'Choose a person, a user group or a channel.'
        : 'Choose only one: a person, a user group or a channel.';
    return { errors: Object.fromEntries(TARGET_BLOCKS.map((id) => [id, message])) };
  }
  const to = ReassignTarget.safeParse({ user, group, channel });
  if (!to.success) {
    const block = user ? BlockId.reassignUser : group ? BlockId.reassignGroup : BlockId.reassignChannel;
    const what = user ? 'a person' : group ? 'a user group id such as S0123ABCD' : 'a channel (not a direct message)';
    return { errors: { [block]: `Choose ${what}.` } };
  }
  return { to: to.data, note: picked(values, BlockId.reassignNote) ?? null };
}

/**
 * The reassign modal was submitted. Checked before the ack without I/O: the token exists and is pending, exactly
 * one target is given (else inline errors; the modal stays open). Then it is recorded, the modal closes, and the
 * processor checks who may answer and reassigns.
 */
export function createReassignSubmitHandler(deps: HandlerDeps) {
  return async ({ ack, body, view }: ViewArgs): Promise<void> => {
    const user = body.user.id;
    const key = viewKey(view.id, view.hash || user);
    if (await deps.intake.seen(key)) return ack();
    const origin = viewOrigin(view.private_metadata, ReassignOrigin);
    const token = origin ? await deps.purgatory.find(origin.token_id) : undefined;
    if (!origin || !token) {
      await ack({ response_action: 'errors', errors: { [BlockId.reassignUser]: 'This request no longer exists.' } });
      return;
    }
    if (token.status !== 'pending') {
      const closed = outcomeText({ kind: 'closed', token }) ?? 'This request is closed.';
      await ack({ response_action: 'errors', errors: { [BlockId.reassignUser]: closed.slice(0, 2000) } });
      return;
    }
    const form = readModal(view.state.values);
    if ('errors' in form) {
      await ack({ response_action: 'errors', errors: form.errors });
      return;
    }
    const { id, fresh } = await deps.intake.record(ReassignSubmit, key, {
      token_id: token.id,
      user,
      to: form.to,
      note: form.note,
      channel: origin.channel ?? null,
    });
    await ack();
    if (fresh) await deps.intake.process(id);
  };
}

/** Reassigns when the submitter may answer the token; otherwise tells them why and changes nothing. */
export function createReassignProcessor(deps: HandlerDeps): IntakeProcessor<ReassignSubmit> {
  return async (submit, ctx) => {
    const place = { userId: submit.user, channel: submit.channel ?? undefined };
    const token = await deps.purgatory.find(submit.token_id);
    if (!token) {
      await tell(ctx.client, place, 'This request no longer exists.', ctx.logger);
      return 'unchanged';
    }
    if (token.status !== 'pending') {
      await tell(ctx.client, place, outcomeText({ kind: 'closed', token }) ?? 'This request is closed.', ctx.logger);
      return 'unchanged';
    }
    const permission = await deps.mayAnswer(token, submit.user);
    if (!permission.ok) {
      await tell(ctx.client, place, `${endSentence(permission.message)} Nothing changed.`, ctx.logger);
      return 'unchanged';
    }
    try {
      // The person acts for the workspace, not for a runner: like a Slack answer, any token they may answer.
      const result = await deps.purgatory.reassign(
        token.id,
        { to: submit.to, ...(submit.note ? { note: submit.note } : {}), by: submit.user },
        { runner: token.runner, admin: true, via: 'slack' },
      );
      // A retry after a crash finds the target already set: nothing changed the second time, but the first did.
      return result.changed || ctx.attempt > 1 ? 'done' : 'unchanged';
    } catch (err) {
      if (!(err instanceof RodizioError)) throw err;
      await tell(ctx.client, place, `${endSentence(err.message)} Nothing changed.`, ctx.logger);
      return 'unchanged';
    }
  };
}
