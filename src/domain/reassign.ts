import { z } from 'zod';
import type { Answerers } from './token.js';

const UserId = z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'must be a Slack user id such as U0123ABCD');
const GroupId = z.string().regex(/^S[A-Z0-9]{2,}$/, 'must be a Slack user group id such as S0123ABCD');
const ChannelId = z.string().regex(/^[CG][A-Z0-9]{2,}$/, 'must be a Slack channel id such as C0123ABCD');

/** Where a pending token goes: exactly one person, user group or channel. */
export const ReassignTarget = z
  .strictObject({ user: UserId.optional(), group: GroupId.optional(), channel: ChannelId.optional() })
  .refine((t) => [t.user, t.group, t.channel].filter((v) => v !== undefined).length === 1, {
    message: 'give exactly one of user, group or channel',
  });
export type ReassignTarget = z.infer<typeof ReassignTarget>;

/** `POST /v1/tokens/:id/reassign`. `by` names who asked (default: the calling runner). */
export const ReassignBody = z.strictObject({
  to: ReassignTarget,
  note: z.string().trim().max(1000).optional(),
  by: z.string().min(1).max(100).optional(),
});
export type ReassignBody = z.input<typeof ReassignBody>;
export type ParsedReassignBody = z.output<typeof ReassignBody>;

/** Who may answer, and where the card is, before or after a reassignment (the `reassigned` event's from/to). */
export interface Placement {
  /** The token's own list; null: its project's, else anyone in the channel. */
  answerers: Answerers | null;
  /** The card's channel; null: the project's or the default channel, not chosen yet. */
  channel: string | null;
}

/**
 * The answerers a target gives the token. A person or group answers alone; a channel move clears the list
 * (explicitly empty, so a project's list does not come back) so that anyone in the new channel may answer.
 */
export function targetAnswerers(target: ReassignTarget): Answerers {
  if (target.user) return { users: [target.user], groups: [] };
  if (target.group) return { users: [], groups: [target.group] };
  return { users: [], groups: [] };
}

/** The target as a Slack mention: `<@U…>`, `<!subteam^S…>` or `<#C…>`. */
export function targetMention(target: ReassignTarget): string {
  if (target.user) return `<@${target.user}>`;
  if (target.group) return `<!subteam^${target.group}>`;
  return `<#${target.channel}>`;
}
