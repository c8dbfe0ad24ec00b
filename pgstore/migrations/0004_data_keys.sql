-- jubes PostgreSQL store, schema version 4: bodies at rest (docs/storage.md, "Bodies at rest" and
-- "PostgreSQL backend"). The data keys that seal messages.body, each wrapped (AES-256-GCM, 60 bytes:
-- nonce, ciphertext, tag) under the key-encryption key, which is never stored. Exactly one key is
-- active once encryption is on: new bodies are sealed with it; the others open older bodies.
-- messages.body holds the sealed form (storage/body_codec.hpp: magic 1B 4A, version, flags, key
-- id, ...); a body written before (plain XML, which never starts with byte 1B) stays as it was and
-- is read as it is until `jubesctl keys rotate --reencrypt` seals it.
CREATE TABLE data_keys (
  id            integer PRIMARY KEY CHECK (id > 0),
  wrapped       bytea   NOT NULL CHECK (octet_length(wrapped) = 60),
  created_at_ms bigint  NOT NULL,
  active        boolean NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX data_keys_one_active ON data_keys (active) WHERE active;

-- A sealed body does not compress: PostgreSQL need not try (pglz) before it moves it out of line.
ALTER TABLE messages ALTER COLUMN body SET STORAGE EXTERNAL;
