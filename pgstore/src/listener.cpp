// SPDX-License-Identifier: EUPL-1.2
#include "listener.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstring>

#include "common/log.hpp"
#include "storage/errc.hpp"

namespace jubes::pgstore::detail {

namespace {
constexpr std::string_view log_c = "pgstore";
}  // namespace

listener::listener(std::string conninfo, std::chrono::milliseconds safety_poll, watch_hub& hub)
    : conninfo_(std::move(conninfo)), safety_poll_(safety_poll), hub_(hub) {
  stop_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

listener::~listener() {
  stop();
  if (stop_fd_ >= 0) ::close(stop_fd_);
}

jubes::result<void> listener::connect() {
  auto c = pq::connect(conninfo_, "listener");
  if (!c) return c.error();
  pq::res r = pq::exec(c->get(), std::string("LISTEN ") + notify_channel, {}, false);
  if (!r.ok()) return pq::error_of(c->get(), r, "LISTEN");
  conn_ = std::move(*c);
  std::lock_guard lk(state_mu_);
  down_.reset();
  return {};
}

void listener::lost(std::string why) {
  conn_.reset();
  std::lock_guard lk(state_mu_);
  down_ = std::move(why);
}

std::optional<std::string> listener::down() const {
  std::lock_guard lk(state_mu_);
  return down_;
}

jubes::result<void> listener::start() {
  if (stop_fd_ < 0) return fail(storage::errc::io_error, std::string("eventfd: ") + std::strerror(errno));
  if (auto r = connect(); !r) return r;
  thread_ = std::thread([this] { loop(); });
  return {};
}

void listener::stop() {
  if (stopping_.exchange(true)) {
    if (thread_.joinable()) thread_.join();
    return;
  }
  std::uint64_t one = 1;
  if (stop_fd_ >= 0 && ::write(stop_fd_, &one, sizeof one) < 0) log::warn(log_c, "listener_stop_write_failed", {});
  if (thread_.joinable()) thread_.join();
}

void listener::sleep_for(std::chrono::milliseconds d) {
  pollfd p{stop_fd_, POLLIN, 0};
  ::poll(&p, 1, static_cast<int>(d.count()));
}

bool listener::poll_heads() {
  auto names = hub_.watched();
  if (names.empty()) return true;
  pq::params p;
  p.array(names);
  pq::res r = pq::exec(conn_.get(), "SELECT recipient, head FROM outbox_heads WHERE recipient = ANY($1::text[])", p);
  if (!r.ok()) {
    log::warn(log_c, "safety_poll_failed", {{"error", pq::error_of(conn_.get(), r, "safety poll").message()}});
    return !pq::broken(conn_.get());
  }
  watch_hub::heads h;
  for (int i = 0; i < r.rows(); ++i) h[r.str(i, 0)] = static_cast<std::uint64_t>(r.i64(i, 1));
  for (auto& w : hub_.publish(h)) w();
  return true;
}

bool listener::drain_notifications() {
  if (PQconsumeInput(conn_.get()) != 1) return false;
  watch_hub::heads h;
  while (PGnotify* n = PQnotifies(conn_.get())) {
    std::string_view payload(n->extra ? n->extra : "");
    auto sp = payload.find(' ');
    if (sp != std::string_view::npos) {
      std::uint64_t head = std::strtoull(std::string(payload.substr(0, sp)).c_str(), nullptr, 10);
      auto& known = h[std::string(payload.substr(sp + 1))];
      known = std::max(known, head);
    }
    PQfreemem(n);
    ++notes_;
  }
  if (!h.empty())
    for (auto& w : hub_.publish(h)) w();
  return true;
}

void listener::loop() {
  auto backoff = std::chrono::milliseconds(100);
  auto next_poll = std::chrono::steady_clock::now() + safety_poll_;
  while (!stopping_) {
    if (!conn_) {
      sleep_for(backoff);
      if (stopping_) break;
      if (auto r = connect(); !r) {
        log::warn(log_c, "listener_reconnect_failed", {{"error", r.error().message()}});
        lost(r.error().message());
        backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
        continue;
      }
      log::info(log_c, "listener_reconnected", {});
      backoff = std::chrono::milliseconds(100);
      // Whatever was notified while the session was down is lost: read every watched head.
      if (!poll_heads()) lost("the safety poll failed after reconnecting");
      continue;
    }
    auto now = std::chrono::steady_clock::now();
    if (now >= next_poll) {
      next_poll = now + safety_poll_;
      if (!poll_heads()) {
        lost("the safety poll failed");
        continue;
      }
    }
    pollfd fds[2] = {{PQsocket(conn_.get()), POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_poll - now).count();
    int n = ::poll(fds, 2, static_cast<int>(std::max<long long>(wait, 1)));
    if (n < 0 && errno != EINTR) {
      log::error(log_c, "listener_poll_failed", {{"error", std::strerror(errno)}});
      sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    if (n > 0 && (fds[0].revents & (POLLIN | POLLERR | POLLHUP)) && !drain_notifications()) {
      std::string why = PQerrorMessage(conn_.get());
      log::warn(log_c, "listener_connection_lost", {{"error", why}});
      lost("connection lost: " + why);
    }
  }
  conn_.reset();
}

}  // namespace jubes::pgstore::detail
