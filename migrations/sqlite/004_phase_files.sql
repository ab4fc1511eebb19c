-- The phase-file bridge remembers the state of each phase file it acted on, so re-reading the same file
-- (a rescan, a restart) does nothing and each escalation episode gets exactly one card.

CREATE TABLE phase_files (
  path       TEXT    PRIMARY KEY,
  kind       TEXT    NOT NULL,            -- dev | review
  project    TEXT    NOT NULL,
  number     INTEGER NOT NULL,            -- issue (dev) or pull request (review)
  state_key  TEXT    NOT NULL,            -- mtime, size and content hash of the file as last acted on
  phase      TEXT    NOT NULL,
  token_id   TEXT,                        -- the escalation this file opened, if any
  updated_ms INTEGER NOT NULL
);
