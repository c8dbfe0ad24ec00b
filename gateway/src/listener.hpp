// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Private: opening a listening socket for the server (the API and the ops listener), and the API
// listener's limits on unauthenticated connections.
#include <string_view>

#include "common/result.hpp"
#include "gateway/config.hpp"
#include "net.hpp"
#include "preauth.hpp"

namespace jubes::gateway::detail {

/// Opens `acc` on `ep` (SO_REUSEADDR), binds and listens. Called at start, before the IO threads run.
/// @param key the configuration key of `ep`, named in the error
/// @return the bound endpoint (port 0 resolved), or the error: not an IP address
///         (errc::config_invalid), or the socket's error ("listen: cannot listen on ...")
jubes::result<endpoint> bind_listener(acceptor& acc, const endpoint& ep, std::string_view key);

/// The caps of the API listener's unauthenticated connections: limits.max_preauth_connections, but
/// never the last limits.reserved_party_connections of limits.max_connections (the parties'
/// reserve), and limits.max_preauth_per_address.
preauth_pool::limits preauth_limits(const config& c);

}  // namespace jubes::gateway::detail
