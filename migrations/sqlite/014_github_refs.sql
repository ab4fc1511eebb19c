-- Approvals tied to repository state (issue 13 §1): the branch or pull request head a token's agent looked at,
-- and where that ref is now. A webhook or a poll that sees the ref move updates `head_sha`; the card then says
-- the approval is stale and asks to confirm the new commit, and the answer records the commit it was given for.

CREATE TABLE github_refs (
  token_id     TEXT    PRIMARY KEY,                  -- the token watching the ref
  repo         TEXT    NOT NULL,                     -- owner/name, lower-cased
  ref          TEXT    NOT NULL,                     -- refs/heads/<branch> or refs/pull/<n>/head
  seen_sha     TEXT    NOT NULL,                     -- the commit the agent looked at
  head_sha     TEXT    NOT NULL,                     -- where the ref is as far as rodizio knows
  moved_ms     INTEGER,                              -- when it was last seen to move
  approved_sha TEXT                                  -- the head when the token was answered
);

-- A push or pull_request webhook, and each poll, look up the tokens watching one ref.
CREATE INDEX github_refs_ref ON github_refs (repo, ref);
