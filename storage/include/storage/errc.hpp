// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Error codes of the storage library. Expected outcomes (a duplicate, a conflict, a missing key)
// are ordinary values elsewhere in the API; these codes are for failures and refusals.
#include <boost/system/error_code.hpp>
#include <type_traits>

namespace jubes::storage {

enum class errc {
  locked = 1,        ///< the data directory is held by another process (flock on <dir>/LOCK)
  bad_version,       ///< the store has an unknown format version, or is not a jubes store
  io_error,          ///< LMDB or the file system failed; nothing was changed by this request
  store_full,        ///< the map reached options::map_size_max (gateway: 507)
  overloaded,        ///< the writer queue is full (gateway: 503 with Retry-After)
  not_found,         ///< no such message, directory or entry
  beyond_head,       ///< an ack above the outbox head
  corrupt,           ///< a record failed to decode; the store needs `jubesctl check`
  invalid_argument,  ///< a request that can never succeed (empty party, unknown recipient, ...)
  not_recipient,     ///< forward: the forwarding party is not a recipient of the message
  not_parked,        ///< reroute: the message is not (or no longer) parked
  read_only,         ///< a write operation on a store opened with open_readonly
  closed,            ///< the store has been closed
  bad_key,           ///< a key-encryption key missing, unreadable or wrong (it does not unwrap the data keys)
  /// ingest of a correction or withdrawal: the crossRefnummer names no message of this party
  /// (gateway: 400), or one of another message type
  unknown_reference,
  /// ingest of a correction or withdrawal of a message that another one already corrected or
  /// withdrew: refer to the latest (gateway: 409)
  already_superseded,
};

/// The category that names storage errors ("storage"). Messages are one line, meant for operators.
const boost::system::error_category& category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), category()};
}

}  // namespace jubes::storage

template <>
struct boost::system::is_error_code_enum<jubes::storage::errc> : std::true_type {};
