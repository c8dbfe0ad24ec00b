// SPDX-License-Identifier: EUPL-1.2
#pragma once
// One mutual-TLS HTTP/1.1 keep-alive connection of jubes-bench, as a coroutine-friendly object.
//
// Lifecycle: construct on a strand executor, then request() as often as needed; it (re)connects
// lazily and closes on any transport error, so the next request() starts afresh. Every
// connect, handshake, write and read has its own deadline.
// Threading: one coroutine at a time per object (it lives on one strand).
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace jubes::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

using token_t = asio::as_tuple_t<asio::use_awaitable_t<>>;
using executor_t = token_t::executor_with_default<asio::any_io_executor>;
using tcp_stream_t = beast::tcp_stream::rebind_executor<executor_t>::other;
using tls_stream_t = beast::ssl_stream<tcp_stream_t>;

struct reply {
  int status = 0;  ///< 0: no reply (see error)
  std::string body;
  std::string location;    ///< Location header, if any
  int retry_after_s = -1;  ///< Retry-After header, if any
  std::string error;       ///< transport error text when status == 0
};

class connection {
 public:
  /// @param ctx a client context holding this party's certificate; outlives the connection
  connection(asio::any_io_executor ex, ssl::context& ctx, std::string host, std::string port,
             std::chrono::milliseconds timeout);
  /// Sends one request and reads the reply; never throws.
  /// @param content_type empty for a request without a body
  /// The request's header fields are built once per (method, target, content type) and kept, and
  /// the body is copied into the kept request's buffer: a repeated request allocates nothing.
  /// `body` must stay valid until the request completes (pass a named lvalue, not a temporary).
  asio::awaitable<reply> request(http::verb method, std::string target, std::string_view content_type,
                                 std::string_view body);
  /// Closes the TCP connection (no TLS close_notify: the peer treats that as a normal close).
  void close();
  /// Closes the connection and points it at another node; the next request() connects there.
  void retarget(std::string host, std::string port);
  std::uint64_t reconnects() const { return connects_; }

 private:
  asio::awaitable<bool> ensure_open(std::string& error);
  /// Sets req_ up for this request, keeping its fields when the last one was alike.
  void prepare(http::verb method, std::string_view target, std::string_view content_type, std::string_view body);

  asio::any_io_executor ex_;
  ssl::context& ctx_;
  std::string host_, port_;
  std::chrono::milliseconds timeout_;
  std::optional<tls_stream_t> stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;  // the last request's fields, reused when the next is alike
  std::string req_content_type_;
  std::uint64_t connects_ = 0;
};

/// A client TLS context: TLS 1.2+, verify the server against `ca`, present `cert`/`key`.
/// @return nullptr with `error` set if a file cannot be loaded
std::unique_ptr<ssl::context> client_context(const std::string& ca, const std::string& cert, const std::string& key,
                                             std::string& error);

}  // namespace jubes::bench
