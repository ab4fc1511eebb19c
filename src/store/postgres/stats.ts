import type { ClosedToken, OutboxCount, PendingCount, StatsStore } from '../stats.js';
import { all, type PgConn } from './conn.js';

/** The aggregate reads of `/metrics` and `rodizio stats` on Postgres; the same statements as the SQLite engine's. */
export function createStatsStore(db: PgConn): StatsStore {
  return {
    pendingTokens() {
      return all<PendingCount>(
        db,
        `SELECT reason, severity, count(*) AS n, min(received_ms) AS oldest_ms FROM tokens
         WHERE status = 'pending' GROUP BY reason, severity`,
      );
    },
    outboxJobs() {
      return all<OutboxCount>(
        db,
        `SELECT kind, 'pending' AS status, count(*) AS n FROM outbox WHERE status = 'pending' GROUP BY kind
         UNION ALL
         SELECT kind, 'dead' AS status, count(*) AS n FROM outbox WHERE status = 'dead' GROUP BY kind`,
      );
    },
    closedSince(sinceMs) {
      return all<ClosedToken>(
        db,
        `SELECT status, reason, severity, slack_channel_id AS channel, answered_via AS via, received_ms, closed_ms
         FROM tokens WHERE status <> 'pending' AND closed_ms >= $1 ORDER BY closed_ms`,
        [sinceMs],
      );
    },
  };
}
