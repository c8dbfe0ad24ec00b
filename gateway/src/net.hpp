// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Private: the Asio/Beast types every gateway TU shares. Every executor's default completion token
// is as_tuple(use_awaitable): `auto [ec, n] = co_await stream.async_read_some(...)`, no exceptions.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace jubes::gateway::detail {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;

using executor_t = net::as_tuple_t<net::use_awaitable_t<>>::executor_with_default<net::any_io_executor>;
using tcp_stream = beast::tcp_stream::rebind_executor<executor_t>::other;
using ssl_stream = beast::ssl_stream<tcp_stream>;
using acceptor = net::ip::tcp::acceptor::rebind_executor<executor_t>::other;
using request = http::request<http::string_body>;
using response = http::response<http::string_body>;

}  // namespace jubes::gateway::detail
