// SPDX-License-Identifier: EUPL-1.2
// The SQL of the writer's transactions, prepared once per connection (prepare_writer): the only
// place that names the writer's statements' text. run_batch (batch.cpp) executes them by name.
#include "batch.hpp"

namespace jubes::pgstore::detail {

namespace {

struct stmt {
  const char* name;
  const char* sql;
};
constexpr stmt writer_statements[] = {
    {"w_heads_add", "INSERT INTO outbox_heads (recipient) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING"},
    {"w_heads_lock",
     "SELECT recipient, head, acked FROM outbox_heads WHERE recipient = ANY ($1::text[]) ORDER BY recipient FOR "
     "UPDATE"},
    {"w_dedup_get",
     "SELECT d.party, d.referentienummer, d.sha256, d.message_id, d.accepted_at_ms FROM dedup d JOIN "
     "unnest($1::text[], $2::text[]) AS k(p, r) ON d.party = k.p AND d.referentienummer = k.r"},
    {"w_msg_lock",
     "SELECT id, party, recipients, parked, purged, route_version FROM messages WHERE id = ANY ($1::bigint[]) "
     "ORDER BY id FOR NO "
     "KEY UPDATE"},
    // Corrections and withdrawals (batch.cpp, "corrections"): the batch's round trip 1 locks, in the
    // one order (heads, messages, then outbox rows, then the chain), the outbox heads of the
    // earlier messages' recipients ($2, $3: the (party, crossRefnummer) keys), the earlier messages
    // and their unacknowledged entries; only then does it read the dedup rows.
    {"w_heads_lock_refs",
     "SELECT recipient, head, acked FROM outbox_heads WHERE recipient = ANY ($1::text[]) OR recipient IN (SELECT "
     "unnest(m.recipients) FROM dedup d JOIN unnest($2::text[], $3::text[]) AS k(p, r) ON d.party = k.p AND "
     "d.referentienummer = k.r JOIN messages m ON m.id = d.message_id) ORDER BY recipient FOR UPDATE"},
    {"w_msg_lock_refs",
     "SELECT id, party, recipients, parked, purged, route_version, message_type, superseded_by, superseded_kind FROM "
     "messages WHERE id = ANY ($1::bigint[]) OR id IN (SELECT d.message_id FROM dedup d JOIN unnest($2::text[], "
     "$3::text[]) AS k(p, r) ON d.party = k.p AND d.referentienummer = k.r) ORDER BY id FOR NO KEY UPDATE"},
    {"w_refs_entries",
     "SELECT o.recipient, o.seq, o.message_id FROM dedup d JOIN unnest($1::text[], $2::text[]) AS k(p, r) ON d.party "
     "= k.p AND d.referentienummer = k.r JOIN messages m ON m.id = d.message_id CROSS JOIN LATERAL "
     "unnest(m.recipients) AS x(r) JOIN outbox_heads h ON h.recipient = x.r JOIN outbox o ON o.recipient = x.r AND "
     "o.seq > h.acked AND o.message_id = m.id WHERE o.link NOT IN (1, 2) ORDER BY o.recipient, o.seq FOR UPDATE OF "
     "o"},
    {"w_outbox_link",
     "UPDATE outbox o SET link = u.l, link_id = u.lid, deadline_ms = 0, at_risk_from_ms = 0 FROM unnest($1::text[], "
     "$2::bigint[], $3::smallint[], $4::bigint[]) AS u(r, s, l, lid) WHERE o.recipient = u.r AND o.seq = u.s"},
    {"w_msg_supersede",
     "UPDATE messages m SET superseded_by = u.by, superseded_kind = u.kind FROM unnest($1::bigint[], $2::bigint[], "
     "$3::smallint[]) AS u(id, by, kind) WHERE m.id = u.id"},
    {"w_ids", "SELECT nextval('message_ids') FROM generate_series(1, $1::int)"},
    {"w_msg",
     "INSERT INTO messages (id, party, referentienummer, message_type, received_at_ms, accepted_at_ms, "
     "route_version, matched_rules, recipients, parked, park_reason, body) VALUES ($1::bigint, $2, $3, $4, "
     "$5::bigint, $6::bigint, $7, $8::text[], $9::text[], $10::boolean, $11, $12::bytea)"},
    {"w_dedup",
     "INSERT INTO dedup (party, referentienummer, sha256, message_id, accepted_at_ms) SELECT p, r, decode(h, 'hex'), "
     "id, at FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[]) AS u(p, r, h, id, at)"},
    {"w_outbox",
     "INSERT INTO outbox (recipient, seq, message_id, deadline_ms, at_risk_from_ms, link, link_id) SELECT * FROM "
     "unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::smallint[], $7::bigint[])"},
    {"w_msg_update",
     "UPDATE messages SET recipients = $2::text[], parked = $3::boolean, route_version = $4 WHERE id = $1::bigint"},
    {"w_ack_ids",
     "SELECT o.recipient, o.seq, o.message_id FROM outbox o JOIN unnest($1::text[], $2::bigint[]) AS u(r, upto) ON "
     "o.recipient = u.r JOIN outbox_heads h ON h.recipient = u.r WHERE o.seq > h.acked AND o.seq <= u.upto"},
    // The chain's head: the LAST lock of every write transaction (after heads and messages).
    {"w_chain_lock",
     "SELECT head_seq, encode(head_hash, 'hex'), head_at_ms, anchor_seq, encode(anchor_hash, 'hex'), anchor_at_ms "
     "FROM audit_chain FOR UPDATE"},
    // Bodies at rest: the active data key, read after the chain's lock (at_rest.hpp).
    {"w_active_key", "SELECT coalesce(max(id), 0)::bigint FROM data_keys WHERE active"},
    {"w_audit",
     "INSERT INTO audit (seq, at_ms, kind, message_id, party, detail, prev_hash, hash) SELECT s, a, k, m, p, d, "
     "decode(ph, 'hex'), decode(h, 'hex') FROM unnest($1::bigint[], $2::bigint[], $3::smallint[], $4::bigint[], "
     "$5::text[], $6::text[], $7::text[], $8::text[]) AS u(s, a, k, m, p, d, ph, h)"},
    {"w_chain_set",
     "UPDATE audit_chain SET head_seq = $1::bigint, head_hash = decode($2, 'hex'), head_at_ms = $3::bigint, "
     "anchor_seq = $4::bigint, anchor_hash = decode($5, 'hex'), anchor_at_ms = $6::bigint"},
    {"w_heads",
     "UPDATE outbox_heads h SET head = u.head, acked = u.acked FROM unnest($1::text[], $2::bigint[], $3::bigint[]) "
     "AS u(r, head, acked) WHERE h.recipient = u.r"},
    {"w_notify", "SELECT pg_notify($1, x) FROM unnest($2::text[]) AS x"},
};

}  // namespace

jubes::result<void> prepare_writer(PGconn* c) {
  for (const auto& s : writer_statements)
    if (auto r = pq::prepare(c, s.name, s.sql); !r) return r;
  return {};
}

}  // namespace jubes::pgstore::detail
