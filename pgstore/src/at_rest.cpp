// SPDX-License-Identifier: EUPL-1.2
#include "at_rest.hpp"

#include <chrono>
#include <map>

#include "common/log.hpp"
#include "storage/errc.hpp"

namespace jubes::pgstore::detail {

namespace {

using storage::errc;
constexpr std::string_view log_c = "pgstore";

struct wrapped_key {
  std::string wrapped;
  bool active = false;
};

jubes::result<std::map<std::uint32_t, wrapped_key>> read_keys(PGconn* c, bool lock) {
  const std::string q =
      std::string("SELECT id::bigint, wrapped, active FROM data_keys ORDER BY id") + (lock ? " FOR UPDATE" : "");
  pq::res r = pq::exec(c, q);
  if (!r.ok()) return pq::error_of(c, r, "reading data_keys");
  std::map<std::uint32_t, wrapped_key> out;
  for (int i = 0; i < r.rows(); ++i)
    out[static_cast<std::uint32_t>(r.i64(i, 0))] = wrapped_key{r.str(i, 1), r.boolean(i, 2)};
  return out;
}

void rollback(PGconn* c) {
  if (!pq::broken(c)) pq::res rb = pq::exec(c, "ROLLBACK", {}, false);
}

}  // namespace

at_rest::at_rest(storage::at_rest_options o)
    : opt_(std::move(o)), codec_(std::make_shared<storage::body_codec>(opt_.comp, nullptr, opt_.zstd_level)) {}

std::string at_rest::context(std::string_view party, std::string_view ref) {
  std::string s;
  s.reserve(party.size() + ref.size() + 1);
  s.append(party).push_back('\0');
  s.append(ref);
  return s;
}

std::uint32_t at_rest::active() const {
  return codec_->keys()->active;
}

jubes::result<void> at_rest::load(PGconn* c) {
  std::lock_guard lk(refresh_mu_);
  if (opt_.kek) {
    // The first node with a KEK creates data key 1; a concurrent one keeps the winner's (and is
    // refused below if its KEK is another).
    auto keys = read_keys(c, false);
    if (!keys) return keys.error();
    if (keys->empty()) {
      const std::uint32_t id = 1;
      const auto dek = storage::random_key();
      pq::params p;
      p.bytes(storage::wrap_key(*opt_.kek, id, dek))
          .i64(
              std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
                  .count());
      pq::res r = pq::exec(c,
                           "INSERT INTO data_keys (id, wrapped, created_at_ms, active) VALUES (1, $1::bytea, "
                           "$2::bigint, true) ON CONFLICT DO NOTHING",
                           p);
      if (!r.ok()) return pq::error_of(c, r, "creating data key 1");
      if (PQcmdTuples(r.get())[0] == '1') log::info(log_c, "data_key_created", {{"id", std::uint64_t{id}}});
    }
  }
  if (auto r = refresh_locked(c, opt_.kek ? &*opt_.kek : nullptr); !r) {
    log::error(log_c, "key_refused", {{"error", r.error().detail}});
    return r;
  }
  const auto ring = codec_->keys();
  log::info(log_c, "at_rest",
            {{"compression", opt_.comp == storage::compression::zstd ? "zstd" : "none"},
             {"active_key", std::uint64_t{ring->active}},
             {"data_keys", std::uint64_t{ring->keys.size()}}});
  return {};
}

jubes::result<void> at_rest::refresh(PGconn* c) {
  std::lock_guard lk(refresh_mu_);
  return refresh_locked(c, opt_.kek ? &*opt_.kek : nullptr);
}

jubes::result<void> at_rest::refresh_locked(PGconn* c, const storage::key_bytes* kek) {
  auto keys = read_keys(c, false);
  if (!keys) return keys.error();
  const auto old = codec_->keys();
  auto next = std::make_shared<storage::key_ring>();
  next->active = 0;
  if (!keys->empty() && !kek)
    return fail(errc::bad_key, "the PostgreSQL store holds encrypted bodies (" + std::to_string(keys->size()) +
                                   " data key(s)) and no key-encryption key is configured "
                                   "(store.encryption.kek_file or kek_credential)");
  const std::string source = opt_.kek_source.empty() ? std::string("the configured KEK") : opt_.kek_source;
  for (const auto& [id, w] : *keys) {
    if (auto k = old->keys.find(id); k != old->keys.end()) {
      next->keys.emplace(id, k->second);
    } else {
      auto u = storage::unwrap_key(*kek, id, w.wrapped);
      if (!u) return fail(u.error(), "PostgreSQL store: " + u.error().detail + " (" + source + ")");
      next->keys.emplace(id, *u);
    }
    if (w.active) next->active = id;
  }
  if (!keys->empty() && next->active == 0)
    return fail(errc::corrupt,
                "PostgreSQL store: data_keys has " + std::to_string(keys->size()) + " key(s) but none is active");
  codec_->set_keys(std::move(next));
  return {};
}

jubes::result<void> at_rest::ensure_active(PGconn* c, std::uint32_t active) {
  if (codec_->keys()->active == active) return {};
  if (auto r = refresh(c); !r) return r;
  if (codec_->keys()->active != active)
    return fail(errc::io_error, "PostgreSQL store: active data key " + std::to_string(active) +
                                    " changed while it was read; the batch is retried");
  log::info(log_c, "data_key_active", {{"id", std::uint64_t{active}}});
  return {};
}

jubes::result<void> at_rest::seal(std::string_view plain, std::string_view party, std::string_view ref,
                                  std::string& out, std::uint32_t& key_id) const {
  out.clear();
  key_id = 0;
  if (!codec_->sealing()) {
    out.assign(plain);
    return {};
  }
  if (auto r = codec_->seal(plain, context(party, ref), out); !r) return r;
  if (auto info = storage::body_codec::peek(out)) key_id = info->key_id;
  return {};
}

jubes::result<std::string> at_rest::open(PGconn* c, std::uint64_t id, std::string_view stored, std::string_view party,
                                         std::string_view ref) {
  auto info = storage::body_codec::peek(stored);
  if (!info) return std::string(stored);  // plain, written before schema 4 or without sealing
  if (info->encrypted && !codec_->keys()->keys.contains(info->key_id))
    if (auto r = refresh(c); !r) return fail(r.error(), "message " + std::to_string(id) + ": " + r.error().detail);
  std::string out;
  if (auto r = codec_->open(stored, context(party, ref), out); !r)
    return fail(r.error(), "message " + std::to_string(id) + ": " + r.error().detail);
  return out;
}

jubes::result<std::uint32_t> at_rest::rotate(PGconn* c, const storage::key_bytes& kek, std::int64_t now_ms) {
  std::lock_guard lk(refresh_mu_);
  pq::res b = pq::exec(c, "BEGIN", {}, false);
  if (!b.ok()) return pq::error_of(c, b, "BEGIN");
  // The chain row first: every write transaction locks it last, after it read nothing of the
  // keys, so a batch either committed before this rotation or reads its new active key.
  pq::res ch = pq::exec(c, "SELECT head_seq FROM audit_chain FOR UPDATE");
  if (!ch.ok()) {
    auto e = pq::error_of(c, ch, "locking audit_chain");
    rollback(c);
    return e;
  }
  auto keys = read_keys(c, true);
  if (!keys) {
    rollback(c);
    return keys.error();
  }
  // The KEK must unwrap the existing keys: a rotation never forks the key set.
  auto ring = std::make_shared<storage::key_ring>();
  for (const auto& [kid, w] : *keys) {
    auto k = storage::unwrap_key(kek, kid, w.wrapped);
    if (!k) {
      rollback(c);
      return fail(k.error(), "PostgreSQL store: " + k.error().detail);
    }
    ring->keys.emplace(kid, *k);
  }
  const std::uint32_t id = keys->empty() ? 1 : keys->rbegin()->first + 1;
  const auto dek = storage::random_key();
  pq::params p;
  p.u64(id).bytes(storage::wrap_key(kek, id, dek)).i64(now_ms);
  pq::res off = pq::exec(c, "UPDATE data_keys SET active = false WHERE active", {}, false);
  pq::res ins = off.ok() ? pq::exec(c,
                                    "INSERT INTO data_keys (id, wrapped, created_at_ms, active) VALUES ($1::integer, "
                                    "$2::bytea, $3::bigint, true)",
                                    p, false)
                         : pq::res();
  if (!off.ok() || !ins.ok()) {
    auto e = pq::error_of(c, off.ok() ? ins : off, "storing the new data key");
    rollback(c);
    return e;
  }
  pq::res cm = pq::exec(c, "COMMIT", {}, false);
  if (!cm.ok())
    return fail(errc::io_error, "PostgreSQL store: the COMMIT of data key " + std::to_string(id) +
                                    " failed or its outcome is unknown (" + pq::error_of(c, cm, "COMMIT").detail +
                                    "); `jubesctl keys rotate` again is safe");
  ring->keys.emplace(id, dek);
  ring->active = id;
  codec_->set_keys(std::move(ring));
  log::info(log_c, "data_key_created", {{"id", std::uint64_t{id}}});
  return id;
}

jubes::result<std::size_t> at_rest::reseal_some(PGconn* c, std::uint64_t& from, std::size_t max, bool& done) {
  done = false;
  if (auto r = refresh(c); !r) return r.error();
  const std::uint32_t active = codec_->keys()->active;
  if (active == 0)
    return fail(errc::invalid_argument, "no data key is active (no key-encryption key): nothing to re-encrypt with");
  pq::res b = pq::exec(c, "BEGIN", {}, false);
  if (!b.ok()) return pq::error_of(c, b, "BEGIN");
  pq::params p;
  p.u64(from).u64(max);
  pq::res r = pq::exec(c,
                       "SELECT id, party, referentienummer, body FROM messages WHERE id > $1::bigint AND NOT purged "
                       "ORDER BY id LIMIT $2::bigint FOR NO KEY UPDATE",
                       p);
  if (!r.ok()) {
    auto e = pq::error_of(c, r, "reading bodies to re-encrypt");
    rollback(c);
    return e;
  }
  std::size_t n = 0;
  std::uint64_t last = from;
  for (int i = 0; i < r.rows(); ++i) {
    const auto id = static_cast<std::uint64_t>(r.i64(i, 0));
    last = id;
    const auto stored = r.view(i, 3);
    auto info = storage::body_codec::peek(stored);
    if (info && info->encrypted && info->key_id == active) continue;
    auto plain = open(c, id, stored, r.view(i, 1), r.view(i, 2));
    if (!plain) {
      rollback(c);
      return plain.error();
    }
    std::string sealed;
    std::uint32_t kid = 0;
    if (auto s = seal(*plain, r.view(i, 1), r.view(i, 2), sealed, kid); !s) {
      rollback(c);
      return s.error();
    }
    pq::params u;
    u.u64(id).bytes(std::move(sealed));
    pq::res w = pq::exec(c, "UPDATE messages SET body = $2::bytea WHERE id = $1::bigint", u, false);
    if (!w.ok()) {
      auto e = pq::error_of(c, w, "re-encrypting message " + std::to_string(id));
      rollback(c);
      return e;
    }
    ++n;
  }
  pq::res cm = pq::exec(c, "COMMIT", {}, false);
  if (!cm.ok()) return pq::error_of(c, cm, "COMMIT of re-encrypted bodies");
  from = last;
  done = static_cast<std::size_t>(r.rows()) < max;
  return n;
}

}  // namespace jubes::pgstore::detail
