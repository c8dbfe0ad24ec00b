// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Wake-ups from other nodes: one LISTEN session per process on the channel every writer notifies
// once per recipient per batch ("<head> <recipient>"), a safety poll of the watched outboxes'
// heads every options::safety_poll, and after a reconnect a re-read of every watched head (a
// notification sent while the session was down is lost).
//
// Lifecycle: start() connects (or keeps trying in the background) and runs the thread; stop()
// joins it. Threading: its own thread and connection; it publishes into the watch_hub.
#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "pq.hpp"
#include "storage/watch_hub.hpp"

namespace jubes::pgstore::detail {

using storage::watch_hub;

inline constexpr const char* notify_channel = "jubes_outbox";

class listener {
 public:
  listener(std::string conninfo, std::chrono::milliseconds safety_poll, watch_hub& hub);
  ~listener();
  listener(const listener&) = delete;
  listener& operator=(const listener&) = delete;

  /// Connects and LISTENs. @return errc::io_error if the first connection fails.
  jubes::result<void> start();
  void stop();
  /// Notifications handled so far (tests and metrics).
  std::uint64_t notifications() const noexcept { return notes_; }
  /// Whether the LISTEN session is connected to a server now (it reconnects on its own, with
  /// backoff, so this recovers without traffic). @return the last connection error when not
  std::optional<std::string> down() const;

 private:
  jubes::result<void> connect();
  void loop();
  /// Reads the heads of every watched recipient and publishes them. @return false if the query failed
  bool poll_heads();
  /// @return false if the connection failed
  bool drain_notifications();
  void sleep_for(std::chrono::milliseconds d);
  /// Drops the connection, remembering why (down()).
  void lost(std::string why);

  std::string conninfo_;
  std::chrono::milliseconds safety_poll_;
  watch_hub& hub_;
  pq::conn conn_;
  int stop_fd_ = -1;  // eventfd: stop() wakes the poll
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> notes_{0};
  mutable std::mutex state_mu_;
  std::optional<std::string> down_{"not started"};
  std::thread thread_;
};

}  // namespace jubes::pgstore::detail
