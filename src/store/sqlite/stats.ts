import type { ClosedToken, OutboxCount, PendingCount, StatsStore } from '../stats.js';
import type { Db } from './database.js';

/** SQL for the aggregate reads of `/metrics` and `rodizio stats`. */
export function createStatsStore(db: Db): StatsStore {
  const pending = db.prepare<[], PendingCount>(`
    SELECT reason, severity, count(*) AS n, min(received_ms) AS oldest_ms FROM tokens
    WHERE status = 'pending' GROUP BY reason, severity`);
  const outbox = db.prepare<[], OutboxCount>(`
    SELECT kind, 'pending' AS status, count(*) AS n FROM outbox WHERE status = 'pending' GROUP BY kind
    UNION ALL
    SELECT kind, 'dead' AS status, count(*) AS n FROM outbox WHERE status = 'dead' GROUP BY kind`);
  const closed = db.prepare<[number], ClosedToken>(`
    SELECT status, reason, severity, slack_channel_id AS channel, answered_via AS via, received_ms, closed_ms
    FROM tokens WHERE status <> 'pending' AND closed_ms >= ? ORDER BY closed_ms`);

  return {
    async pendingTokens() {
      return pending.all();
    },
    async outboxJobs() {
      return outbox.all();
    },
    async closedSince(sinceMs) {
      return closed.all(sinceMs);
    },
  };
}
