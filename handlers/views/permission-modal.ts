import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { z } from 'zod';
import type { Token } from '../../src/domain/token.js';
import type { HandlerDeps } from '../deps.js';
import { viewKey } from '../intake-keys.js';
import { outcomeText } from '../tell.js';
import { viewOrigin } from '../view-origin.js';

export type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/** Which card a permission modal (Deny…, Allow for…) was opened from. */
export const ModalOrigin = z.object({
  token_id: z.string().min(1),
  channel: z.string().nullish(),
  ts: z.string().nullish(),
});
export type ModalOrigin = z.infer<typeof ModalOrigin>;

/** A submitted permission modal whose request is still pending, with the intake key of this submission. */
export interface OpenPermissionModal {
  key: string;
  user: string;
  origin: ModalOrigin;
  token: Token;
}

/**
 * The shared first half of the Deny… and Allow for… submissions: a repeat submission is acked silently, and a
 * request that is gone or closed keeps the modal open with the reason next to `errorBlock`. Returns undefined
 * once it has acked.
 */
export async function openPermissionModal(
  deps: HandlerDeps,
  { ack, body, view }: ViewArgs,
  errorBlock: string,
): Promise<OpenPermissionModal | undefined> {
  const user = body.user.id;
  const key = viewKey(view.id, view.hash || user);
  if (await deps.intake.seen(key)) {
    await ack();
    return undefined;
  }
  const origin = viewOrigin(view.private_metadata, ModalOrigin);
  const token = origin ? await deps.purgatory.find(origin.token_id) : undefined;
  if (!origin || !token?.permission) {
    await ack({ response_action: 'errors', errors: { [errorBlock]: 'This request no longer exists.' } });
    return undefined;
  }
  if (token.status !== 'pending') {
    const closed = outcomeText({ kind: 'closed', token }) ?? 'This request is closed.';
    await ack({ response_action: 'errors', errors: { [errorBlock]: closed.slice(0, 2000) } });
    return undefined;
  }
  return { key, user, origin, token };
}
