-- /metrics reads levels from the store at every scrape (issue 13): pending tokens by reason and severity with the
-- oldest arrival, and dead outbox jobs by kind. Both partial indexes hold only the rows counted, so a scrape
-- reads an index the size of the answer's inputs instead of scanning 100,000 tokens or the whole outbox.
CREATE INDEX tokens_pending_kinds ON tokens (reason, severity, received_ms) WHERE status = 'pending';
CREATE INDEX outbox_dead_kind ON outbox (kind) WHERE status = 'dead';
