-- jubes PostgreSQL store, schema version 5: corrections and withdrawals (docs/MESSAGES.md,
-- "Corrections and withdrawals"), as the LMDB store keeps them.
-- messages.superseded_by: the message that corrected (superseded_kind 1) or withdrew (2) this
-- one; 0: none. outbox.link: how the entry relates to message link_id: 1 superseded by, 2
-- withdrawn by (the entry is a marker, delivered without body and without deadline), 3 relates to
-- (this entry corrects or withdraws link_id, which the recipient was sent); 0: none, as for every
-- row written before this migration.
ALTER TABLE messages
  ADD COLUMN superseded_by   bigint   NOT NULL DEFAULT 0 CHECK (superseded_by >= 0),
  ADD COLUMN superseded_kind smallint NOT NULL DEFAULT 0 CHECK (superseded_kind BETWEEN 0 AND 2),
  ADD CHECK ((superseded_by = 0) = (superseded_kind = 0));
ALTER TABLE outbox
  ADD COLUMN link    smallint NOT NULL DEFAULT 0 CHECK (link BETWEEN 0 AND 3),
  ADD COLUMN link_id bigint   NOT NULL DEFAULT 0 CHECK (link_id >= 0),
  ADD CHECK ((link = 0) = (link_id = 0));
