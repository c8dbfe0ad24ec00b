// SPDX-License-Identifier: EUPL-1.2
// database's bodies at rest: the data keys in meta, rotation and re-sealing (docs/storage.md,
// "Bodies at rest").
#include "common/log.hpp"
#include "database.hpp"
#include "storage/errc.hpp"

namespace jubes::storage {

namespace {
constexpr std::string_view log_c = "storage";

/// The ring from the wrapped keys in meta. @return errc::bad_key when the KEK does not unwrap one.
jubes::result<std::shared_ptr<key_ring>> unwrap_all(const std::map<std::uint32_t, std::string>& wrapped,
                                                    std::uint64_t active, const at_rest_options& o,
                                                    const std::filesystem::path& dir) {
  auto ring = std::make_shared<key_ring>();
  if (wrapped.empty()) return ring;
  if (!o.kek)
    return fail(errc::bad_key, "store " + dir.string() + " holds encrypted bodies (" + std::to_string(wrapped.size()) +
                                   " data key(s)) and no key-encryption key is configured "
                                   "(store.encryption.kek_file or kek_credential)");
  for (const auto& [id, w] : wrapped) {
    auto k = unwrap_key(*o.kek, id, w);
    if (!k)
      return fail(k.error(), "store " + dir.string() + ": " + k.error().detail + " (" +
                                 (o.kek_source.empty() ? std::string("the configured KEK") : o.kek_source) + ")");
    ring->keys.emplace(id, *k);
  }
  if (!ring->keys.contains(static_cast<std::uint32_t>(active)))
    return fail(errc::corrupt, "store " + dir.string() + ": active data key " + std::to_string(active) + " missing");
  ring->active = static_cast<std::uint32_t>(active);
  return ring;
}

}  // namespace

template <class F>
jubes::result<void> database::write_durably(F&& f) {
  {
    // Shared: the writer resizes the map only when no transaction of this process is open.
    std::shared_lock lk(map_mu_);
    auto t = begin_write();
    if (!t) return t.error();
    if (auto r = f(*t); !r) return r;
    if (int rc = t->commit(); rc != 0) return tables::lmdb_error(rc);
  }
  return sync();
}

jubes::result<void> database::open_at_rest(const at_rest_options& o) {
  std::map<std::uint32_t, std::string> wrapped;
  std::uint64_t active = 0;
  auto rd = read([&](const lmdb::txn& t) -> jubes::result<void> {
    auto w = tables_.meta.wrapped_keys(t);
    if (!w) return w.error();
    wrapped = std::move(*w);
    auto a = tables_.meta.get(t, tables::meta_db::key::active_key);
    if (!a) return a.error();
    active = a->value_or(0);
    return {};
  });
  if (!rd) return rd;
  auto ring = unwrap_all(wrapped, active, o, dir_);
  if (!ring) {
    log::error(log_c, "key_refused", {{"dir", dir_.string()}, {"error", ring.error().detail}});
    return ring.error();
  }
  codec_ = std::make_shared<body_codec>(o.comp, *ring, o.zstd_level);
  tables_.blobs.set_codec(codec_.get());
  if (o.kek && wrapped.empty() && !read_only_) {
    if (auto r = rotate_key(*o.kek); !r) return r.error();
  }
  log::info(log_c, "at_rest",
            {{"dir", dir_.string()},
             {"compression", o.comp == compression::zstd ? "zstd" : "none"},
             {"active_key", std::uint64_t{codec_->keys()->active}},
             {"data_keys", std::uint64_t{codec_->keys()->keys.size()}}});
  return {};
}

jubes::result<std::uint32_t> database::rotate_key(const key_bytes& kek) {
  std::lock_guard lk(keys_mu_);
  if (read_only_) return fail(errc::read_only, "key rotation needs a writable store");
  auto old = codec_->keys();
  auto next = std::make_shared<key_ring>(*old);
  const std::uint32_t id = old->keys.empty() ? 1 : old->keys.rbegin()->first + 1;
  const key_bytes dek = random_key();
  auto w = write_durably([&](const lmdb::txn& t) -> jubes::result<void> {
    // The KEK must be the one that wraps the existing keys: a rotation never forks the key set.
    auto existing = tables_.meta.wrapped_keys(t);
    if (!existing) return existing.error();
    for (const auto& [kid, wrapped] : *existing)
      if (auto k = unwrap_key(kek, kid, wrapped); !k) return k.error();
    if (auto r = tables_.meta.put_wrapped_key(t, id, wrap_key(kek, id, dek)); !r) return r;
    return tables_.meta.put(t, tables::meta_db::key::active_key, id);
  });
  if (!w) return w.error();
  next->keys.emplace(id, dek);
  next->active = id;
  codec_->set_keys(std::move(next));
  log::info(log_c, "data_key_created", {{"dir", dir_.string()}, {"id", std::uint64_t{id}}});
  return id;
}

jubes::result<std::size_t> database::reseal_some(std::uint64_t& from, std::size_t max) {
  if (read_only_) return fail(errc::read_only, "re-encryption needs a writable store");
  const std::uint32_t active = codec_->keys()->active;
  std::size_t done = 0;
  auto w = write_durably([&](const lmdb::txn& t) -> jubes::result<void> {
    auto sc = tables::scan<tables::blobs_db>::open(t, tables_.blobs);
    if (!sc) return sc.error();
    struct stale_blob {
      std::uint64_t id;
      std::vector<std::uint64_t> ids;
      std::string bodies;  // copied out of the map: the puts below may move its pages
    };
    std::vector<stale_blob> stale;
    for (auto e = sc->seek(from); stale.size() < max; e = sc->next()) {
      if (!e) return e.error();
      if (!*e) break;
      auto& b = **e;
      from = b.id + 1;
      auto info = b.sealed ? body_codec::peek(b.data.substr(codec::blob_header_len(b.count))) : std::nullopt;
      if (info && info->key_id == active) continue;
      if (auto o = tables_.blobs.open_bodies(b); !o) return o;
      stale.push_back({b.id, b.ids(), std::string(b.bodies)});
    }
    for (auto& b : stale)
      if (auto r = tables_.blobs.put(t, b.id, b.ids, b.bodies, false); !r) return r;
    done = stale.size();
    return {};
  });
  if (!w) return w.error();
  return done;
}

}  // namespace jubes::storage
