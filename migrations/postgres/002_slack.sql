-- Slack: finding a token from its card, and quorum votes.

CREATE INDEX tokens_slack_message ON tokens (slack_channel_id, slack_ts) WHERE slack_ts IS NOT NULL;

-- One row per person per token: their current choice toward `required_approvals`.
CREATE TABLE approvals (
  token_id  TEXT    NOT NULL,
  user_id   TEXT    NOT NULL,
  user_name TEXT,
  option    TEXT    NOT NULL,
  at_ms     BIGINT  NOT NULL,
  PRIMARY KEY (token_id, user_id)
);
