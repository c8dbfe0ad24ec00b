// SPDX-License-Identifier: EUPL-1.2
#include "wiring.hpp"

#include <cmath>
#include <cstdlib>

#include "common/recipient.hpp"
#include "pgstore/pgstore.hpp"
#include "storage/body_codec.hpp"
#include "storage/errc.hpp"

namespace jubes::gateway::detail {

namespace {
/// Retention periods are days in the configuration, fractions allowed (scripts/soak uses seconds).
std::chrono::seconds days(double d) {
  return std::chrono::seconds(static_cast<std::int64_t>(std::llround(d * 86400.0)));
}
}  // namespace

storage::options store_options(const config& cfg) {
  storage::options so;
  so.dir = cfg.data_dir / "store";
  so.map_size_max = cfg.store.map_size_bytes;
  so.map_size_initial = std::min<std::size_t>(so.map_size_max, 1ull << 30);
  so.queue_capacity = cfg.store.queue_capacity;
  so.max_group = cfg.store.max_group;
  so.durable = cfg.store.durable;
  so.verify = cfg.store.verify_on_start == "full"   ? storage::open_check::full
              : cfg.store.verify_on_start == "none" ? storage::open_check::none
                                                    : storage::open_check::structure;
  so.retention_bodies = days(cfg.retention.bodies_days);
  so.retention_dedup_extra = days(cfg.retention.dedup_extra_days);
  so.retention_audit = days(cfg.retention.audit_days);
  so.retention_interval = std::chrono::seconds(cfg.retention.interval_s);
  return so;
}

jubes::result<storage::at_rest_options> at_rest_options(const config& cfg) {
  storage::at_rest_options ar;
  ar.comp = cfg.store.compression == "none" ? storage::compression::none : storage::compression::zstd;
  std::filesystem::path kek = cfg.store.kek_file;
  if (!cfg.store.kek_credential.empty()) {
    const char* creds = std::getenv("CREDENTIALS_DIRECTORY");
    if (!creds || !*creds)
      return jubes::fail(storage::errc::bad_key,
                         "store.encryption.kek_credential " + cfg.store.kek_credential +
                             ": $CREDENTIALS_DIRECTORY is not set (LoadCredential= in the unit)");
    kek = std::filesystem::path(creds) / cfg.store.kek_credential;
  }
  if (kek.empty()) return ar;
  auto k = storage::read_kek_file(kek);
  if (!k) return k.error();
  ar.kek = *k;
  ar.kek_source = kek.string();
  return ar;
}

jubes::result<storage::options> lmdb_options(const config& cfg) {
  auto so = store_options(cfg);
  auto ar = at_rest_options(cfg);
  if (!ar) return jubes::fail(ar.error(), "store " + so.dir.string() + ": " + ar.error().detail);
  so.at_rest = std::move(*ar);
  return so;
}

bool uses_postgresql(const config& cfg) {
  return cfg.store.backend == "postgresql";
}

jubes::result<pgstore::options> pg_options(const config& cfg) {
  auto ar = at_rest_options(cfg);
  if (!ar) return jubes::fail(ar.error(), "store (postgresql): " + ar.error().detail);
  pgstore::options po;
  po.at_rest = std::move(*ar);
  po.conninfo = cfg.store.postgresql_conninfo;
  po.queue_capacity = cfg.store.queue_capacity;
  // Tens to a hundred requests per transaction: larger batches hold the head-row locks that
  // other nodes' writers wait for longer (docs/storage.md, "PostgreSQL backend").
  po.max_group = std::min<std::size_t>(cfg.store.max_group, 100);
  po.retention_bodies = days(cfg.retention.bodies_days);
  po.retention_dedup_extra = days(cfg.retention.dedup_extra_days);
  po.retention_audit = days(cfg.retention.audit_days);
  po.retention_interval = std::chrono::seconds(cfg.retention.interval_s);
  return po;
}

jubes::result<std::unique_ptr<storage::backend>> open_backend(const config& cfg) {
  if (uses_postgresql(cfg)) {
    auto po = pg_options(cfg);
    if (!po) return po.error();
    auto st = pgstore::store::open(*po);
    if (!st) return jubes::fail(st.error(), "store (postgresql): " + st.error().message());
    return std::unique_ptr<storage::backend>(std::move(*st));
  }
  auto so = lmdb_options(cfg);
  if (!so) return so.error();
  auto st = storage::store::open(*so);
  if (!st) return jubes::fail(st.error(), "store " + so->dir.string() + ": " + st.error().message());
  return std::unique_ptr<storage::backend>(std::move(*st));
}

std::vector<codecs::schema_set_config> schema_sets(const config& cfg) {
  std::vector<codecs::schema_set_config> sets;
  for (const auto& sc : cfg.schemas) {
    codecs::schema_set_config c;
    c.name = sc.name;
    c.entry_points = sc.entry_points;
    c.handle_multiple_imports = sc.handle_multiple_imports;
    for (const auto& r : sc.roots) c.roots.emplace_back(sc.root_namespace.empty() ? "*" : sc.root_namespace, r);
    sets.push_back(std::move(c));
  }
  return sets;
}

routing::compile_context compile_context(const config& cfg, std::shared_ptr<const codecs::schema_catalog> catalog,
                                         std::shared_ptr<const routing::gemeente_registry> gemeenten) {
  routing::compile_context cc;
  cc.gemeenten = std::move(gemeenten);
  for (const auto& t : codecs::jubes_message_types()) cc.message_types.insert(t);
  for (const auto& p : cfg.parties) {
    if (p.role == party_role::recipient && !is_municipality_name(p.id)) cc.named_recipients.insert(p.id);
    if (p.role == party_role::source)
      for (const auto& t : p.message_types) {
        cc.allowed_sources[t].insert(p.id);
        cc.message_types.insert(t);
      }
  }
  cc.municipal_boxes.insert(cfg.municipal_boxes.begin(), cfg.municipal_boxes.end());
  if (catalog)
    cc.schema_can_supply = [catalog](std::string_view type, std::string_view path) {
      return catalog->can_supply(type, path);
    };
  return cc;
}

std::string source_for_zender(const config& cfg, const std::string& organisatie, const std::string& applicatie) {
  for (const auto& p : cfg.parties)
    if (p.role == party_role::source && p.zender_organisatie == organisatie && p.zender_applicatie == applicatie)
      return p.id;
  return {};
}

}  // namespace jubes::gateway::detail
