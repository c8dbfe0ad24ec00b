// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Long-poll watchers and the committed outbox heads this node knows of (from its own commits,
// from other nodes' notifications, from the safety poll). Heads only ever go up here.
//
// Threading: any thread (one mutex); wakes run outside the lock.
#include <cstdint>
#include <functional>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace jubes::pgstore::detail {

class watch_hub {
 public:
  using heads = std::unordered_map<std::string, std::uint64_t>;

  /// Raises the known heads to `h` (read at open, after the listener started).
  void init(heads h);
  /// See storage::backend::watch. @return the token, 0 if `wake` ran already.
  std::uint64_t watch(std::string recipient, std::uint64_t after, std::function<void()> wake);
  void unwatch(std::uint64_t token);
  /// Raises the known heads. @return the wakes of the watchers they satisfy (removed).
  std::vector<std::function<void()>> publish(const heads& h);
  /// The recipients somebody waits for (the safety poll re-reads their heads).
  std::vector<std::string> watched() const;
  /// Wakes every watcher; later watch() calls wake at once. Idempotent.
  void close();

 private:
  struct watcher {
    std::uint64_t token;
    std::uint64_t after;
    std::function<void()> wake;
  };
  mutable std::mutex mu_;
  heads heads_;
  std::unordered_map<std::string, std::list<watcher>> watchers_;
  std::unordered_map<std::uint64_t, std::string> token_recipient_;
  std::uint64_t next_token_ = 1;
  bool closed_ = false;
};

}  // namespace jubes::pgstore::detail
