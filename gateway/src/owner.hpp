// SPDX-License-Identifier: EUPL-1.2
#pragma once
// The running gateway's claim on its data directory, so that jubesctl acts on the gateway that owns
// a data directory and on no other: DATA_DIR/jubesd.owner, one JSON object (pid, the bound API and
// ops addresses, the canonical data directory, the backend, the start time). jubesd writes it
// (temporary file + rename) once it has bound its listeners and removes it at a clean stop. A file
// left by a killed jubesd is stale; jubesctl never trusts it alone: the store's flock tells whether
// a gateway holds the directory (storage::admin::held), and the gateway's own answer to
// GET /v1/admin/identity must name the same data directory and pid.
//
// Threading: free functions; jubesd calls them from its main thread only.
#include <boost/json/object.hpp>
#include <filesystem>
#include <optional>
#include <string>

#include "common/result.hpp"

namespace jubes::gateway::detail {

inline constexpr const char* owner_file_name = "jubesd.owner";

struct owner_record {
  long pid = 0;
  std::string api;       ///< HOST:PORT the API (mTLS) listener is bound to
  std::string ops;       ///< HOST:PORT of the ops listener
  std::string data_dir;  ///< canonical
  std::string backend;   ///< lmdb or postgresql
  std::string started;   ///< ISO-8601 UTC
};

boost::json::object to_json(const owner_record& r);
/// @return the record of `o`; errc::bad_request if it lacks a field.
jubes::result<owner_record> owner_from_json(const boost::json::value& v);
/// @return `p` made absolute and canonical as far as it exists (so two spellings compare equal).
std::string canonical_dir(const std::filesystem::path& p);

/// Writes DATA_DIR/jubesd.owner atomically. @return errc::config_invalid naming the file on failure.
jubes::result<void> write_owner(const std::filesystem::path& data_dir, const owner_record& r);
/// Removes DATA_DIR/jubesd.owner if it names this process.
void remove_owner(const std::filesystem::path& data_dir);
/// @return the record, std::nullopt if there is no file; an error if it cannot be read or parsed.
jubes::result<std::optional<owner_record>> read_owner(const std::filesystem::path& data_dir);

}  // namespace jubes::gateway::detail
