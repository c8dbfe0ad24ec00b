// SPDX-License-Identifier: EUPL-1.2
#pragma once
// A TCP proxy for tests, between a PostgreSQL client (pgstore in a test or in jubesd) and the
// throw-away server: 127.0.0.1 on a free port, forwarding both directions byte for byte.
//
// cut_after_commit() arms it once: on the next connection whose startup packet names
// `application` (libpq's application_name, e.g. "jubes-writer"), the first client->server chunk
// holding the bytes "COMMIT" is forwarded to the server, and from then on nothing the server
// sends on that connection reaches the client; the client's socket is closed a moment later (so
// the rest of a pipeline that went out in pieces still reaches the server), the server's side a
// second after that. To the client the connection is lost after COMMIT was sent and before its
// reply came back: the commit's outcome is unknown to it, though the server ran it.
//
// Lifecycle: construct (listens at once), destroy (stops accepting, closes every connection,
// joins its threads). Threading: one accepting thread and one thread per connection; the public
// functions are thread-safe.
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace jubes::pgtest {

class tcp_proxy {
 public:
  /// Listens on 127.0.0.1:0 and forwards to 127.0.0.1:`upstream_port`. Throws std::runtime_error.
  explicit tcp_proxy(std::uint16_t upstream_port);
  ~tcp_proxy();
  tcp_proxy(const tcp_proxy&) = delete;
  tcp_proxy& operator=(const tcp_proxy&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  /// Arms the cut described above for the next COMMIT on a connection of `application`.
  void cut_after_commit(std::string application);
  /// @return how many connections were cut so far
  int cuts() const noexcept { return cuts_.load(); }

 private:
  void accept_loop();
  void pump(int client, int server);
  /// @return true if this chunk, on a connection tagged `tagged`, is the one to cut after
  bool take_trigger(const std::string& chunk, std::string& startup);

  std::uint16_t upstream_;
  std::uint16_t port_ = 0;
  int listener_ = -1;
  int wake_[2] = {-1, -1};  // closing wake_[1] stops every thread
  std::atomic<int> cuts_{0};
  std::mutex mu_;
  bool armed_ = false;
  std::string application_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

}  // namespace jubes::pgtest
