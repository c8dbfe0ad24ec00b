-- jubes PostgreSQL store, schema version 2: the audit trail as a hash chain (docs/storage.md,
-- "Audit trail"). Every record written from now on carries the hash of its predecessor and its
-- own hash over the canonical encoding (storage/audit_chain.hpp), both computed by the gateway.
-- Records from before this migration carry no hashes: the chain's anchor is set at the newest of
-- them, so that `jubesctl audit verify` starts after them (and says how many it left out).

-- The writer assigns the seq itself, gapless, under the audit_chain row lock.
ALTER TABLE audit ALTER COLUMN seq DROP IDENTITY;
ALTER TABLE audit
  ADD COLUMN prev_hash bytea CHECK (length(prev_hash) = 32),
  ADD COLUMN hash      bytea CHECK (length(hash) = 32);

-- One row: the chain's head (the newest record) and anchor (the last record retention removed).
-- Every write transaction that appends audit records locks it with SELECT ... FOR UPDATE as its
-- LAST lock, after the outbox heads (in recipient order) and the messages it changes (in id
-- order): one fixed order, so writers on several nodes cannot deadlock, and the seqs they append
-- are gapless and chained in commit order.
CREATE TABLE audit_chain (
  id           boolean PRIMARY KEY DEFAULT true CHECK (id),
  head_seq     bigint  NOT NULL,
  head_hash    bytea   NOT NULL CHECK (length(head_hash) = 32),
  head_at_ms   bigint  NOT NULL,
  anchor_seq   bigint  NOT NULL,
  anchor_hash  bytea   NOT NULL CHECK (length(anchor_hash) = 32),
  anchor_at_ms bigint  NOT NULL
);
INSERT INTO audit_chain
  SELECT true, coalesce(max(seq), 0), decode(repeat('00', 32), 'hex'), coalesce(max(at_ms), 0),
         coalesce(max(seq), 0), decode(repeat('00', 32), 'hex'), coalesce(max(at_ms), 0)
  FROM audit;
