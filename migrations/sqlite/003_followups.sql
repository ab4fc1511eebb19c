-- Keeping nothing stuck: deadline escalation and warnings, reminders, claims, GitHub `blocked` labels.

ALTER TABLE tokens ADD COLUMN escalated_at_ms INTEGER;   -- deadline passed, escalated (token stays pending)
ALTER TABLE tokens ADD COLUMN escalated_to TEXT;         -- how the escalation target was shown
ALTER TABLE tokens ADD COLUMN warned_at_ms INTEGER;      -- "deadline soon" posted
ALTER TABLE tokens ADD COLUMN last_reminder_ms INTEGER;  -- latest re-notify
ALTER TABLE tokens ADD COLUMN reminders INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tokens ADD COLUMN claim_user TEXT;           -- "I'm on it"
ALTER TABLE tokens ADD COLUMN claim_user_name TEXT;
ALTER TABLE tokens ADD COLUMN claim_until_ms INTEGER;
ALTER TABLE tokens ADD COLUMN blocked_at_ms INTEGER;     -- GitHub issue labelled `blocked` (decided; jobs do it)
ALTER TABLE tokens ADD COLUMN unblocked_at_ms INTEGER;
ALTER TABLE tokens ADD COLUMN github_error TEXT;         -- GitHub refused (403/404/422): not retried

-- Each sweep reads one of these when nothing is due, so an idle sweep over 100k pending tokens stays cheap.
CREATE INDEX tokens_reminder_due ON tokens (status, coalesce(last_reminder_ms, received_ms));
CREATE INDEX tokens_claims ON tokens (claim_until_ms) WHERE claim_until_ms IS NOT NULL;
CREATE INDEX tokens_blockable ON tokens (received_ms)
  WHERE status = 'pending' AND github_issue IS NOT NULL AND blocked_at_ms IS NULL AND github_error IS NULL;
CREATE INDEX tokens_deadline_open ON tokens (status, deadline_ms) WHERE escalated_at_ms IS NULL;
