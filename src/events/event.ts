import { z } from 'zod';
import type { FeedRow } from '../store/event-feed.js';
import { formatIsoTime } from '../time.js';

/** An event type name as filters and subscriptions accept it: lowercase, digits, `_`, `:`, `.`, `-`. */
export const EventTypeName = z
  .string()
  .regex(/^[a-z][a-z0-9_:.-]{0,63}$/, 'an event type is lowercase letters, digits, "_", ":", "." or "-" (≤ 64)');

/** `POST /v1/subscriptions` body; also one entry of `runners.<name>.subscriptions` in the config file. */
export const SubscriptionInput = z.strictObject({
  url: z
    .string()
    .min(1)
    .max(2048)
    .refine((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol), 'must be an http:// or https:// URL'),
  /** Event types to deliver; omitted: every type. */
  types: z.array(EventTypeName).min(1).max(100).optional(),
  /** Only events of this project's tokens. */
  project: z.string().min(1).max(100).optional(),
});
export type SubscriptionInput = z.infer<typeof SubscriptionInput>;

/** A feed cursor: the `id` of the last event seen (opaque to clients; today the audit log's sequence number). */
export const Cursor = z.string().regex(/^(0|[1-9]\d{0,14})$/, 'use an event id or next_cursor from the feed');

/** One audit event as the feed, the stream and subscriptions carry it. */
export const FeedEvent = z.object({
  id: z.string().describe('The cursor: pass it as `since` or `Last-Event-ID` to continue after this event'),
  type: z.string().describe('See the event table'),
  token_id: z.string().nullable().describe('null for events about the store itself (gc, phase_failed): admin only'),
  at: z.string().describe('ISO 8601 UTC time of the change'),
  actor: z.string().nullable().describe('Who caused it: a runner, a Slack user id, `rodizio` for sweeps'),
  data: z.record(z.string(), z.unknown()).describe('The payload of this type (see the event table)'),
  project: z.string().nullable(),
  runner: z.string().nullable().describe("The token's runner"),
});
export type FeedEvent = z.infer<typeof FeedEvent>;

/** What a subscription delivery POSTs: the event plus the subscription it matched. */
export const SubscriptionDelivery = FeedEvent.extend({ subscription_id: z.string() });
export type SubscriptionDelivery = z.infer<typeof SubscriptionDelivery>;

/** A row read from the feed as the API shows it. */
export function rowToFeedEvent(row: FeedRow): FeedEvent {
  let data: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(row.data);
    data =
      parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : {};
  } catch {
    data = {};
  }
  return {
    id: String(row.seq),
    type: row.type,
    token_id: row.token_id,
    at: formatIsoTime(row.at_ms),
    actor: row.actor,
    data,
    project: row.project,
    runner: row.runner,
  };
}

/**
 * The audit events rodizio writes: name, when, and the keys of `data`. The README table and the OpenAPI
 * description are generated from this list; a type not listed here still flows through the feed.
 */
export const EVENT_TYPES: { name: string; when: string; data: string }[] = [
  { name: 'ejected', when: 'A token was created (API, SDK, phase file, CLI)', data: '`reason`, `severity`' },
  {
    name: 'imported',
    when: 'A token came in through `rodizio import` / `POST /v1/import`',
    data: '`as` (`live` or `history`), `runner`, `status`, the terminal time',
  },
  {
    name: 'patched',
    when: "A pending token's deadline, escalation, severity, prompt or options changed",
    data: '`changes`: `{field: {from, to}}`',
  },
  { name: 'approval', when: 'One vote on a token that needs several approvals', data: '`option`, `count`, `needed`' },
  { name: 'claimed', when: 'Somebody clicked "I\'m on it"', data: '`until_ms`' },
  { name: 'claim_ended', when: 'A claim lapsed without an answer', data: '`user`' },
  {
    name: 'snoozed',
    when: 'Somebody chose Snooze on the card: its reminders pause for everyone (not the deadline)',
    data: '`until`, `until_ms`, `choice` (`1h` or `tomorrow`), `time_zone`',
  },
  {
    name: 'snooze_ended',
    when: 'A snooze ran out (actor `rodizio`) or somebody chose "Resume reminders"',
    data: '`user` (who had snoozed)',
  },
  {
    name: 'quiet_held',
    when: "The project's quiet hours held a reminder, or the deadline's escalation, until they end",
    data: '`what` (`reminder` or `escalation`), `until`, `until_ms`, `time_zone`',
  },
  { name: 'note', when: 'A thread reply was kept for the reentry', data: '`length`' },
  {
    name: 'note:<key>',
    when: 'rodizio said something once in the thread (`note:tmux_missing`, `note:dead:<job>`)',
    data: '—',
  },
  { name: 'warned', when: 'The deadline is near', data: '`deadline`' },
  { name: 'reminded', when: 'Re-notified after the reminder interval', data: '`waited_ms`' },
  { name: 'escalated', when: 'Deadline passed (or the escalate policy fired): escalated to on-call', data: '`target`' },
  { name: 'github_blocked', when: 'Pending for 24 h: the GitHub issue was labelled `blocked`', data: '`issue`' },
  { name: 'github_unblocked', when: 'The token left pending: the `blocked` label was removed', data: '—' },
  { name: 'github_error', when: 'A GitHub call for the token failed for good', data: '`error`' },
  {
    name: 'ref_moved',
    when: "The branch or pull request of a pending token's `github_ref` moved (webhook or poll)",
    data: '`repo`, `ref`, `from`, `to`, `seen`, `via` (`webhook` or `poll`), `votes_cleared`?',
  },
  {
    name: 'guidance_queued',
    when: 'A thread reply for a tmux-session agent was queued (a phase escalation, or a Claude Code notification card)',
    data: '`session`, `pane` (Claude Code)',
  },
  {
    name: 'grant_created',
    when: '"Allow for…" on a permission card recorded a standing grant',
    data: '`grant_id`, `runner`, `tool`, `scope`, `value`, `expires_at`',
  },
  {
    name: 'grant_revoked',
    when: 'A standing grant was revoked (App Home, `/rodizio grants`)',
    data: '`grant_id`, `runner`, `tool`, `scope`, `value`, `expires_at`, `uses`',
  },
  {
    name: 'resolved',
    when: 'Answered (button, form, thread, CLI, API, quorum)',
    data: '`via`, `human_input`, `approvals`?',
  },
  { name: 'cancelled', when: 'Cancelled by its runner, the admin or the CLI', data: '`reason`?' },
  { name: 'expired', when: 'Voided at its deadline (expiry policy `expire`) or by `rodizio void`', data: '—' },
  { name: 'redelivery', when: '`rodizio redeliver` queued the reentry again', data: '`target`' },
  {
    name: 'delivery_dead',
    when: 'A reentry delivery ran out of retries or was refused',
    data: '`job_id`, `kind`, `error`',
  },
  {
    name: 'subscription_dead',
    when: 'An event delivery to a subscription ran out of retries (never itself delivered to subscriptions)',
    data: '`job_id`, `kind`, `error`',
  },
  { name: 'outbox_dead', when: 'Another side effect (Slack, GitHub) died', data: '`job_id`, `kind`, `error`' },
  { name: 'phase_failed', when: 'A phase file said `PHASE:failed` (no token: admin only)', data: '`ref`, `session`' },
  { name: 'gc', when: 'Old closed tokens were deleted (no token: admin only)', data: '`deleted`, `closed_before`' },
  {
    name: 'audit_anchor',
    when: 'GC removed audit events: what it took out of the hash chain, so `rodizio audit verify` stays green (no token: admin only)',
    data: '`removed`, `tokens`, `first_hash`, `last_hash`, `head_seq`, `head_hash`, `runs`: `[prev_hash, last_hash, count]`…',
  },
];
