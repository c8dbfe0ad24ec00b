-- jubes PostgreSQL store, schema version 1 (docs/storage.md, "PostgreSQL backend").
-- Applied by `jubesctl db migrate` in one transaction together with its row in jubes_schema.
-- Names are compared byte-wise (COLLATE "C"), as the LMDB store orders them.

-- Message ids: increasing per writer, never reused (a sequence; an id fetched by a batch that
-- failed is skipped).
CREATE SEQUENCE message_ids AS bigint START 1;

-- One row per accepted message; the row stays as the purge record once retention removed the body.
CREATE TABLE messages (
  id               bigint  PRIMARY KEY,
  party            text    COLLATE "C" NOT NULL,
  referentienummer text    COLLATE "C" NOT NULL,
  message_type     text    NOT NULL,
  received_at_ms   bigint  NOT NULL,
  accepted_at_ms   bigint  NOT NULL,
  route_version    text    NOT NULL,
  matched_rules    text[]  NOT NULL,
  recipients       text[]  COLLATE "C" NOT NULL,  -- routed recipients, then forward targets
  parked           boolean NOT NULL,              -- no recipients yet: waits for a re-route
  park_reason      text    NOT NULL,
  purged           boolean NOT NULL DEFAULT false,
  body             bytea,                         -- NULL once purged
  CHECK ((body IS NULL) = purged)
);
CREATE INDEX messages_parked ON messages (id) WHERE parked;
CREATE INDEX messages_unpurged ON messages (accepted_at_ms, id) WHERE NOT purged;

-- Exactly once: one row per (party, referentienummer), with the SHA-256 of the body and the
-- original receipt (message id, accepted time). Outlives the body by retention.dedup_extra_days.
CREATE TABLE dedup (
  party            text   COLLATE "C" NOT NULL,
  referentienummer text   COLLATE "C" NOT NULL,
  sha256           bytea  NOT NULL CHECK (length(sha256) = 32),
  message_id       bigint NOT NULL,
  accepted_at_ms   bigint NOT NULL,
  PRIMARY KEY (party, referentienummer)
);
CREATE INDEX dedup_accepted ON dedup (accepted_at_ms);

-- One row per recipient: the head (seq of its newest entry; every batch that appends to the
-- outbox updates it once, under its row lock, so seqs are gapless across writers on several
-- nodes) and the acknowledged cursor.
CREATE TABLE outbox_heads (
  recipient text   COLLATE "C" PRIMARY KEY,
  head      bigint NOT NULL DEFAULT 0,
  acked     bigint NOT NULL DEFAULT 0,
  CHECK (acked >= 0 AND acked <= head)
);

-- The outboxes: seq 1..head per recipient, in commit order.
CREATE TABLE outbox (
  recipient  text   COLLATE "C" NOT NULL,
  seq        bigint NOT NULL CHECK (seq >= 1),
  message_id bigint NOT NULL REFERENCES messages (id),
  PRIMARY KEY (recipient, seq)
);

-- The audit trail; kind numbers are storage::audit_kind.
CREATE TABLE audit (
  seq        bigint   GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at_ms      bigint   NOT NULL,
  kind       smallint NOT NULL,
  message_id bigint   NOT NULL,
  party      text     NOT NULL,
  detail     text     NOT NULL
);
CREATE INDEX audit_message ON audit (message_id);
CREATE INDEX audit_at ON audit (at_ms);
