// SPDX-License-Identifier: EUPL-1.2
#pragma once
// The writer's requests (one per submit_* kind) as the queue holds them.
#include <array>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "storage/backend.hpp"

namespace jubes::pgstore::detail {

struct ingest_op {
  storage::ingest_request req;
  std::array<unsigned char, 32> sha{};
  bool sha_ok = false;  ///< hashed on the caller's thread; false only if OpenSSL failed
  /// The body as stored, sealed on the caller's thread (at_rest.hpp) with data key `key_id`
  /// (0: not encrypted); sealed_ok false only if sealing failed.
  std::string stored;
  std::uint32_t key_id = 0;
  bool sealed_ok = false;
  storage::completion<storage::ingest_result> done;
};
struct ack_op {
  std::string recipient;
  std::uint64_t upto = 0;
  storage::completion<std::uint64_t> done;
};
struct forward_op {
  std::uint64_t id = 0;
  std::string from, to;
  storage::completion<bool> done;
  storage::operator_action by;       ///< identity empty: not by an operator (else a forward_override record too)
  storage::entry_deadline deadline;  ///< of the new entry
};
struct reroute_op {
  std::uint64_t id = 0;
  std::vector<std::string> recipients;
  std::string route_version;
  storage::completion<void> done;
  storage::operator_action by;       ///< identity empty: not ordered by an operator
  storage::entry_deadline deadline;  ///< of the new entries
};
struct park_op {  ///< an operator's decision on a parked message
  storage::park_decision d;
  storage::completion<bool> done;
};
struct read_op {  ///< a "read" audit record; nobody waits
  std::uint64_t id = 0;
  std::string party;
  storage::completion<void> done;
};
struct audit_op {  ///< one audit record of its own (operator action, checkpoint)
  storage::audit_event ev;
  storage::completion<storage::audit_record> done;
};
struct purge_op {  ///< never batched with others
  storage::purge_result acc;
  storage::completion<storage::purge_result> done;  ///< empty: the background retention task
};
using op = std::variant<ingest_op, ack_op, forward_op, reroute_op, park_op, read_op, audit_op, purge_op>;

}  // namespace jubes::pgstore::detail
