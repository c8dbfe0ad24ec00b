// SPDX-License-Identifier: EUPL-1.2
#pragma once
// A small synchronous HTTP/1.1 client over mutual TLS (or plain TCP), for jubesctl and the e2e tests.
//
// Lifecycle: construct with options; the first request() connects (TCP + TLS handshake) and later
// ones reuse the keep-alive connection, reconnecting once if the server closed it. close() or the
// destructor ends the connection.
// Threading: one client per thread; no member is thread-safe. Every operation is bounded by
// options.timeout (the client never blocks forever on a silent server).
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace jubes::gateway {

struct client_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8443;
  bool tls = true;                  // false: plain HTTP (the ops listener)
  std::filesystem::path ca;         // CA that the server certificate must chain to
  std::filesystem::path cert, key;  // client certificate and key (PEM); empty: none
  int min_tls_version = 0;          // e.g. TLS1_1_VERSION for tests; 0: TLS 1.2
  int max_tls_version = 0;          // 0: highest supported
  std::chrono::milliseconds timeout{30000};
  std::string accept;  // non-empty: the Accept header of every request (e.g. "application/json")
};

struct http_reply {
  unsigned status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  /// @return the first header named `name` (case-insensitive), or "".
  std::string header(std::string_view name) const;
};

class client {
 public:
  explicit client(client_options o);
  ~client();
  client(client&&) noexcept;
  client& operator=(client&&) noexcept;

  /// Connects and handshakes now (request() also does so on demand).
  /// @return the error of the TCP connect or the TLS handshake.
  boost::system::result<void> connect();

  /// Sends one request and reads the reply.
  /// @param method e.g. "GET", "POST"
  /// @param target e.g. "/v1/outbox?after=0"
  /// @param body request body (POST)
  /// @param content_type Content-Type of the body
  /// @return the reply, or the transport error
  boost::system::result<http_reply> request(std::string_view method, std::string_view target,
                                            std::string_view body = {},
                                            std::string_view content_type = "application/xml");
  void close();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace jubes::gateway
