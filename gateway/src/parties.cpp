// SPDX-License-Identifier: EUPL-1.2
#include "parties.hpp"

#include "common/recipient.hpp"
#include "preauth.hpp"

namespace jubes::gateway::detail {

party_directory::party_directory(const config& cfg, std::function<bool(std::string_view)> is_current_municipality)
    : cfg_(cfg), is_current_(std::move(is_current_municipality)) {
  for (const auto& p : cfg_.parties) {
    by_cn_[p.subject_cn.empty() ? p.id : p.subject_cn] = &p;
    if (!p.oin.empty()) by_oin_[p.oin] = &p;
  }
}

const party_config* party_directory::find(const peer_identity& id) {
  if (!id.serial_number.empty()) {
    auto it = by_oin_.find(id.serial_number);
    if (it != by_oin_.end()) return it->second;
  }
  auto it = by_cn_.find(id.subject_cn);
  if (it != by_cn_.end()) return it->second;
  if (cfg_.municipalities_by_cn && is_municipal_mailbox(id.subject_cn, cfg_.municipal_boxes) &&
      is_current_(std::string_view(id.subject_cn).substr(recipient::municipality_prefix.size(), 4))) {
    std::lock_guard lk(mu_);
    auto& p = municipalities_[id.subject_cn];
    if (!p) {
      p = std::make_unique<party_config>();
      p->id = p->subject_cn = id.subject_cn;
      p->role = party_role::recipient;
    }
    return p.get();
  }
  return nullptr;
}

caller party_directory::identify(const peer_identity& id) {
  caller who;
  who.party = find(id);
  who.id = who.party ? who.party->id : printable(id.subject_cn);
  who.subject = printable(id.subject);
  return who;
}

party_directory::connection_slot::connection_slot(party_directory& d, const caller& who) : d_(d) {
  if (!who.party) return;
  id_ = who.id;
  std::lock_guard lk(d_.mu_);
  over_ = ++d_.connections_[id_] > static_cast<int>(d_.cfg_.limits.max_connections_per_party);
}

party_directory::connection_slot::~connection_slot() {
  if (id_.empty()) return;
  std::lock_guard lk(d_.mu_);
  if (--d_.connections_[id_] == 0) d_.connections_.erase(id_);
}

}  // namespace jubes::gateway::detail
