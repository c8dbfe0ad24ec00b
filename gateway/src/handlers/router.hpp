// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Private: the API's route table. Matches method + path to one handler:
//   - a path that exists with another method → 405;
//   - operator-only paths (/v1/admin/...) do not exist for other parties → 404, never 403;
//   - anything else → 404.
// A "{id}" segment matches a decimal message id, handed to the handler as call::id.
//
// Lifecycle: built once (api_routes()), immutable afterwards. Threading: match() is const, any thread.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "handler.hpp"

namespace jubes::gateway::detail {

struct route {
  http::verb method;
  std::string_view pattern;  ///< e.g. "/v1/messages/{id}/forward"
  handler fn;
  bool operator_only = false;
  unsigned ok_status = 200;  ///< the status of success (its jubes_http_requests_total series exists from start)
};

class router {
 public:
  explicit router(std::vector<route> routes) : routes_(std::move(routes)) {}

  /// The route and the {id} of `path`, or the error to answer (errc::not_found / method_not_allowed).
  struct match_result {
    const route* found = nullptr;
    std::uint64_t id = 0;
    boost::system::error_code error;
    std::string allow;  ///< with method_not_allowed: the path's methods, for the 405's Allow header
  };
  /// @param is_operator whether operator-only routes exist for this caller
  match_result match(http::verb method, std::string_view path, bool is_operator) const;
  const std::vector<route>& routes() const { return routes_; }

 private:
  std::vector<route> routes_;
};

/// @return the jubesd API's table (PRODUCT.md "The contract", plus the operator endpoints).
router api_routes();

/// Registers at start the series of each configured party (services.cpp): jubes_ingest_accepted_total
/// for sources, and jubes_http_requests_total with the success status of every route it may call.
void register_party_series(registry& m, const config& cfg, const router& routes);

/// Splits a request target into its path and its percent-decoded query parameters.
struct target_parts {
  std::string_view path;
  query_map query;
};
target_parts split_target(std::string_view target);

}  // namespace jubes::gateway::detail
