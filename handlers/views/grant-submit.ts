import type { ViewSubmitAction } from '@slack/bolt';
import { z } from 'zod';
import { GRANT_DURATIONS_MIN } from '../../blocks/grant-modal.js';
import { BlockId, INPUT_ACTION_ID } from '../../blocks/ids.js';
import { truncate } from '../../blocks/text.js';
import { type GrantChoice, GrantScope } from '../../src/domain/grant.js';
import { requestSubject } from '../../src/domain/permission.js';
import type { Token } from '../../src/domain/token.js';
import { type IntakeProcessor, intakeKind } from '../../src/slack/intake.js';
import type { HandlerDeps } from '../deps.js';
import { answerFromForm } from '../tell.js';
import { openPermissionModal, type ViewArgs } from './permission-modal.js';

type StateValues = ViewSubmitAction['view']['state']['values'];

/** A submitted "Allow for…": allow this request and record the grant the person chose. */
export const GrantAnswer = intakeKind(
  'grant_answer',
  z.object({
    token_id: z.string().min(1),
    user: z.string().min(1),
    user_name: z.string().nullable(),
    scope: GrantScope,
    value: z.string().min(1),
    duration_ms: z.int().positive(),
    channel: z.string().nullable(),
  }),
);
type GrantAnswer = z.infer<typeof GrantAnswer.schema>;

const DURATIONS = new Set<number>(GRANT_DURATIONS_MIN.map((min) => min * 60_000));

/** The grant the person chose, or the inline errors; no I/O. */
function readGrant(token: Token, values: StateValues): { grant: GrantChoice } | { errors: Record<string, string> } {
  const input = (blockId: string) => values[blockId]?.[INPUT_ACTION_ID];
  const subject = token.permission ? requestSubject(token.permission) : '';
  const scope = GrantScope.safeParse(input(BlockId.grantScope)?.selected_option?.value);
  const durationMs = Number(input(BlockId.grantDuration)?.selected_option?.value);
  const errors: Record<string, string> = {};
  if (!scope.success) errors[BlockId.grantScope] = 'Choose which requests to allow.';
  if (!DURATIONS.has(durationMs)) errors[BlockId.grantDuration] = 'Choose how long.';
  let value = subject;
  if (scope.success && scope.data === 'prefix') {
    value = input(BlockId.grantValue)?.value ?? '';
    if (value.trim() === '') errors[BlockId.grantValue] = 'Type the prefix: requests starting with it are allowed.';
    else if (!subject.startsWith(value)) {
      errors[BlockId.grantValue] = truncate(`The prefix must be the start of this request: ${subject}`, 2000);
    }
  }
  if (!scope.success || Object.keys(errors).length > 0) return { errors };
  return { grant: { scope: scope.data, value, durationMs } };
}

/**
 * The grant modal was submitted: scope, prefix and length are checked inline, then recorded, the modal closes,
 * and the request is allowed with the grant recorded in the same transaction.
 */
export function createGrantSubmitHandler(deps: HandlerDeps) {
  return async (args: ViewArgs): Promise<void> => {
    const { ack, body, view } = args;
    const open = await openPermissionModal(deps, args, BlockId.grantScope);
    if (!open) return;
    const { key, user, origin, token } = open;
    const read = readGrant(token, view.state.values);
    if ('errors' in read) {
      await ack({ response_action: 'errors', errors: read.errors });
      return;
    }
    const { id, fresh } = await deps.intake.record(GrantAnswer, key, {
      token_id: token.id,
      user,
      user_name: body.user.name ?? null,
      scope: read.grant.scope,
      value: read.grant.value,
      duration_ms: read.grant.durationMs,
      channel: origin.channel ?? null,
    });
    await ack();
    if (fresh) await deps.intake.process(id);
  };
}

/** Allows the request and records the grant; says why when nothing changed. */
export function createGrantAnswerProcessor(deps: HandlerDeps): IntakeProcessor<GrantAnswer> {
  return (g, ctx) =>
    answerFromForm(deps, ctx, g, {
      input: 'Allow',
      isOption: true,
      grant: { scope: g.scope, value: g.value, durationMs: g.duration_ms },
    });
}
