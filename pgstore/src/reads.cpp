// SPDX-License-Identifier: EUPL-1.2
#include "reads.hpp"

#include <cstdint>
#include <limits>

#include "common/log.hpp"
#include "storage/audit_chain.hpp"
#include "storage/errc.hpp"
#include "text.hpp"

namespace jubes::pgstore::detail {

namespace {

using storage::errc;
constexpr std::string_view log_c = "pgstore";
constexpr auto i64_max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

constexpr const char* state_cols =
    "h.recipient, h.head, h.acked, (SELECT m.accepted_at_ms FROM outbox o JOIN messages m ON m.id = o.message_id "
    "WHERE o.recipient = h.recipient AND o.seq = h.acked + 1)";

/// The unacknowledged outbox entries with their messages, as late_rows() reads them (no body).
constexpr const char* unacked_entries =
    "SELECT o.recipient, o.seq, o.message_id, m.message_type, m.party, m.accepted_at_ms, o.deadline_ms, "
    "o.at_risk_from_ms FROM outbox o JOIN outbox_heads h ON h.recipient = o.recipient JOIN messages m ON m.id = "
    "o.message_id WHERE o.seq > h.acked AND ";

/// A body's plain length: from a sealed body's header (body_codec.hpp: bytes 12-15, big-endian),
/// else its size (a plain body); 0 when purged.
constexpr const char* plain_length =
    "CASE WHEN m.body IS NULL THEN 0 WHEN substring(m.body FROM 1 FOR 2) = '\\x1b4a'::bytea AND "
    "octet_length(m.body) >= 16 THEN (get_byte(m.body, 12)::bigint << 24) + (get_byte(m.body, 13) << 16) + "
    "(get_byte(m.body, 14) << 8) + get_byte(m.body, 15) ELSE octet_length(m.body) END";

struct stmt {
  const char* name;
  std::string sql;
};

const std::vector<stmt>& statements() {
  static const std::vector<stmt> s = {
      {"r_outbox",
       // A corrected or withdrawn entry (link 1, 2) is a marker: its body is never delivered.
       "SELECT o.seq, o.message_id, m.message_type, m.party, m.accepted_at_ms, m.purged, CASE WHEN o.link IN (1, 2) "
       "THEN NULL ELSE m.body END, o.deadline_ms, o.at_risk_from_ms, o.link, o.link_id, m.referentienummer FROM outbox "
       "o "
       "JOIN messages m ON m.id = o.message_id WHERE o.recipient = $1 AND o.seq > $2::bigint ORDER BY o.seq "
       "LIMIT $3::bigint"},
      {"r_sizes", std::string("SELECT o.seq, CASE WHEN o.link IN (1, 2) THEN 0 ELSE ") + plain_length +
                      " END FROM outbox o JOIN messages m ON m.id = o.message_id "
                      "WHERE o.recipient = $1 AND o.seq > $2::bigint ORDER BY o.seq LIMIT $3::bigint"},
      {"r_state", std::string("SELECT ") + state_cols + " FROM outbox_heads h WHERE h.recipient = $1"},
      {"r_states", std::string("SELECT ") + state_cols + " FROM outbox_heads h WHERE h.head > 0 ORDER BY h.recipient"},
      {"r_get",
       "SELECT party, referentienummer, message_type, recipients, received_at_ms, accepted_at_ms, route_version, "
       "matched_rules, parked, park_reason, purged, body FROM messages WHERE id = $1::bigint"},
      {"r_parked",
       "SELECT id, party, referentienummer, message_type, park_reason, accepted_at_ms FROM messages WHERE parked "
       "ORDER BY id LIMIT $1::bigint"},
      {"r_audit",
       "SELECT seq, at_ms, kind, message_id, party, detail, encode(prev_hash, 'hex'), encode(hash, 'hex') FROM audit "
       "WHERE ($1::bigint = 0 OR message_id = $1::bigint) ORDER BY seq LIMIT $2::bigint"},
      {"r_audit_from",
       "SELECT seq, at_ms, kind, message_id, party, detail, encode(prev_hash, 'hex'), encode(hash, 'hex') FROM audit "
       "WHERE seq >= $1::bigint ORDER BY seq LIMIT $2::bigint"},
      {"r_chain",
       "SELECT head_seq, encode(head_hash, 'hex'), head_at_ms, anchor_seq, encode(anchor_hash, 'hex'), anchor_at_ms "
       "FROM audit_chain"},
      {"r_heads", "SELECT recipient, head FROM outbox_heads"},
      {"r_due_purge",
       "SELECT o.recipient, count(*) FROM outbox o JOIN outbox_heads h ON h.recipient = o.recipient JOIN messages m "
       "ON m.id = o.message_id WHERE o.seq > h.acked AND o.link NOT IN (1, 2) AND NOT m.purged AND m.accepted_at_ms "
       "< $1::bigint GROUP BY "
       "o.recipient ORDER BY o.recipient"},
      {"r_due_purge_entries", std::string(unacked_entries) +
                                  "o.link NOT IN (1, 2) AND NOT m.purged AND m.accepted_at_ms < $1::bigint "
                                  "ORDER BY o.recipient, o.seq LIMIT $2::bigint"},
      {"r_late",
       std::string(unacked_entries) +
           "o.deadline_ms > 0 AND o.at_risk_from_ms <= $1::bigint ORDER BY o.recipient, o.seq LIMIT $2::bigint"},
  };
  return s;
}

storage::outbox_state state_of(const pq::res& r, int row) {
  storage::outbox_state s;
  s.head = static_cast<std::uint64_t>(r.i64(row, 1));
  s.cursor = static_cast<std::uint64_t>(r.i64(row, 2));
  s.oldest_unacked_ms = r.null(row, 3) ? 0 : r.i64(row, 3);
  return s;
}

std::string clamp(std::uint64_t v) {
  return std::to_string(std::min(v, i64_max));
}

jubes::result<pq::res> query(PGconn* c, const char* stmt_name, const pq::params& p) {
  auto v = p.raw();
  pq::res r(PQexecPrepared(c, stmt_name, p.size(), v.values.data(), v.lengths.data(), v.formats.data(), 1));
  if (!r.ok()) return pq::error_of(c, r, stmt_name);
  return r;
}

}  // namespace

jubes::result<pq::conn> reader::acquire() {
  {
    std::unique_lock lk(mu_);
    cv_.wait(lk, [&] { return !idle_.empty() || open_ < size_; });
    if (!idle_.empty()) {
      pq::conn c = std::move(idle_.back());
      idle_.pop_back();
      return c;
    }
    ++open_;
  }
  auto c = pq::connect(conninfo_, "reader");
  if (c)
    for (const auto& s : statements())
      if (auto p = pq::prepare(c->get(), s.name, s.sql.c_str()); !p) {
        c = p.error();
        break;
      }
  if (!c) {
    std::lock_guard lk(mu_);
    --open_;
    cv_.notify_one();
  }
  return c;
}

void reader::release(pq::conn c) {
  std::lock_guard lk(mu_);
  if (c && !pq::broken(c.get()) && PQtransactionStatus(c.get()) == PQTRANS_IDLE)
    idle_.push_back(std::move(c));
  else
    --open_;
  cv_.notify_one();
}

jubes::result<void> reader::warm_up() {
  auto c = acquire();
  if (!c) return c.error();
  release(std::move(*c));
  return {};
}

jubes::result<std::vector<storage::outbox_entry>> reader::read_outbox(std::string_view recipient, std::uint64_t after,
                                                                      std::size_t max) {
  using out_t = std::vector<storage::outbox_entry>;
  if (!valid_name(recipient) || max == 0 || after >= i64_max) return out_t{};
  return run<out_t>([&](PGconn* c) -> jubes::result<out_t> {
    pq::params p;
    p.text(std::string(recipient)).u64(after).text(clamp(max));
    auto r = query(c, "r_outbox", p);
    if (!r) return r.error();
    out_t out;
    out.reserve(static_cast<std::size_t>(r->rows()));
    for (int i = 0; i < r->rows(); ++i) {
      storage::outbox_entry e;
      e.seq = static_cast<std::uint64_t>(r->i64(i, 0));
      e.message_id = static_cast<std::uint64_t>(r->i64(i, 1));
      e.message_type = r->str(i, 2);
      e.source_party = r->str(i, 3);
      e.accepted_at_ms = r->i64(i, 4);
      e.purged = r->boolean(i, 5);
      if (!e.purged && !r->null(i, 6)) {
        auto b = keys_.open(c, e.message_id, r->view(i, 6), e.source_party, r->view(i, 11));
        if (!b) return b.error();
        e.body = std::move(*b);
      }
      e.deadline_ms = r->i64(i, 7);
      e.at_risk_from_ms = r->i64(i, 8);
      e.link = static_cast<storage::entry_link>(r->i64(i, 9));
      e.link_id = static_cast<std::uint64_t>(r->i64(i, 10));
      out.push_back(std::move(e));
    }
    return out;
  });
}

namespace {

/// The rows of r_late and r_due_purge_entries: recipient, seq, message id, type, source, accepted, deadline,
/// at risk from.
std::vector<storage::late_entry> late_rows(const pq::res& r) {
  std::vector<storage::late_entry> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i)
    out.push_back(storage::late_entry{r.str(i, 0), static_cast<std::uint64_t>(r.i64(i, 1)),
                                      static_cast<std::uint64_t>(r.i64(i, 2)), r.str(i, 3), r.str(i, 4), r.i64(i, 5),
                                      r.i64(i, 6), r.i64(i, 7)});
  return out;
}

}  // namespace

// The counts and the list are two statements: an ack between them can leave an entry counted and
// not listed (or the reverse); the next report agrees again.
jubes::result<storage::due_for_purge> reader::unacked_due_for_purge(std::int64_t before_ms, std::size_t max_entries) {
  using out_t = storage::due_for_purge;
  return run<out_t>([&](PGconn* c) -> jubes::result<out_t> {
    pq::params p;
    p.i64(before_ms);
    auto r = query(c, "r_due_purge", p);
    if (!r) return r.error();
    out_t out;
    for (int i = 0; i < r->rows(); ++i) out.counts.emplace_back(r->str(i, 0), static_cast<std::uint64_t>(r->i64(i, 1)));
    if (max_entries == 0 || out.counts.empty()) return out;
    p.text(clamp(max_entries));
    auto e = query(c, "r_due_purge_entries", p);
    if (!e) return e.error();
    out.entries = late_rows(*e);
    return out;
  });
}

jubes::result<std::vector<storage::late_entry>> reader::late_entries(std::int64_t now_ms, std::size_t max) {
  using out_t = std::vector<storage::late_entry>;
  if (max == 0) return out_t{};
  return run<out_t>([&](PGconn* c) -> jubes::result<out_t> {
    pq::params p;
    p.i64(now_ms).text(clamp(max));
    auto r = query(c, "r_late", p);
    if (!r) return r.error();
    return late_rows(*r);
  });
}

jubes::result<storage::outbox_batch> reader::read_batch(std::string_view recipient, std::uint64_t after,
                                                        std::size_t max, std::size_t max_bytes) {
  if (!valid_name(recipient) || max == 0 || after >= i64_max) return storage::outbox_batch{};
  // How many entries fit: the first always, then while the bodies stay within max_bytes.
  auto sized = run<std::pair<std::size_t, bool>>([&](PGconn* c) -> jubes::result<std::pair<std::size_t, bool>> {
    pq::params p;
    p.text(std::string(recipient)).u64(after).text(clamp(max == SIZE_MAX ? max : max + 1));
    auto r = query(c, "r_sizes", p);
    if (!r) return r.error();
    std::size_t n = 0, bytes = 0;
    const auto rows = static_cast<std::size_t>(r->rows());
    while (n < rows && n < max) {
      auto size = static_cast<std::size_t>(r->i64(static_cast<int>(n), 1));
      if (n > 0 && (size > max_bytes || bytes > max_bytes - size)) break;
      bytes += size;
      ++n;
    }
    return std::pair{n, rows > n};
  });
  if (!sized) return sized.error();
  storage::outbox_batch out;
  if (sized->first == 0) return out;
  auto es = read_outbox(recipient, after, sized->first);
  if (!es) return es.error();
  out.entries = std::move(*es);
  out.more = sized->second;
  return out;
}

jubes::result<storage::outbox_state> reader::outbox(std::string_view recipient) {
  if (!valid_name(recipient)) return storage::outbox_state{};
  return run<storage::outbox_state>([&](PGconn* c) -> jubes::result<storage::outbox_state> {
    pq::params p;
    p.text(std::string(recipient));
    auto r = query(c, "r_state", p);
    if (!r) return r.error();
    return r->rows() ? state_of(*r, 0) : storage::outbox_state{};
  });
}

jubes::result<std::vector<std::pair<std::string, storage::outbox_state>>> reader::outboxes() {
  using out_t = std::vector<std::pair<std::string, storage::outbox_state>>;
  return run<out_t>([&](PGconn* c) -> jubes::result<out_t> {
    auto r = query(c, "r_states", {});
    if (!r) return r.error();
    out_t out;
    for (int i = 0; i < r->rows(); ++i) out.emplace_back(r->str(i, 0), state_of(*r, i));
    return out;
  });
}

jubes::result<std::optional<storage::stored_message>> reader::get(std::uint64_t id) {
  using out_t = std::optional<storage::stored_message>;
  if (id == 0 || id > i64_max) return out_t{};
  return run<out_t>([&](PGconn* c) -> jubes::result<out_t> {
    pq::params p;
    p.u64(id);
    auto r = query(c, "r_get", p);
    if (!r) return r.error();
    if (r->rows() == 0) return out_t{};
    storage::stored_message m;
    m.message_id = id;
    m.source_party = r->str(0, 0);
    m.referentienummer = r->str(0, 1);
    m.message_type = r->str(0, 2);
    m.recipients = r->text_array(0, 3);
    m.received_at_ms = r->i64(0, 4);
    m.accepted_at_ms = r->i64(0, 5);
    m.route_version = r->str(0, 6);
    m.matched_rules = r->text_array(0, 7);
    m.parked = r->boolean(0, 8);
    m.park_reason = r->str(0, 9);
    m.purged = r->boolean(0, 10);
    if (!m.purged) {
      auto b = keys_.open(c, id, r->view(0, 11), m.source_party, m.referentienummer);
      if (!b) return b.error();
      m.body = std::move(*b);
    }
    return out_t(std::move(m));
  });
}

jubes::result<std::vector<storage::parked_entry>> reader::parked(std::size_t max) {
  using out_t = std::vector<storage::parked_entry>;
  return run<out_t>([&](PGconn* c) -> jubes::result<out_t> {
    pq::params p;
    p.text(clamp(max));
    auto r = query(c, "r_parked", p);
    if (!r) return r.error();
    out_t out;
    for (int i = 0; i < r->rows(); ++i)
      out.push_back(storage::parked_entry{static_cast<std::uint64_t>(r->i64(i, 0)), r->str(i, 1), r->str(i, 2),
                                          r->str(i, 3), r->str(i, 4), r->i64(i, 5)});
    return out;
  });
}

namespace {

/// One audit row (seq, at, kind, message id, party, detail, prev hash hex, hash hex).
storage::audit_record audit_row(const pq::res& r, int i) {
  storage::audit_record a;
  a.seq = static_cast<std::uint64_t>(r.i64(i, 0));
  a.at_ms = r.i64(i, 1);
  a.kind = static_cast<storage::audit_kind>(r.i64(i, 2));
  a.message_id = static_cast<std::uint64_t>(r.i64(i, 3));
  a.party = r.str(i, 4);
  a.detail = r.str(i, 5);
  a.chained = !r.null(i, 7);
  if (a.chained && (r.null(i, 6) || !storage::audit_chain::parse_hex(r.str(i, 6), a.prev_hash) ||
                    !storage::audit_chain::parse_hex(r.str(i, 7), a.hash)))
    a.damage = "audit " + std::to_string(a.seq) + ": hashes not 32 bytes each";
  return a;
}

storage::chain_point point_at(const pq::res& r, int col) {
  storage::chain_point p;
  p.seq = static_cast<std::uint64_t>(r.i64(0, col));
  storage::audit_chain::parse_hex(r.str(0, col + 1), p.hash);
  p.at_ms = r.i64(0, col + 2);
  return p;
}

}  // namespace

jubes::result<std::vector<storage::audit_record>> reader::audit(std::uint64_t message_id, std::size_t max) {
  using out_t = std::vector<storage::audit_record>;
  if (message_id > i64_max) return out_t{};
  return run<out_t>([&](PGconn* c) -> jubes::result<out_t> {
    pq::params p;
    p.u64(message_id).text(clamp(max));
    auto r = query(c, "r_audit", p);
    if (!r) return r.error();
    out_t out;
    for (int i = 0; i < r->rows(); ++i) out.push_back(audit_row(*r, i));
    return out;
  });
}

jubes::result<storage::audit_chain_state> reader::audit_chain() {
  return run<storage::audit_chain_state>([&](PGconn* c) -> jubes::result<storage::audit_chain_state> {
    auto r = query(c, "r_chain", {});
    if (!r) return r.error();
    if (r->rows() != 1) return fail(errc::corrupt, "audit_chain: " + std::to_string(r->rows()) + " rows, not one");
    return storage::audit_chain_state{point_at(*r, 3), point_at(*r, 0)};
  });
}

jubes::result<void> reader::scan_audit(std::uint64_t from,
                                       const std::function<bool(const storage::audit_record&)>& visit) {
  constexpr std::size_t page = 4096;
  for (;;) {
    if (from > i64_max) return {};
    auto rows =
        run<std::vector<storage::audit_record>>([&](PGconn* c) -> jubes::result<std::vector<storage::audit_record>> {
          pq::params p;
          p.u64(from).text(std::to_string(page));
          auto r = query(c, "r_audit_from", p);
          if (!r) return r.error();
          std::vector<storage::audit_record> out;
          for (int i = 0; i < r->rows(); ++i) out.push_back(audit_row(*r, i));
          return out;
        });
    if (!rows) return rows.error();
    for (const auto& a : *rows)
      if (!visit(a)) return {};
    if (rows->size() < page) return {};
    from = rows->back().seq + 1;
  }
}

jubes::result<std::vector<std::pair<std::string, std::uint64_t>>> reader::heads() {
  using out_t = std::vector<std::pair<std::string, std::uint64_t>>;
  return run<out_t>([&](PGconn* c) -> jubes::result<out_t> {
    auto r = query(c, "r_heads", {});
    if (!r) return r.error();
    out_t out;
    for (int i = 0; i < r->rows(); ++i) out.emplace_back(r->str(i, 0), static_cast<std::uint64_t>(r->i64(i, 1)));
    return out;
  });
}

}  // namespace jubes::pgstore::detail
