import type { Clock } from '../clock.js';
import type { Config, SweepName } from '../config.js';
import type { Logger } from '../logger.js';
import type { Purgatory } from '../purgatory.js';
import type { FollowupStore } from '../store/followups.js';
import { rowToToken, type TokenRow } from '../store/tokens.js';
import type { FollowupRules } from './rules.js';

const BATCH = 200;

export type SweepResult = Record<string, number>;

/**
 * Runs `act` on every row `next` returns, batch after batch, until a batch is short or brings nothing new —
 * so a token whose action did nothing (somebody answered meanwhile) cannot keep a sweep busy.
 */
function forEachDue(next: () => TokenRow[], act: (row: TokenRow) => void): number {
  const seen = new Set<string>();
  for (;;) {
    const rows = next().filter((r) => !seen.has(r.id));
    for (const row of rows) {
      seen.add(row.id);
      act(row);
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
  store: FollowupStore;
  purgatory: Purgatory;
  config: Config;
  clock: Clock;
  logger: Logger;
}): Record<SweepName, () => SweepResult> {
  const { rules, store, purgatory, config, clock } = deps;
  const f = config.followups;

  return {
    deadlines() {
      const now = clock.now();
      const result: SweepResult = { escalated: 0, expired: 0, resolved: 0, warned: 0, claims_ended: 0 };
      forEachDue(
        () => store.deadlineDue(now, BATCH),
        (row) => {
          const action = rules.applyDeadline(rowToToken(row));
          if (action !== 'none') result[action] = (result[action] ?? 0) + 1;
        },
      );
      if (f.deadlineWarningMs > 0) {
        forEachDue(
          () => store.warningDue(now, f.deadlineWarningMs, BATCH),
          (row) => {
            if (rules.warn(rowToToken(row), row.deadline_ms ?? now)) result.warned = (result.warned ?? 0) + 1;
          },
        );
      }
      result.claims_ended = rules.releaseEndedClaims();
      return result;
    },

    renotify() {
      let reminded = 0;
      forEachDue(
        () => store.reminderDue(clock.now(), f.renotifyIntervalMs, BATCH),
        (row) => {
          if (rules.remind(rowToToken(row), row.received_ms)) reminded++;
        },
      );
      return { reminded };
    },

    blocked() {
      if (!config.github) return { labelled: 0 };
      let labelled = 0;
      forEachDue(
        () => store.blockable(clock.now(), f.blockedAfterMs, BATCH),
        (row) => {
          if (rules.block(rowToToken(row))) labelled++;
        },
      );
      return { labelled };
    },

    gc() {
      return { deleted: purgatory.gc(f.gcRetentionMs) };
    },
  };
}

export type Sweeps = ReturnType<typeof createSweeps>;
