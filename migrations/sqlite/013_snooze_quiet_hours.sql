-- Less noise: "Snooze" on a card pauses its reminders; a project's quiet hours hold reminders and escalations.

ALTER TABLE tokens ADD COLUMN snooze_until_ms INTEGER;  -- reminders paused until then (the deadline runs on)
ALTER TABLE tokens ADD COLUMN snooze_user TEXT;         -- who snoozed (Slack user id)
ALTER TABLE tokens ADD COLUMN quiet_until_ms INTEGER;   -- quiet hours hold something back until then
ALTER TABLE tokens ADD COLUMN quiet_hold TEXT;          -- 'reminder', or 'escalation' (the escalation and reminders)

-- The renotify sweep reads these to lift snoozes and holds that ran out; both stay tiny.
CREATE INDEX tokens_snoozes ON tokens (snooze_until_ms) WHERE snooze_until_ms IS NOT NULL;
CREATE INDEX tokens_quiet ON tokens (quiet_until_ms) WHERE quiet_until_ms IS NOT NULL;
