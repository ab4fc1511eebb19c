-- Intake: a Slack request that will change state is written here (keyed on Slack's own ids) before it is
-- acknowledged, then processed from this table; rows left unprocessed by a crash are processed at start.
-- A processed request that changed something stays 'done' (its key recognises replays; pruned after a day); one
-- that changed nothing (refused, too late) is deleted; 'failed' rows keep last_error for an operator.

CREATE TABLE intake (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  key          TEXT    NOT NULL UNIQUE,             -- Slack's ids: a retry or replay hits this and changes nothing
  kind         TEXT    NOT NULL,                    -- which processor handles the payload
  payload      TEXT    NOT NULL,                    -- JSON: what processing needs, parsed with a zod schema
  received_ms  INTEGER NOT NULL,
  status       TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
  attempts     INTEGER NOT NULL DEFAULT 0,
  processed_ms INTEGER,
  last_error   TEXT
);

CREATE INDEX intake_pending ON intake (id) WHERE status = 'pending';
