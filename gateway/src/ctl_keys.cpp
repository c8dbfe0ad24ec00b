// SPDX-License-Identifier: EUPL-1.2
// jubesctl keys rotate [--reencrypt]: a new data key for new bodies, through the gateway that owns
// the data directory (POST /v1/admin/keys/rotate) or on the store directly when none runs (on
// PostgreSQL always on the database, which the nodes share); with
// --reencrypt older bodies are re-sealed under it (in the background on a gateway; here, before
// the command returns; an interrupted run resumes when started again).
#include <boost/json.hpp>

#include "ctl_context.hpp"
#include "pgstore/pgstore.hpp"
#include "storage/admin.hpp"
#include "wiring.hpp"

namespace jubes::gateway::ctl {
namespace json = boost::json;

namespace {

/// PostgreSQL: on the database directly, whether nodes run or not. Every node's next batch reads
/// the new active key after the audit chain's lock (docs/storage.md, "Bodies at rest").
outcome rotate_postgresql(context& c, bool reencrypt) {
  auto po = detail::pg_options(c.cfg());
  if (!po) return failure(failed, "keys rotate: " + po.error().message());
  if (!po->at_rest.kek)
    return failure(failed,
                   "keys rotate: no key-encryption key configured (store.encryption.kek_file or kek_credential)");
  auto s = c.open_readonly();  // the PostgreSQL store, with the KEK: refused if it does not unwrap the keys
  auto* pg = dynamic_cast<pgstore::store*>(s.get());
  if (!pg) return failure(failed, "keys rotate: not a PostgreSQL store");
  auto id = pg->rotate_key(*po->at_rest.kek, false);
  if (!id) return failure(failed, "keys rotate: " + id.error().message());
  std::string text = "data key " + std::to_string(*id) + " is now active for new messages on every node\n";
  std::uint64_t resealed = 0;
  std::string what = "data key " + std::to_string(*id) + " active";
  if (reencrypt) {
    auto n = pg->reseal();
    if (!n) {
      what += ", re-encryption failed: " + n.error().message();
      auto rec = storage::admin::record(
          *s, {storage::audit_kind::keys_rotated, 0, c.operator_name(), storage::operator_detail(what, c.reason)});
      return failure(failed, "keys rotate --reencrypt: " + n.error().message() + " (run it again to resume)" +
                                 (rec ? "" : "; NOT AUDITED: " + rec.error().message()));
    }
    resealed = *n;
    text += "re-encrypted " + std::to_string(*n) + " bodies with data key " + std::to_string(*id) + "\n";
    what += ", re-encrypted " + std::to_string(resealed) + " bodies";
  }
  auto rec = storage::admin::record(
      *s, {storage::audit_kind::keys_rotated, 0, c.operator_name(), storage::operator_detail(what, c.reason)});
  if (!rec) return failure(failed, "keys rotated (" + what + ") but NOT AUDITED: " + rec.error().message());
  return success(json::object{{"key_id", *id}, {"reencrypt", reencrypt}, {"resealed_bodies", resealed}}, text);
}

}  // namespace

outcome cmd_keys_rotate(context& c, args& a) {
  const bool reencrypt = a.flag("--reencrypt");
  a.exactly(0, "keys rotate [--reencrypt]");
  if (c.postgresql()) return rotate_postgresql(c, reencrypt);
  if (c.locate() == context::target::gateway) {
    auto [status, j] = c.admin("POST", std::string("/v1/admin/keys/rotate") + (reencrypt ? "?reencrypt=1" : ""));
    std::string text;
    if (status == 200)
      text = "data key " + json::serialize(j.at("key_id")) + " is now active for new messages" +
             (reencrypt ? "; older bodies are being re-encrypted in the background\n" : "\n");
    return from_gateway(status, j, text);
  }
  auto so = c.lmdb();
  if (!so.at_rest.kek)
    return failure(failed,
                   "keys rotate: no key-encryption key configured (store.encryption.kek_file or kek_credential)");
  auto s = c.open_exclusive();
  auto id = s->rotate_key(*so.at_rest.kek, false);
  if (!id) return failure(failed, "keys rotate: " + id.error().message());
  std::string text = "data key " + std::to_string(*id) + " is now active for new messages\n";
  std::uint64_t resealed = 0;
  if (reencrypt) {
    auto n = s->reseal();
    if (!n) return failure(failed, "keys rotate --reencrypt: " + n.error().message() + " (run it again to resume)");
    resealed = *n;
    text += "re-encrypted " + std::to_string(*n) + " blob(s) with data key " + std::to_string(*id) + "\n";
  }
  const std::string what = "data key " + std::to_string(*id) + " active" +
                           (reencrypt ? ", re-encrypted " + std::to_string(resealed) + " blob(s)" : "");
  auto rec = storage::admin::record(
      *s, {storage::audit_kind::keys_rotated, 0, c.operator_name(), storage::operator_detail(what, c.reason)});
  if (!rec) return failure(failed, "keys rotated (" + what + ") but NOT AUDITED: " + rec.error().message());
  return success(json::object{{"key_id", *id}, {"reencrypt", reencrypt}, {"resealed_blobs", resealed}}, text);
}

}  // namespace jubes::gateway::ctl
