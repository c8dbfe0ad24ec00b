// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Long-poll watchers: who waits for which recipient's outbox to pass which seq, and the committed
// heads they are compared with. Shared by every backend: the LMDB store publishes its own commits;
// the PostgreSQL store also publishes other nodes' notifications and its safety poll. Known heads
// only ever go up (a late or repeated publication never lowers one).
//
// Lifecycle: lives as long as the store; close() wakes every watcher and refuses new ones.
// Threading: all functions may be called from any thread (one mutex). Wakes run outside the
// lock: watch() runs an immediate wake on the calling thread; publish() returns the wakes for the
// caller to run after it completed the group's requests.
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
  using heads = std::unordered_map<std::string, std::uint64_t>;

  /// Raises the known heads to `h` (the committed heads at open; a publication may have come first).
  void init(const heads& h);

  /// See backend::watch. @return the token, 0 if `wake` ran already.
  std::uint64_t watch(std::string recipient, std::uint64_t after, std::function<void()> wake);
  void unwatch(std::uint64_t token);

  /// Raises the known heads. @return the wakes of the watchers they satisfy (removed).
  std::vector<std::function<void()>> publish(const heads& h);

  /// The recipients somebody waits for (a safety poll re-reads their heads).
  std::vector<std::string> watched() const;

  /// Wakes every watcher; later watch() calls wake at once. Idempotent.
  void close();

 private:
  /// Under mu_: raises recipient r's known head to `head`. @return the known head.
  std::uint64_t raise(const std::string& r, std::uint64_t head);

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

}  // namespace jubes::storage
