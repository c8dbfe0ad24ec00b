// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Private: the connections on the API listener that have not yet completed a TLS handshake with a
// valid client certificate ("pre-authentication"). Anyone who can reach the port can open them, so
// they must never take the slots parties need:
//
//   - they have their own cap (limits.max_preauth_connections, at most max_connections minus
//     limits.reserved_party_connections) and a cap per source address
//     (limits.max_preauth_per_address);
//   - a new connection over a cap does not get refused but closes the OLDEST pre-auth connection
//     (of its own address when that address is at its cap, else of all): a flood of idle sockets
//     then only ever evicts itself, while a party's fresh connection finishes its handshake in
//     milliseconds, long before it becomes the oldest;
//   - the handshake timeout (limits.handshake_timeout_ms) bounds how long any of them lives.
//
// Also: rate-limited summaries of failed handshakes, so a flood does not write a log line each.
//
// Threading: every member of preauth_pool and failure_summary is thread-safe (one mutex); the
// eviction callbacks run outside it.
#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace jubes::gateway::detail {

class preauth_pool {
 public:
  struct limits {
    std::size_t cap = 1024;
    std::size_t per_address = 64;
  };
  enum class eviction { none, address_cap, preauth_cap, connection_cap };
  struct slot;
  using ticket = std::shared_ptr<slot>;
  struct admission {
    ticket t;
    eviction why = eviction::none;  ///< not none: `evict` of the oldest connection is to be called
    std::function<void()> evict;
  };

  explicit preauth_pool(limits l) : lim_(l) {}

  /// Takes a slot for a new connection from `address`.
  /// @param evict closes this connection if it is evicted later (called once, from another thread)
  /// @param need_room true when the listener is at max_connections: evict the oldest even under cap
  /// @return the slot, and the eviction the caller must carry out (call `evict` outside any lock)
  admission admit(const std::string& address, std::function<void()> evict, bool need_room = false);
  /// The connection left pre-authentication (handshake done, failed, or evicted): frees its slot.
  void release(const ticket& t);
  std::size_t size() const;

 private:
  std::list<ticket>::iterator oldest_of(const std::string& address);

  limits lim_;
  mutable std::mutex mu_;
  std::list<ticket> order_;  ///< oldest first
  std::map<std::string, std::size_t, std::less<>> per_address_;
};

std::string_view to_string(preauth_pool::eviction e);

/// Collects failed handshakes by reason and hands out one summary line per interval.
class failure_summary {
 public:
  using clock = std::chrono::steady_clock;
  explicit failure_summary(std::chrono::milliseconds interval) : interval_(interval) {}
  /// Counts one failure. @return the summary to log ("closed=1990 timeout=3") once `interval` has
  ///         passed since the last one, counting everything since; else nullopt
  std::optional<std::string> record(std::string_view reason, clock::time_point now = clock::now());

 private:
  std::chrono::milliseconds interval_;
  std::mutex mu_;
  std::map<std::string, std::uint64_t, std::less<>> counts_;
  std::optional<clock::time_point> last_;
};

/// @return `s` with control characters (and DEL) as \xNN: certificate fields are attacker-chosen
///         text and must not forge or break log lines.
std::string printable(std::string_view s);

}  // namespace jubes::gateway::detail
