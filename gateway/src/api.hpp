#pragma once
// Private: the API behind the mTLS listener (PRODUCT.md "The contract"): the pipeline, the store,
// the per-party token bucket and the route table of handlers (handlers/).
//
// Lifecycle: constructed by the server, open() at start (pipeline: registry, catalog, routes; then
// the store), handle() for every request from any IO thread, drain() once on SIGTERM (wakes long
// polls with an empty batch), close() after the IO threads have stopped.
// Threading: handle(), ready(), reload_routes() and drain() are thread-safe.
#include <memory>

#include "common/result.hpp"
#include "gateway/config.hpp"
#include "gateway/metrics.hpp"
#include "handlers/handler.hpp"
#include "net.hpp"

namespace jubes::gateway::detail {

class api {
 public:
  api(const config& cfg, registry& metrics);
  ~api();
  api(const api&) = delete;
  api& operator=(const api&) = delete;

  /// Loads the pipeline and opens the store. @return the first error, its detail naming the key
  jubes::result<void> open();
  /// Answers one request of `c`: 403 without a party, 429 over its rate, else the route's handler.
  net::awaitable<response> handle(request& req, const caller& c);
  bool ready() const;
  /// Recompiles the routes file; on error logs it and keeps the old table.
  jubes::result<void> reload_routes();
  void drain();
  void close();

  /// What the handlers share (valid between open() and close()); for tests that run one handler.
  services& handler_services();

  struct state;

 private:
  std::unique_ptr<state> st_;
};

}  // namespace jubes::gateway::detail
