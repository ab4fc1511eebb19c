-- The purgatory: tokens, their append-only audit log, and the outbox of side effects.

CREATE TABLE tokens (
  seq            INTEGER PRIMARY KEY AUTOINCREMENT, -- insertion order: "newest first" and list cursors
  id             TEXT    NOT NULL UNIQUE,
  kind           TEXT    NOT NULL,
  status         TEXT    NOT NULL CHECK (status IN ('pending', 'resolved', 'cancelled', 'expired')),
  reason         TEXT    NOT NULL,
  prompt         TEXT    NOT NULL,
  options        TEXT    NOT NULL,                  -- JSON array of strings
  severity       TEXT    NOT NULL,
  frozen_state   TEXT    NOT NULL,                  -- base64 exactly as received, never decoded
  original_event TEXT    NOT NULL,                  -- JSON
  required_type  TEXT,
  deadline       TEXT,                              -- as received
  deadline_ms    INTEGER,                           -- the same instant, offset-less read as UTC
  escalation     TEXT,
  created_at     TEXT    NOT NULL,                  -- as received, or rodizio's time of receipt
  received_ms    INTEGER NOT NULL,
  resolved_at    TEXT,
  cancelled_at   TEXT,
  voided_at      TEXT,
  closed_ms      INTEGER,                           -- when it left pending (for GC)
  runner         TEXT    NOT NULL,
  project        TEXT,
  github_issue   TEXT,
  ext            TEXT    NOT NULL DEFAULT '{}',     -- JSON: the remaining extensions
  content_hash   TEXT    NOT NULL,                  -- idempotent create: same id + same hash = replay
  human_input    TEXT,                              -- JSON
  answered_by    TEXT,
  answered_by_name TEXT,
  answered_via   TEXT,
  slack_channel_id TEXT,
  slack_ts       TEXT
);

CREATE INDEX tokens_status_seq ON tokens (status, seq);
CREATE INDEX tokens_runner_seq ON tokens (runner, seq);
CREATE INDEX tokens_project_seq ON tokens (project, seq);
CREATE INDEX tokens_due ON tokens (status, deadline_ms);
CREATE INDEX tokens_closed ON tokens (closed_ms) WHERE status <> 'pending';

CREATE TABLE events (
  seq      INTEGER PRIMARY KEY AUTOINCREMENT,
  token_id TEXT,                                    -- null for events about the store itself (gc)
  type     TEXT    NOT NULL,
  at_ms    INTEGER NOT NULL,
  actor    TEXT,
  data     TEXT    NOT NULL DEFAULT '{}'
);

CREATE INDEX events_token ON events (token_id, seq);

CREATE TRIGGER events_append_only BEFORE UPDATE ON events
BEGIN
  SELECT RAISE(ABORT, 'the audit log is append-only');
END;

-- Thread replies and other notes people leave on a token; carried in the reentry.
CREATE TABLE notes (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  token_id   TEXT    NOT NULL,
  author     TEXT    NOT NULL,
  author_name TEXT,
  text       TEXT    NOT NULL,
  at_ms      INTEGER NOT NULL,
  source_key TEXT    UNIQUE                         -- e.g. the Slack message ts: retried events dedupe here
);

CREATE INDEX notes_token ON notes (token_id, id);

CREATE TABLE outbox (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  token_id    TEXT,
  kind        TEXT    NOT NULL,
  lane        TEXT    NOT NULL,                     -- jobs of one lane run one at a time, in id order
  payload     TEXT    NOT NULL DEFAULT '{}',
  status      TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'dead')),
  attempts    INTEGER NOT NULL DEFAULT 0,
  run_at_ms   INTEGER NOT NULL,
  leased_until_ms INTEGER,
  created_ms  INTEGER NOT NULL,
  updated_ms  INTEGER NOT NULL,
  last_error  TEXT
);

CREATE INDEX outbox_due ON outbox (run_at_ms) WHERE status = 'pending';
CREATE INDEX outbox_lane ON outbox (lane, id) WHERE status = 'pending';
CREATE INDEX outbox_token ON outbox (token_id);
