-- Standing grants: "Allow for 1 h" on a permission card lets later requests of the same runner for the same tool,
-- with the same subject (or one starting with the chosen prefix), through without asking until it expires.

CREATE TABLE grants (
  id              TEXT    PRIMARY KEY,
  runner          TEXT    NOT NULL,
  tool            TEXT    NOT NULL,
  scope           TEXT    NOT NULL CHECK (scope IN ('exact', 'prefix')),
  value           TEXT    NOT NULL,                  -- the subject, or its prefix
  created_ms      INTEGER NOT NULL,
  expires_ms      INTEGER NOT NULL,
  created_by      TEXT    NOT NULL,                  -- Slack user id
  created_by_name TEXT,
  token_id        TEXT    NOT NULL,                  -- the permission request whose card made it
  slack_channel   TEXT,                              -- the card's thread, where later matches are noted
  slack_ts        TEXT,
  uses            INTEGER NOT NULL DEFAULT 0,
  revoked_ms      INTEGER,
  revoked_by      TEXT
);

-- A permission request looks up the live grants of its runner and tool.
CREATE INDEX grants_lookup ON grants (runner, tool, expires_ms);
CREATE INDEX grants_expiry ON grants (expires_ms);
