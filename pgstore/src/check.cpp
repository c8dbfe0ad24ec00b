// SPDX-License-Identifier: EUPL-1.2
// reader::stats and reader::check: counts and the integrity check, as SQL over the whole database.
#include "reads.hpp"
#include "storage/errc.hpp"
#include "text.hpp"

namespace jubes::pgstore::detail {

namespace {

/// One invariant: a query whose rows (text columns) are problems, and how to word one.
struct rule {
  const char* sql;
  std::string (*line)(const pq::res&, int);
};

std::string col(const pq::res& r, int row, int c) {
  return r.null(row, c) ? "NULL" : r.text(row, c);
}

const std::vector<rule>& rules() {
  static const std::vector<rule> v = {
      {"SELECT recipient, count(*), max(seq) FROM outbox GROUP BY recipient HAVING count(*) <> max(seq) LIMIT 100",
       [](const pq::res& r, int i) {
         return "outbox " + col(r, i, 0) + ": " + col(r, i, 1) + " entries but the last seq is " + col(r, i, 2) +
                " (a gap)";
       }},
      {"SELECT h.recipient, h.head, coalesce(max(o.seq), 0) FROM outbox_heads h LEFT JOIN outbox o ON o.recipient = "
       "h.recipient GROUP BY h.recipient, h.head HAVING h.head <> coalesce(max(o.seq), 0) LIMIT 100",
       [](const pq::res& r, int i) {
         return "outbox " + col(r, i, 0) + ": head " + col(r, i, 1) + " but the last entry is " + col(r, i, 2);
       }},
      {"SELECT DISTINCT o.recipient FROM outbox o WHERE NOT EXISTS (SELECT 1 FROM outbox_heads h WHERE h.recipient = "
       "o.recipient) LIMIT 100",
       [](const pq::res& r, int i) { return "outbox " + col(r, i, 0) + ": entries without a head row"; }},
      {"SELECT o.recipient, o.seq, o.message_id FROM outbox o JOIN messages m ON m.id = o.message_id WHERE NOT "
       "(o.recipient = ANY (m.recipients)) LIMIT 100",
       [](const pq::res& r, int i) {
         return "outbox " + col(r, i, 0) + " seq " + col(r, i, 1) + ": message " + col(r, i, 2) +
                " does not name this recipient";
       }},
      {"SELECT recipient, message_id FROM outbox GROUP BY recipient, message_id HAVING count(*) > 1 LIMIT 100",
       [](const pq::res& r, int i) {
         return "outbox " + col(r, i, 0) + ": message " + col(r, i, 1) + " more than once";
       }},
      {"SELECT m.id, x.r FROM messages m CROSS JOIN LATERAL unnest(m.recipients) AS x(r) WHERE NOT EXISTS (SELECT 1 "
       "FROM outbox o WHERE o.recipient = x.r AND o.message_id = m.id) LIMIT 100",
       [](const pq::res& r, int i) {
         return "message " + col(r, i, 0) + ": recipient " + col(r, i, 1) + " has no outbox entry";
       }},
      {"SELECT d.party, d.referentienummer, d.message_id FROM dedup d LEFT JOIN messages m ON m.id = d.message_id "
       "WHERE m.id IS NULL OR m.party <> d.party OR m.referentienummer <> d.referentienummer OR m.accepted_at_ms <> "
       "d.accepted_at_ms OR (NOT m.purged AND substring(m.body FROM 1 FOR 2) <> '\\x1b4a'::bytea AND sha256(m.body) "
       "<> d.sha256) LIMIT 100",
       [](const pq::res& r, int i) {
         return "dedup " + col(r, i, 0) + "/" + col(r, i, 1) + ": disagrees with message " + col(r, i, 2) +
                " (missing, other key or time, or another body hash)";
       }},
      {"SELECT m.id FROM messages m WHERE NOT m.purged AND NOT EXISTS (SELECT 1 FROM dedup d WHERE d.party = m.party "
       "AND d.referentienummer = m.referentienummer AND d.message_id = m.id) LIMIT 100",
       [](const pq::res& r, int i) { return "message " + col(r, i, 0) + ": no dedup record while its body is kept"; }},
      // Not parked without recipients is a parked message an operator closed (jubesctl parked close).
      // Parked with recipients is a partial delivery (issue 13), but then it says why.
      {"SELECT id FROM messages WHERE parked AND cardinality(recipients) > 0 AND park_reason = '' LIMIT 100",
       [](const pq::res& r, int i) { return "message " + col(r, i, 0) + ": parked with recipients but no reason"; }},
  };
  return v;
}

}  // namespace

jubes::result<storage::store_stats> reader::stats() {
  return run<storage::store_stats>([&](PGconn* c) -> jubes::result<storage::store_stats> {
    pq::res r = pq::exec(c,
                         "SELECT (SELECT coalesce(max(version), 0) FROM jubes_schema)::bigint, (SELECT count(*) FROM "
                         "messages), (SELECT count(*) FROM messages WHERE purged), (SELECT count(*) FROM messages "
                         "WHERE parked), (SELECT count(*) FROM dedup), (SELECT count(*) FROM outbox_heads WHERE head > "
                         "0), (SELECT count(*) FROM outbox), (SELECT coalesce(sum(head - acked), 0)::bigint FROM "
                         "outbox_heads), (SELECT count(*) FROM audit), (SELECT coalesce(max(id), 0) FROM messages), "
                         "pg_database_size(current_database())");
    if (!r.ok()) return pq::error_of(c, r, "stats");
    storage::store_stats s;
    s.format_version = static_cast<std::uint32_t>(r.i64(0, 0));
    std::uint64_t* out[] = {&s.messages,       &s.purged,  &s.parked, &s.dedup,           &s.recipients,
                            &s.outbox_entries, &s.unacked, &s.audit,  &s.last_message_id, &s.map_used};
    for (int i = 0; i < 10; ++i) *out[i] = static_cast<std::uint64_t>(r.i64(0, i + 1));
    s.page_size = 8192;
    return s;
  });
}

storage::check_report reader::check() {
  storage::check_report rep;
  auto st = stats();
  if (!st) {
    rep.problems.push_back("cannot read the database: " + st.error().message());
    return rep;
  }
  rep.messages = st->messages;
  rep.purged = st->purged;
  rep.parked = st->parked;
  rep.dedup = st->dedup;
  rep.outbox_entries = st->outbox_entries;
  rep.recipients = st->recipients;
  rep.audit = st->audit;
  auto ran = run<std::vector<std::string>>([&](PGconn* c) -> jubes::result<std::vector<std::string>> {
    std::vector<std::string> problems;
    for (const auto& ru : rules()) {
      pq::res r = pq::exec(c, ru.sql, {}, false);
      if (!r.ok()) return pq::error_of(c, r, "check");
      for (int i = 0; i < r.rows(); ++i) problems.push_back(ru.line(r, i));
    }
    return problems;
  });
  if (!ran)
    rep.problems.push_back("check failed: " + ran.error().message());
  else
    rep.problems = std::move(*ran);
  check_bodies(rep);
  return rep;
}

void reader::check_bodies(storage::check_report& rep) {
  // Every kept body: a sealed one must authenticate, decompress to its stated length and hash to
  // its dedup record; a plain one (written before schema 4) is counted. In pages, by id.
  constexpr int page = 512;
  std::uint64_t from = 0;
  std::size_t bad = 0;
  for (;;) {
    auto ran = run<int>([&](PGconn* c) -> jubes::result<int> {
      pq::params p;
      p.u64(from).i64(page);
      pq::res r = pq::exec(c,
                           "SELECT m.id, m.party, m.referentienummer, m.body, d.sha256 FROM messages m LEFT JOIN dedup "
                           "d ON d.message_id = m.id WHERE m.id > $1::bigint AND NOT m.purged ORDER BY m.id LIMIT "
                           "$2::bigint",
                           p);
      if (!r.ok()) return pq::error_of(c, r, "check (bodies)");
      for (int i = 0; i < r.rows(); ++i) {
        const auto id = static_cast<std::uint64_t>(r.i64(i, 0));
        from = id;
        const auto stored = r.view(i, 3);
        ++rep.blobs;  // on PostgreSQL every body is a value of its own
        if (!storage::body_codec::peek(stored)) {
          ++rep.plain_blobs;
          continue;
        }
        auto plain = keys_.open(c, id, stored, r.view(i, 1), r.view(i, 2));
        std::array<unsigned char, 32> sha{};
        if (!plain) {
          if (bad++ < 100) rep.problems.push_back(plain.error().detail);
        } else if (!r.null(i, 4) && (!sha256(*plain, sha) ||
                                     r.view(i, 4) != std::string_view(reinterpret_cast<const char*>(sha.data()), 32))) {
          if (bad++ < 100)
            rep.problems.push_back("message " + std::to_string(id) +
                                   ": body opens but its SHA-256 is not its dedup "
                                   "record's");
        }
      }
      return r.rows();
    });
    if (!ran) {
      rep.problems.push_back("check failed: " + ran.error().message());
      return;
    }
    if (*ran < page) return;
  }
}

}  // namespace jubes::pgstore::detail
