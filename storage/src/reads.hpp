// SPDX-License-Identifier: EUPL-1.2
#pragma once
// The read side of the store: outbox polls, message lookups, parked and audit listings, outbox
// states and statistics. Each public function runs in one read transaction of its own, so it
// sees one committed state and never blocks the writer.
//
// Threading: any thread; no state of its own.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.hpp"
#include "database.hpp"
#include "storage/types.hpp"

namespace jubes::storage::reads {

/// Reads message bodies from their blobs, keeping the last blob so that consecutive messages of
/// one group (the common case in an outbox) decode its header once. Valid within one transaction.
class body_reader {
 public:
  /// @return the body (empty for a purged message), valid until the transaction ends;
  ///         errc::corrupt if the blob is missing or does not hold it.
  jubes::result<std::string_view> body(const database& db, const lmdb::txn& t, const codec::message_rec& rec);
  /// The blob the last body() came from (opened), if any.
  const tables::blobs_db::entry* current() const noexcept { return blob_ ? &*blob_ : nullptr; }

 private:
  std::optional<tables::blobs_db::entry> blob_;
};

/// Up to `max` entries after `after` whose bodies take at most `max_bytes` together (the first
/// entry always), and whether a committed entry follows them.
jubes::result<outbox_batch> read_outbox(const database& db, std::string_view recipient, std::uint64_t after,
                                        std::size_t max, std::size_t max_bytes);
jubes::result<outbox_state> outbox(const database& db, std::string_view recipient);
/// backend::unacked_due_for_purge.
jubes::result<due_for_purge> unacked_due_for_purge(const database& db, std::int64_t before_ms, std::size_t max_entries);
/// backend::late_entries: every outbox's unacknowledged entries at risk at `now_ms`.
jubes::result<std::vector<late_entry>> late_entries(const database& db, std::int64_t now_ms, std::size_t max);
jubes::result<std::optional<stored_message>> get(const database& db, std::uint64_t id);
jubes::result<std::vector<parked_entry>> parked(const database& db, std::size_t max);
jubes::result<std::vector<audit_record>> audit(const database& db, std::uint64_t message_id, std::size_t max);
jubes::result<store_stats> stats(const database& db);
/// The chain's ends within `t`: as stored in meta; for a store from before the chain (no head
/// stored) both are the newest record with a zero hash, so its old records count as pre-chain.
jubes::result<audit_chain_state> audit_chain(const database& db, const lmdb::txn& t);
/// backend::scan_audit, in read transactions of at most `page` records each.
jubes::result<void> scan_audit(const database& db, std::uint64_t from,
                               const std::function<bool(const audit_record&)>& visit, std::size_t page = 4096);

/// Every recipient with an outbox and its state, in name order, within `t`.
/// @param full also the cursor and the age of the oldest unacked entry (else only the head)
jubes::result<std::vector<std::pair<std::string, outbox_state>>> list_outboxes(const database& db, const lmdb::txn& t,
                                                                               bool full);

}  // namespace jubes::storage::reads
