import type { Clock } from '../clock.js';
import type { Config, SweepName } from '../config.js';
import type { Logger } from '../logger.js';
import type { Purgatory } from '../purgatory.js';
import { rowToToken, type TokenRow } from '../store/tokens.js';
import { effectivePolicy } from './policy.js';
import { createQuietHolds } from './quiet-hours.js';
import type { FollowupRules } from './rules.js';
import { createSnoozes } from './snooze.js';

const BATCH = 200;

export type SweepResult = Record<string, number>;

/**
 * Runs `act` on every row `next` returns, batch after batch, until a batch is short or brings nothing new —
 * so a token whose action did nothing (somebody answered meanwhile) cannot keep a sweep busy.
 */
async function forEachDue(next: () => Promise<TokenRow[]>, act: (row: TokenRow) => Promise<void>): Promise<number> {
  const seen = new Set<string>();
  for (;;) {
    const rows = (await next()).filter((r) => !seen.has(r.id));
    for (const row of rows) {
      seen.add(row.id);
      await act(row);
    }
    if (rows.length === 0 || rows.length < BATCH) return seen.size;
  }
}

/**
 * The sweeps the scheduler runs. Each reads `now` from the clock, acts at most once per token per rule, and
 * catches up after downtime with a single action (one reminder, not one per missed interval).
 */
export function createSweeps(deps: {
  rules: FollowupRules;
  /** Its `store.followups` picks the due tokens (outside any transaction); the rules act on each in its own. */
  purgatory: Purgatory;
  config: Config;
  clock: Clock;
  logger: Logger;
  /** Polls the refs of pending github_ref tokens (absent without GitHub or with polling off). */
  refs?: { poll(): Promise<SweepResult> };
}): Record<SweepName, () => Promise<SweepResult>> {
  const { rules, purgatory, config, clock } = deps;
  const store = purgatory.store.followups;
  const f = config.followups;
  const quiet = createQuietHolds({ purgatory, config });
  const snoozes = createSnoozes({ purgatory });

  return {
    async deadlines() {
      const now = clock.now();
      const result: SweepResult = { escalated: 0, expired: 0, resolved: 0, warned: 0, claims_ended: 0, held: 0 };
      result.quiet_ended = await quiet.releaseEnded(now);
      await forEachDue(
        () => store.deadlineDue(now, BATCH),
        async (row) => {
          const token = rowToToken(row);
          // Quiet hours hold an escalation (not an expiry or an automatic answer) until they end.
          const until = effectivePolicy(config, token).kind === 'escalate' ? quiet.heldUntil(token, now) : null;
          if (until !== null) {
            if (await quiet.hold(token, until, 'escalation')) result.held = (result.held ?? 0) + 1;
            return;
          }
          const action = await rules.applyDeadline(token);
          if (action !== 'none') result[action] = (result[action] ?? 0) + 1;
        },
      );
      if (f.deadlineWarningMs > 0) {
        await forEachDue(
          () => store.warningDue(now, f.deadlineWarningMs, BATCH),
          async (row) => {
            if (await rules.warn(rowToToken(row), row.deadline_ms ?? now)) result.warned = (result.warned ?? 0) + 1;
          },
        );
      }
      result.claims_ended = await rules.releaseEndedClaims();
      return result;
    },

    async renotify() {
      const now = clock.now();
      const snoozes_ended = await snoozes.releaseEnded(now);
      const quiet_ended = await quiet.releaseEnded(now);
      let reminded = 0;
      let held = 0;
      await forEachDue(
        () => store.reminderDue(now, f.renotifyIntervalMs, BATCH),
        async (row) => {
          const token = rowToToken(row);
          const until = quiet.heldUntil(token, now);
          if (until === null) {
            if (await rules.remind(token, row.received_ms)) reminded++;
          } else if (await quiet.hold(token, until, 'reminder')) held++;
        },
      );
      return { reminded, held, snoozes_ended, quiet_ended };
    },

    async blocked() {
      if (!config.github) return { labelled: 0 };
      let labelled = 0;
      await forEachDue(
        () => store.blockable(clock.now(), f.blockedAfterMs, BATCH),
        async (row) => {
          if (await rules.block(rowToToken(row))) labelled++;
        },
      );
      return { labelled };
    },

    async gc() {
      return { deleted: await purgatory.gc(f.gcRetentionMs), grants_deleted: await purgatory.removeExpiredGrants() };
    },

    async refs() {
      return deps.refs ? deps.refs.poll() : { moved: 0 };
    },
  };
}

export type Sweeps = ReturnType<typeof createSweeps>;
