// SPDX-License-Identifier: EUPL-1.2
// jubes-bench pollers: --poll drains and acks every known recipient's outbox while the senders
// run; --idle-polls only holds long polls open (the idle-connections benchmark).
#include <boost/asio/steady_timer.hpp>
#include <iostream>

#include "app.hpp"

namespace jubes::bench {

// Without `after`, the gateway starts at the recipient's acknowledged cursor.
std::string outbox_target(std::optional<std::uint64_t> after, int max, int wait) {
  std::string t = "/v1/outbox?max=" + std::to_string(max) + "&wait=" + std::to_string(wait);
  if (after) t += "&after=" + std::to_string(*after);
  return t;
}

// With several nodes: a node that gave no reply is left for the next one (the outboxes are shared).
void next_node(app& a, connection& c, std::size_t& t) {
  if (a.nodes.targets < 2) return;
  t = a.nodes.after_failure(t);
  c.retarget(a.target(t).host, a.target(t).port);
}

// Drains one recipient's outbox and acks, until the senders are done and a poll comes back empty.
asio::awaitable<void> poller(app& a, std::string recipient, poller_result& r) {
  auto ex = co_await asio::this_coro::executor;
  std::size_t t = a.nodes.first(r.index);
  connection c(ex, *a.recipient_ctx.at(recipient), a.target(t).host, a.target(t).port,
               request_timeout(a) + std::chrono::milliseconds(a.opt.poll_wait_s * 1000));
  asio::steady_timer timer(ex);
  r.recipient = recipient;
  std::optional<std::uint64_t> after;  // first poll: from the cursor (what earlier runs acked is done)
  int failures = 0;
  for (;;) {
    bool done_before = a.senders_done.load();
    int wait = done_before ? 0 : a.opt.poll_wait_s;
    auto rep = co_await c.request(http::verb::get, outbox_target(after, a.opt.poll_max, wait), {}, {});
    ++r.polls;
    if (rep.status != 200) {
      r.error = rep.status ? "GET /v1/outbox: HTTP " + std::to_string(rep.status) : rep.error;
      if (++failures > 20 || a.stop.load()) break;
      if (rep.status == 0) next_node(a, c, t);
      timer.expires_after(std::chrono::milliseconds(200));
      co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    std::vector<batch_entry> entries;
    if (!parse_batch(rep.body, entries, r.error)) break;
    if (entries.empty()) {
      if (done_before || a.stop.load()) break;
      continue;
    }
    std::uint64_t last = entries.back().seq;
    auto ack = co_await c.request(http::verb::post, "/v1/outbox/ack?upto=" + std::to_string(last), {}, {});
    if (ack.status != 200 && ack.status != 204) {
      r.error = ack.status ? "POST /v1/outbox/ack: HTTP " + std::to_string(ack.status) : ack.error;
      if (++failures > 20) break;
      if (ack.status == 0) next_node(a, c, t);
      continue;  // not acked: the same entries come again
    }
    failures = 0;
    a.delivered.fetch_add(entries.size(), std::memory_order_relaxed);
    for (auto& e : entries) r.delivered.push_back(std::move(e));
    after = last;
    r.acked_upto = last;
  }
  r.error = r.error.empty() ? std::string{} : recipient + ": " + r.error;
  c.close();
}

// A long poll that is only held open (the idle-connections benchmark), re-issued when it returns.
// Starts are spread at 500 a second so that the handshakes are not one burst; each poll waits at
// most 20 s, so the tool ends at most that long after the senders.
asio::awaitable<void> idle_poll(app& a, std::string recipient, int index) {
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer t(ex);
  t.expires_after(std::chrono::milliseconds(index * 2));
  co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
  const auto& node = a.target(a.nodes.first(static_cast<std::size_t>(index)));
  connection c(ex, *a.recipient_ctx.at(recipient), node.host, node.port, std::chrono::seconds(60));
  bool counted = false;
  while (!a.senders_done.load() && !a.stop.load()) {
    // after=2^62: nothing ever qualifies, so the poll always waits the full time
    auto rep = co_await c.request(http::verb::get, outbox_target(std::uint64_t{1} << 62, 1, 20), {}, {});
    if (rep.status != 200) {
      a.idle_failed.fetch_add(1);
      if (a.idle_failed.load() <= 3)
        std::cerr << "jubes-bench: idle poll: " << (rep.status ? "HTTP " + std::to_string(rep.status) : rep.error)
                  << '\n';
      break;
    }
    if (!counted) {
      counted = true;
      a.idle_open.fetch_add(1);
    }
  }
  c.close();
}

}  // namespace jubes::bench
