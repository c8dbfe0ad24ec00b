// SPDX-License-Identifier: EUPL-1.2
#include "audit_checkpoints.hpp"

#include "common/log.hpp"
#include "storage/audit_chain.hpp"

namespace jubes::gateway::detail {

void audit_checkpoints::start(storage::backend& store, std::chrono::seconds interval) {
  if (interval.count() <= 0 || thread_.joinable()) return;
  thread_ = std::thread([this, &store, interval] {
    std::unique_lock lk(mu_);
    while (!cv_.wait_for(lk, interval, [&] { return stop_; })) {
      lk.unlock();
      once(store);
      lk.lock();
    }
  });
}

void audit_checkpoints::stop() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool audit_checkpoints::once(storage::backend& store) {
  auto st = store.audit_chain();
  if (!st) {
    log::warn("audit", "checkpoint_failed", {{"error", st.error().message()}});
    return false;
  }
  // The chain has not moved since our own last checkpoint record: nothing new to vouch for.
  {
    std::lock_guard lk(mu_);
    if (st->head.seq == 0 || st->head.seq == last_seq_) return false;
  }
  const std::string hash = storage::audit_chain::hex(st->head.hash);
  log::info("audit", "audit_checkpoint", {{"seq", st->head.seq}, {"hash", hash}, {"at_ms", st->head.at_ms}});
  storage::audit_event e{storage::audit_kind::checkpoint, 0, "",
                         "seq=" + std::to_string(st->head.seq) + " hash=" + hash};
  store.submit_audit(std::move(e), [this](jubes::result<storage::audit_record> r) {
    if (!r) {
      log::warn("audit", "checkpoint_failed", {{"error", r.error().message()}});
      return;
    }
    std::lock_guard lk(mu_);
    last_seq_ = r->seq;
  });
  return true;
}

}  // namespace jubes::gateway::detail
