// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Private: opening a listening socket for the server (the API and the ops listener).
#include <string_view>

#include "common/result.hpp"
#include "gateway/config.hpp"
#include "net.hpp"

namespace jubes::gateway::detail {

/// Opens `acc` on `ep` (SO_REUSEADDR), binds and listens. Called at start, before the IO threads run.
/// @param key the configuration key of `ep`, named in the error
/// @return the bound endpoint (port 0 resolved), or the error: not an IP address
///         (errc::config_invalid), or the socket's error ("listen: cannot listen on ...")
jubes::result<endpoint> bind_listener(acceptor& acc, const endpoint& ep, std::string_view key);

}  // namespace jubes::gateway::detail
