// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Long-poll watchers: who waits for which recipient's outbox to pass which seq, and the committed
// heads they are compared with.
//
// Lifecycle: lives as long as the store; close() wakes every watcher and refuses new ones.
// Threading: all functions may be called from any thread (one mutex). Wakes run outside the
// lock: watch() runs an immediate wake on the calling thread; publish() returns the wakes for the
// writer to run after it completed the group's requests.
#include <cstdint>
#include <functional>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace jubes::storage {

class watch_hub {
 public:
  /// @param heads the committed heads at open
  void init(std::unordered_map<std::string, std::uint64_t> heads, bool closed);

  /// See backend::watch. @return the token, 0 if `wake` ran already.
  std::uint64_t watch(std::string recipient, std::uint64_t after, std::function<void()> wake);
  void unwatch(std::uint64_t token);

  /// Publishes committed heads. @return the wakes of the watchers they satisfy (removed).
  std::vector<std::function<void()>> publish(const std::unordered_map<std::string, std::uint64_t>& heads);

  /// Wakes every watcher; later watch() calls wake at once. Idempotent.
  void close();

 private:
  struct watcher {
    std::uint64_t token;
    std::uint64_t after;
    std::function<void()> wake;
  };
  std::mutex mu_;
  std::unordered_map<std::string, std::uint64_t> heads_;
  std::unordered_map<std::string, std::list<watcher>> watchers_;
  std::unordered_map<std::uint64_t, std::string> token_recipient_;
  std::uint64_t next_token_ = 1;
  bool closed_ = false;
};

}  // namespace jubes::storage
