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
  seq   BIGINT  NOT NULL,                             -- the chain's last event
  hash  TEXT    NOT NULL,                             -- and its hash
  count BIGINT  NOT NULL                              -- events ever appended to the chain (removed by GC ones too)
);

-- Still append-only; the one update allowed is hashing a row written before this migration, once.
CREATE OR REPLACE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.hash IS NULL AND NEW.seq = OLD.seq AND NEW.token_id IS NOT DISTINCT FROM OLD.token_id
     AND NEW.type = OLD.type AND NEW.at_ms = OLD.at_ms AND NEW.actor IS NOT DISTINCT FROM OLD.actor
     AND NEW.data = OLD.data THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'the audit log is append-only';
END;
$$;
