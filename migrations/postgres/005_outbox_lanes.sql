-- The outbox after the field test: a token's jobs share a lane (never another token's), a gate names the
-- rate limit or target a job waits on (chat.postMessage per channel, chat.update per workspace, a webhook
-- origin), answered tokens' jobs go first, and leases carry their owner so they expire instead of being
-- released wholesale at start.

ALTER TABLE outbox ADD COLUMN gate TEXT;
ALTER TABLE outbox ADD COLUMN priority INTEGER NOT NULL DEFAULT 1;  -- 0 first (an answered token), 1 normal
ALTER TABLE outbox ADD COLUMN lease_owner TEXT;

CREATE INDEX outbox_ready ON outbox (priority, run_at_ms, id) WHERE status = 'pending';

-- Single-runner locks: one row per singleton role (on Postgres also the replicas' leader lease). The holder
-- refreshes `heartbeat_ms`; another process takes the row over only when the heartbeat is stale, or when the
-- holder is a dead process on the same host.
CREATE TABLE runner_locks (
  name         TEXT    PRIMARY KEY,
  owner        TEXT    NOT NULL,
  host         TEXT    NOT NULL,
  pid          INTEGER NOT NULL,
  acquired_ms  BIGINT  NOT NULL,
  heartbeat_ms BIGINT  NOT NULL
);
