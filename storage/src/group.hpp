// SPDX-License-Identifier: EUPL-1.2
#pragma once
// One group commit in the making: the writer's operations, and `group`, which applies them one
// by one to a single write transaction and stages what changes outside LMDB (ids, heads, counts)
// until the commit succeeded.
//
// Lifecycle: a group lives for one attempt at one transaction; the writer makes a new one when it
// retries after growing the map. Threading: the writer thread only.
#include <array>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "common/result.hpp"
#include "database.hpp"
#include "state.hpp"
#include "storage/backend.hpp"

namespace jubes::storage {

struct ingest_op {
  ingest_request req;
  std::array<unsigned char, 32> sha{};
  bool sha_ok = false;  ///< hashed on the caller's thread; false only if OpenSSL failed
  completion<ingest_result> done;
};
struct ack_op {
  std::string recipient;
  std::uint64_t upto = 0;
  completion<std::uint64_t> done;
};
struct forward_op {
  std::uint64_t id = 0;
  std::string from, to;
  completion<bool> done;
  operator_action by;       ///< identity empty: not by an operator (else a forward_override record too)
  entry_deadline deadline;  ///< of the new entry
};
struct reroute_op {
  std::uint64_t id = 0;
  std::vector<std::string> recipients;
  std::string route_version;
  completion<void> done;
  operator_action by;       ///< identity empty: not ordered by an operator
  entry_deadline deadline;  ///< of the new entries
};
struct park_op {  ///< an operator's decision on a parked message
  park_decision d;
  completion<bool> done;
};
struct read_op {  ///< a "read" audit record
  std::uint64_t id = 0;
  std::string party;
  completion<void> done;  ///< empty: nobody waits
};
struct audit_op {  ///< one audit record of its own (operator action, checkpoint)
  audit_event ev;
  completion<audit_record> done;
};
struct purge_op {  ///< never grouped: retention runs alone (retention.hpp)
  purge_result acc;
  completion<purge_result> done;  ///< empty: the background retention task
};
using op = std::variant<ingest_op, ack_op, forward_op, reroute_op, park_op, read_op, audit_op, purge_op>;

/// What apply() returns. The inner result is the request's own answer: its value, or an error
/// that concerns it alone (beyond_head, not_parked, a damaged record it read, ...); the group
/// goes on. The outer error is a failure of the transaction itself (LMDB failed, the map is
/// full): the group is aborted, and retried or failed as a whole by the writer.
template <class T>
using applied = jubes::result<jubes::result<T>>;

/// What one attempt at a group may do. The writer lowers the level when the map is full (or the
/// store is above its high-water mark) so that acks, reads and audit records go on while ingest,
/// forwards and re-routes get store_full. Audit records are never left out: a group whose audit
/// records do not fit fails as a whole (docs/storage.md, "Never skipped for space").
enum class level { all = 0, no_growth = 1 };

class group {
 public:
  group(const database& db, const options& opt, const writer_state& ws, const lmdb::txn& t, level lvl,
        std::int64_t now);

  applied<ingest_result> apply(ingest_op& o);
  applied<std::uint64_t> apply(ack_op& o);
  applied<bool> apply(forward_op& o);
  applied<void> apply(reroute_op& o);
  applied<bool> apply(park_op& o);
  applied<void> apply(read_op& o);
  applied<audit_record> apply(audit_op& o);

  /// Writes the group's packed bodies; call once after the last apply, before the commit.
  jubes::result<void> finish();

  /// Staged for after the commit.
  struct staged {
    std::uint64_t next_id = 0;
    chain_point audit_head;                                ///< the newest audit record after this group
    std::unordered_map<std::string, std::uint64_t> heads;  ///< outbox heads this group moved
    std::int64_t parked_delta = 0;
    std::uint64_t accepted = 0, duplicate = 0, conflict = 0, store_full = 0, acks = 0, forwards = 0, reroutes = 0;
  };
  const staged& changes() const noexcept { return st_; }
  std::int64_t now() const noexcept { return now_; }

 private:
  struct blob_builder {
    std::uint64_t id = 0;
    std::vector<std::uint64_t> ids;
    std::string bodies;
  };
  std::uint64_t head_of(const std::string& recipient) const;
  jubes::result<void> put_audit(audit_kind kind, std::uint64_t id, std::string_view party, std::string_view detail,
                                audit_record* out = nullptr);
  jubes::result<void> append_outbox(const std::string& recipient, std::uint64_t id, std::int64_t deadline_ms = 0,
                                    std::int64_t at_risk_from_ms = 0, entry_link link = entry_link::none,
                                    std::uint64_t link_id = 0);
  /// The earlier message a correction or withdrawal names (mutation != none), checked.
  struct earlier_message {
    std::uint64_t id = 0;  ///< 0: the request is no correction or withdrawal
    codec::message_rec rec;
  };
  /// @return the earlier message, or unknown_reference / already_superseded (nothing written)
  jubes::result<earlier_message> find_earlier(const ingest_request& r);
  /// Marks the earlier message's unacknowledged entries superseded_by / withdrawn_by `id`, records
  /// `id` in its message record, and adds its recipients to `to`.
  jubes::result<void> supersede(const ingest_request& r, earlier_message& e, std::uint64_t id,
                                std::vector<std::string>& to);
  codec::message_rec stage_body(const ingest_request& r, std::uint64_t id);
  jubes::result<void> write_new_message(const ingest_op& o, std::uint64_t id, const std::vector<std::string>& to,
                                        const earlier_message& earlier);
  /// The message a forward or reroute changes; not found and damage are the request's answer.
  applied<codec::message_rec> load_for_update(std::uint64_t id);

  const database& db_;
  const options& opt_;
  const writer_state& ws_;
  const lmdb::txn& t_;
  level lvl_;
  std::int64_t now_;
  staged st_;
  std::vector<blob_builder> blobs_;
};

}  // namespace jubes::storage
