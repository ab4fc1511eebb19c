-- The event feed: runners' webhook subscriptions to audit events (issue 14). The feed itself reads `events`
-- by `seq`; this index serves the runner filter's join, and subscriptions are delivered through the outbox.

CREATE TABLE subscriptions (
  id         TEXT    PRIMARY KEY,                  -- `sub-` + 12 hex
  runner     TEXT    NOT NULL,                     -- whose secret signs the deliveries, whose tokens' events match
  url        TEXT    NOT NULL,
  types      TEXT,                                 -- JSON array of event types; null: every type
  project    TEXT,                                 -- only this project's tokens; null: every project
  created_ms INTEGER NOT NULL
);

CREATE INDEX subscriptions_runner ON subscriptions (runner, created_ms);
