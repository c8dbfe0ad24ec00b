// SPDX-License-Identifier: EUPL-1.2
#include "listener.hpp"

#include <algorithm>

#include "gateway/errc.hpp"

namespace jubes::gateway::detail {

jubes::result<endpoint> bind_listener(acceptor& acc, const endpoint& ep, std::string_view key) {
  boost::system::error_code ec;
  auto addr = net::ip::make_address(ep.host, ec);
  if (ec) return jubes::fail(errc::config_invalid, std::string(key) + ": '" + ep.host + "' is not an IP address");
  net::ip::tcp::endpoint tep(addr, ep.port);
  acc.open(tep.protocol(), ec);
  if (!ec) acc.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acc.bind(tep, ec);
  if (!ec) acc.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return jubes::fail(ec, std::string(key) + ": cannot listen on " + ep.text() + ": " + ec.message());
  auto local = acc.local_endpoint(ec);
  endpoint bound;
  bound.host = ep.host;
  bound.port = local.port();
  return bound;
}

preauth_pool::limits preauth_limits(const config& c) {
  return {std::min<std::size_t>(c.limits.max_preauth_connections,
                                c.limits.max_connections - c.limits.reserved_party_connections),
          c.limits.max_preauth_per_address};
}

}  // namespace jubes::gateway::detail
