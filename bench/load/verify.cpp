// SPDX-License-Identifier: EUPL-1.2
// jubes-bench --verify: after the run, every known recipient's whole outbox is read back and
// checked against what the senders were told (verify_check.hpp): each acknowledged message exactly
// once in each outbox routing sends it to, a message whose reply was lost in all or none, nothing
// else; a corrected or withdrawn notice in one of the two shapes the gateway gives it.
#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "app.hpp"

namespace jubes::bench {
namespace {

// Reads every entry of `recipient`'s outbox, acknowledged or not (entries stay until retention
// purges them), without acking: the whole history of what was delivered to it.
asio::awaitable<void> read_all(app& a, std::string recipient, std::vector<batch_entry>& out, std::string& error) {
  std::uint64_t after = 0;
  auto ex = co_await asio::this_coro::executor;
  std::size_t t = 0, misses = 0;  // through any node that answers: the outboxes are shared
  connection c(ex, *a.recipient_ctx.at(recipient), a.target(t).host, a.target(t).port, request_timeout(a));
  for (;;) {
    auto rep = co_await c.request(http::verb::get, outbox_target(after, 1000, 0), {}, {});
    if (rep.status == 0 && ++misses < a.nodes.targets) {
      t = a.nodes.after_failure(t);
      c.retarget(a.target(t).host, a.target(t).port);
      continue;
    }
    if (rep.status != 200) {
      error = recipient + ": GET /v1/outbox: " + (rep.status ? "HTTP " + std::to_string(rep.status) : rep.error);
      break;
    }
    std::vector<batch_entry> entries;
    if (!parse_batch(rep.body, entries, error)) {
      error = recipient + ": " + error;
      break;
    }
    if (entries.empty()) break;
    if (entries.back().seq <= after) {
      error = recipient + ": outbox returned seq " + std::to_string(entries.back().seq) +
              " <= after=" + std::to_string(after);
      break;
    }
    after = entries.back().seq;
    misses = 0;
    for (auto& e : entries) out.push_back(std::move(e));
  }
  c.close();
}

// Entries seen: each known recipient's whole outbox (what pollers delivered and acked included).
outbox_map read_outboxes(app& a, verify_report& rep) {
  outbox_map seen;
  std::map<std::string, std::string> errors;
  for (const auto& r : known_recipients()) {
    seen[r];
    errors[r];
  }
  a.ioc.restart();
  for (const auto& r : known_recipients())
    asio::co_spawn(asio::make_strand(a.ioc), read_all(a, r, seen[r], errors[r]), asio::detached);
  a.ioc.run();
  for (const auto& [r, e] : errors)
    if (!e.empty()) {
      ++rep.errors;
      rep.fail("verify: " + e);
    }
  return seen;
}

}  // namespace

verify_report verify(app& a, const std::vector<outcome>& outcomes) {
  verify_report rep;
  const outbox_map seen = read_outboxes(a, rep);
  check_outboxes(a.gens, outcomes, seen, rep);
  return rep;
}

}  // namespace jubes::bench
