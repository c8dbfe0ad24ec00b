#include "wiring.hpp"

#include "common/recipient.hpp"

namespace jubes::gateway::detail {

storage::options store_options(const config& cfg) {
  storage::options so;
  so.dir = cfg.data_dir / "store";
  so.map_size_max = cfg.store.map_size_bytes;
  so.map_size_initial = std::min<std::size_t>(so.map_size_max, 1ull << 30);
  so.queue_capacity = cfg.store.queue_capacity;
  so.max_group = cfg.store.max_group;
  so.durable = cfg.store.durable;
  so.retention_bodies = std::chrono::hours(24) * cfg.retention.bodies_days;
  so.retention_dedup_extra = std::chrono::hours(24) * cfg.retention.dedup_extra_days;
  so.retention_audit = std::chrono::hours(24) * cfg.retention.audit_days;
  return so;
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
