#include "api.hpp"

#include "common/log.hpp"

namespace jubes::gateway::detail {

response make_response(unsigned status, std::string body, std::string_view content_type, unsigned version,
                       bool keep_alive) {
  response res{static_cast<http::status>(status), version};
  res.set(http::field::server, "jubesd");
  if (!content_type.empty()) res.set(http::field::content_type, content_type);
  res.body() = std::move(body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

struct api::state {
  state(const config& c, registry& m) : cfg(c), metrics(m) {}
  const config& cfg;
  registry& metrics;
  std::atomic<bool> draining{false};
};

api::api(const config& cfg, registry& metrics) : st_(std::make_unique<state>(cfg, metrics)) {}
api::~api() = default;

boost::system::result<void, std::string> api::open() {
  return {};
}
bool api::ready() const {
  return !st_->draining;
}
std::string api::reload_routes() {
  return {};
}
void api::drain() {
  st_->draining = true;
}
void api::close() {}

net::awaitable<response> api::handle(request& req, const caller& c) {
  if (!c.party) co_return make_response(403, "certificate names no party\n", "text/plain", req.version(), true);
  co_return make_response(404, "no such endpoint\n", "text/plain", req.version(), true);
}

}  // namespace jubes::gateway::detail
