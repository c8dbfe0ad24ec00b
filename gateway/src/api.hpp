#pragma once
// Private: the API request handlers behind the mTLS listener (PRODUCT.md "The contract").
//
// Lifecycle: constructed by the server, open() at start (codec catalog, routing table, store),
// handle() for every request from any IO thread, drain() once on SIGTERM (wakes long polls with an
// empty batch), close() after the IO threads have stopped.
// Threading: handle(), ready(), reload_routes() and drain() are thread-safe.
#include <atomic>
#include <boost/system/result.hpp>
#include <map>
#include <memory>
#include <string>

#include "gateway/config.hpp"
#include "gateway/metrics.hpp"
#include "net.hpp"

namespace jubes::gateway::detail {

/// Who is calling: the party named by the client certificate (nullptr: no party → 403).
struct caller {
  const party_config* party = nullptr;
  std::string id;       // party id, or the certificate CN when no party
  std::string subject;  // certificate subject, for logs
};

/// Decoded query parameters of a request target.
struct query_map {
  std::map<std::string, std::string, std::less<>> values;
  /// @return the value of `k`, or nullptr if absent.
  const std::string* get(std::string_view k) const;
};

class api {
 public:
  api(const config& cfg, registry& metrics);
  ~api();
  boost::system::result<void, std::string> open();
  net::awaitable<response> handle(request& req, const caller& c);
  bool ready() const;
  /// Recompiles the routes file; on error logs it and keeps the old table. @return the error or "".
  std::string reload_routes();
  void drain();
  void close();

  struct state;

 private:
  net::awaitable<response> ingest(request& req, const caller& c, std::string& reason);
  net::awaitable<response> poll(request& req, const query_map& q, const caller& c);
  net::awaitable<response> ack(request& req, const query_map& q, const caller& c);
  net::awaitable<response> get_message(request& req, std::uint64_t id, const caller& c);
  net::awaitable<response> forward(request& req, std::uint64_t id, const query_map& q, const caller& c);
  net::awaitable<response> admin(request& req, std::string_view what, const query_map& q, const caller& c);

  std::unique_ptr<state> st_;
};

/// Builds a plain-text or XML response with the usual headers.
response make_response(unsigned status, std::string body, std::string_view content_type, unsigned version,
                       bool keep_alive);

}  // namespace jubes::gateway::detail
