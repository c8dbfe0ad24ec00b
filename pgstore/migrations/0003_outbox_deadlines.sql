-- jubes PostgreSQL store, schema version 3: the legal deadline of each outbox entry (docs/routing.md,
-- "Deadlines"; docs/storage.md, "Deadlines"). 0 means no deadline, as for every entry written
-- before this migration. at_risk_from_ms: the entry is at risk from then on while unacknowledged.
ALTER TABLE outbox
  ADD COLUMN deadline_ms     bigint NOT NULL DEFAULT 0 CHECK (deadline_ms >= 0),
  ADD COLUMN at_risk_from_ms bigint NOT NULL DEFAULT 0;

-- late_entries: the unacknowledged entries with a deadline, without reading the others.
CREATE INDEX outbox_deadline ON outbox (at_risk_from_ms) WHERE deadline_ms > 0;
