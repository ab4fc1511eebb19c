-- A tamper-evident audit log (issue 13 §5). Each event carries the SHA-256 of its content and of the hashes it
-- follows: the previous event of the whole log (`prev_hash`, the global chain) and the previous event of the
-- same token (`token_prev_hash`, the token's chain). `audit_heads` remembers where each chain ends, so deleting
-- the last event of a chain is noticed too. Rows written before this migration have no hash yet: the first
-- append afterwards (or `rodizio audit verify`) hashes them in `seq` order, once (see src/audit/seal.ts).

ALTER TABLE events ADD COLUMN hash TEXT;             -- sha256 hex of the canonical content (src/audit/hash.ts)
ALTER TABLE events ADD COLUMN prev_hash TEXT;        -- the hash of the event before it in the log; null for the first
ALTER TABLE events ADD COLUMN token_prev_hash TEXT;  -- the hash of the token's event before it; null for its first

-- One row per chain: '' is the whole log, any other key a token id (token ids are never empty).
CREATE TABLE audit_heads (
  chain TEXT    PRIMARY KEY,
  seq   INTEGER NOT NULL,                             -- the chain's last event
  hash  TEXT    NOT NULL,                             -- and its hash
  count INTEGER NOT NULL                              -- events ever appended to the chain (removed by GC ones too)
);

-- Still append-only; the one update allowed is hashing a row written before this migration, once.
DROP TRIGGER events_append_only;

CREATE TRIGGER events_append_only BEFORE UPDATE ON events
WHEN OLD.hash IS NOT NULL
  OR NEW.seq IS NOT OLD.seq OR NEW.token_id IS NOT OLD.token_id OR NEW.type IS NOT OLD.type
  OR NEW.at_ms IS NOT OLD.at_ms OR NEW.actor IS NOT OLD.actor OR NEW.data IS NOT OLD.data
BEGIN
  SELECT RAISE(ABORT, 'the audit log is append-only');
END;
