// SPDX-License-Identifier: EUPL-1.2
#include "ctl_keys.hpp"

#include <ostream>

#include "storage/errc.hpp"
#include "storage/store.hpp"
#include "wiring.hpp"

namespace jubes::gateway::detail {

int run_keys(const config& cfg, const std::vector<std::string>& cmd, std::ostream& out, const ctl_hooks& hooks) {
  const bool reencrypt = cmd.size() == 3 && cmd[2] == "--reencrypt";
  if (cmd.size() < 2 || cmd[1] != "rotate" || (cmd.size() == 3 && !reencrypt) || cmd.size() > 3) return 2;
  const std::string target = std::string("/v1/admin/keys/rotate") + (reencrypt ? "?reencrypt=1" : "");
  if (uses_postgresql(cfg)) return hooks.admin("POST", target);
  auto so = lmdb_options(cfg);
  if (!so) return hooks.fail(so.error().message());
  if (!so->at_rest.kek)
    return hooks.fail("keys rotate: no key-encryption key configured (store.encryption.kek_file or kek_credential)");
  so->retention_interval = std::chrono::milliseconds(0);
  auto s = storage::store::open(*so);
  if (!s && s.error() == storage::errc::locked) return hooks.admin("POST", target);
  if (!s) return hooks.fail("store " + so->dir.string() + ": " + s.error().message());
  auto id = (*s)->rotate_key(*so->at_rest.kek, false);
  if (!id) return hooks.fail("keys rotate: " + id.error().message());
  out << "data key " << *id << " is now active for new messages\n";
  if (reencrypt) {
    auto n = (*s)->reseal();
    if (!n) return hooks.fail("keys rotate --reencrypt: " + n.error().message() + " (run it again to resume)");
    out << "re-encrypted " << *n << " blob(s) with data key " << *id << "\n";
  }
  return 0;
}

}  // namespace jubes::gateway::detail
