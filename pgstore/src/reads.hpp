// SPDX-License-Identifier: EUPL-1.2
#pragma once
// The read side: a small pool of connections (each with its prepared statements) and the queries
// behind read_outbox, outbox(es), get, parked, audit, stats and check. A read that finds its
// connection broken is tried once more on a new one (reads change nothing).
//
// Threading: any thread; a connection is borrowed by one read at a time.
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "at_rest.hpp"
#include "common/log.hpp"
#include "pq.hpp"
#include "storage/types.hpp"

namespace jubes::pgstore::detail {

class reader {
 public:
  /// Bodies are opened with `keys` (at_rest.hpp).
  reader(std::string conninfo, std::size_t size, at_rest& keys)
      : conninfo_(std::move(conninfo)), size_(size ? size : 1), keys_(keys) {}

  /// Connects one connection now, so that open() fails early on a bad connection string.
  jubes::result<void> warm_up();

  jubes::result<std::vector<storage::outbox_entry>> read_outbox(std::string_view recipient, std::uint64_t after,
                                                                std::size_t max);
  /// read_outbox capped in body bytes (storage::backend::read_batch): the sizes are read first,
  /// without bodies, so that only the bodies that fit are ever fetched.
  jubes::result<storage::outbox_batch> read_batch(std::string_view recipient, std::uint64_t after, std::size_t max,
                                                  std::size_t max_bytes);
  jubes::result<storage::outbox_state> outbox(std::string_view recipient);
  jubes::result<std::vector<std::pair<std::string, storage::outbox_state>>> outboxes();
  /// storage::backend::unacked_due_for_purge.
  jubes::result<storage::due_for_purge> unacked_due_for_purge(std::int64_t before_ms, std::size_t max_entries);
  /// storage::backend::late_entries.
  jubes::result<std::vector<storage::late_entry>> late_entries(std::int64_t now_ms, std::size_t max);
  jubes::result<std::optional<storage::stored_message>> get(std::uint64_t id);
  jubes::result<std::vector<storage::parked_entry>> parked(std::size_t max);
  jubes::result<std::vector<storage::audit_record>> audit(std::uint64_t message_id, std::size_t max);
  jubes::result<storage::audit_chain_state> audit_chain();
  /// storage::backend::scan_audit, in pages of 4096 records.
  jubes::result<void> scan_audit(std::uint64_t from, const std::function<bool(const storage::audit_record&)>& visit);
  /// Every recipient's head (for the watchers at open).
  jubes::result<std::vector<std::pair<std::string, std::uint64_t>>> heads();
  jubes::result<storage::store_stats> stats();
  /// The invariants as SQL, then every kept body opened (check_bodies).
  storage::check_report check();

 private:
  /// Runs f(PGconn*) -> jubes::result<T> on a pooled connection, once more on a new connection
  /// if the first one turned out broken.
  template <class T, class F>
  jubes::result<T> run(F&& f);
  /// Opens every kept body: the first that does not open is the first problem, by message id.
  void check_bodies(storage::check_report& rep);
  jubes::result<pq::conn> acquire();
  void release(pq::conn c);

  std::string conninfo_;
  std::size_t size_;
  at_rest& keys_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<pq::conn> idle_;
  std::size_t open_ = 0;  // connections in existence (idle or borrowed)
};

template <class T, class F>
jubes::result<T> reader::run(F&& f) {
  for (int attempt = 0;; ++attempt) {
    auto c = acquire();
    if (!c) return c.error();
    auto r = f(c->get());
    const bool lost = !r && pq::broken(c->get());
    release(std::move(*c));
    if (!lost || attempt > 0) return r;
    log::warn("pgstore", "reader_connection_lost", {{"error", r.error().message()}});
  }
}

}  // namespace jubes::pgstore::detail
