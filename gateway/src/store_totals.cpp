// SPDX-License-Identifier: EUPL-1.2
#include "store_totals.hpp"

#include "common/metric_names.hpp"

namespace jubes::gateway::detail {

namespace mn = metric_names;

store_totals::store_totals(registry& r, std::chrono::milliseconds min_interval)
    : accepted_(r.get_sampled_counter(mn::store_messages_accepted_total,
                                      "Messages accepted since the store was made (its highest message id); read from "
                                      "the store, so it survives restarts.")),
      held_(r.get_gauge(mn::store_messages, "Message records held in the store.")),
      min_interval_(min_interval) {}

void store_totals::collect(const storage::backend& store, std::chrono::steady_clock::time_point now) {
  {
    std::lock_guard lk(mu_);
    if (last_ && now - *last_ < min_interval_) return;
    last_ = now;
  }
  auto s = store.stats();
  if (!s) return;  // the last figures stay: never a wrong zero
  accepted_.set(static_cast<double>(s->last_message_id));
  held_.set(static_cast<double>(s->messages));
}

}  // namespace jubes::gateway::detail
