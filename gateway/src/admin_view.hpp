// SPDX-License-Identifier: EUPL-1.2
#pragma once
// What the operator endpoints (handlers/admin*.cpp) and jubesctl show, as JSON and as text: one
// rendering for both, so that `jubesctl --json` prints the same document whether it asked the
// running gateway or read the store itself. Times are ISO-8601 UTC (log::iso8601_utc). Never
// message contents: a parked message is shown by its metadata, candidates and history only.
//
// Threading: free functions without state; parked_show reads the store on the calling thread.
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "pipeline.hpp"
#include "storage/admin.hpp"
#include "storage/backend.hpp"

namespace jubes::gateway::detail {

boost::json::value to_json(const std::vector<storage::admin::outbox_row>& rows);
boost::json::value to_json(const std::vector<storage::parked_entry>& rows);
boost::json::value to_json(const storage::check_report& r);
boost::json::value to_json(const storage::store_stats& s);
boost::json::value to_json(const storage::purge_result& r);
boost::json::value to_json(const reroute_report& r);

/// One parked message (or one that was parked) for `jubesctl parked show`.
struct parked_view {
  storage::stored_message message;      ///< body cleared
  std::string state;                    ///< parked, assigned, closed, rerouted or purged
  std::vector<std::string> candidates;  ///< state parked: the recipients the current table routes it to
  std::string candidates_note;          ///< why there are none ("still unroutable: ..."), else ""
  std::vector<storage::audit_record> history;
};
/// @return the view; std::nullopt when no message has that id or it was never parked.
jubes::result<std::optional<parked_view>> parked_show(const storage::backend& s, const pipeline& p, std::uint64_t id);
boost::json::value to_json(const parked_view& v);
std::string to_text(const parked_view& v);

/// The answer to an operator's decision (parked assign|close): `changed` false for a repeat.
boost::json::value to_json(const storage::park_decision& d, bool changed);
std::string to_text(const storage::park_decision& d, bool changed);

/// Whether an operator may assign a parked message to `name`: a configured recipient party or a
/// municipality of today.
bool assignable(const config& cfg, const pipeline& p, const std::string& name);

/// Need-to-know (issue 13): with projections declared, a message may be assigned only to a mailbox that has one
/// for its type. @return why `name` may not receive `message_type`, or "" if it may.
std::string projection_gap(const pipeline& p, const std::string& name, std::string_view message_type);

/// Whether the request asked for JSON (`Accept: application/json`).
bool wants_json(std::string_view accept);

}  // namespace jubes::gateway::detail
