-- Several replicas on one database: jobs that only one machine can do (its tmux, its files, its phase
-- guidance) name that machine's host, and rate-limit gates live in the database, so every replica paces
-- against the same clock and a Retry-After one replica got holds for all.

ALTER TABLE outbox ADD COLUMN host TEXT;  -- null: any replica may run it

-- One row per gate that has been used (`slack.post:<channel>`, a gate a 429 paused); a job behind a gate
-- whose open_at_ms is still ahead is not runnable.
CREATE TABLE gates (
  name       TEXT    PRIMARY KEY,
  open_at_ms INTEGER NOT NULL DEFAULT 0
);
