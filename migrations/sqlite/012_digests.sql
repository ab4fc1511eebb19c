-- Less noise in Slack: digest messages that list a project's `info` tokens, and groups that put a runner's
-- tokens arriving together into one thread under a parent message. Which message holds which tokens.

CREATE TABLE slack_digests (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  project    TEXT    NOT NULL,
  channel    TEXT    NOT NULL,
  ts         TEXT    NOT NULL,                      -- the digest message
  created_ms INTEGER NOT NULL
);

CREATE TABLE slack_digest_tokens (
  token_id  TEXT    PRIMARY KEY,                    -- a token is listed in one digest at most
  digest_id INTEGER NOT NULL,
  position  INTEGER NOT NULL                        -- its place in the digest's list
);

CREATE INDEX slack_digest_tokens_digest ON slack_digest_tokens (digest_id, position);

CREATE TABLE slack_groups (
  id        INTEGER PRIMARY KEY AUTOINCREMENT,
  project   TEXT    NOT NULL,
  runner    TEXT    NOT NULL,
  channel   TEXT    NOT NULL,
  opened_ms INTEGER NOT NULL,                       -- the first token's arrival: the gathering ends a window later
  last_ms   INTEGER NOT NULL,                       -- the latest token's: later ones join while within a window
  poster    TEXT,                                   -- the token whose job posts the parent message
  parent_ts TEXT,                                   -- the parent message, once posted
  closed    INTEGER NOT NULL DEFAULT 0              -- 1: a lone token was posted on its own; nobody joins
);

CREATE INDEX slack_groups_open ON slack_groups (project, runner, channel, last_ms);

CREATE TABLE slack_group_tokens (
  token_id  TEXT    PRIMARY KEY,
  group_id  INTEGER NOT NULL,
  joined_ms INTEGER NOT NULL
);

CREATE INDEX slack_group_tokens_group ON slack_group_tokens (group_id, joined_ms);
