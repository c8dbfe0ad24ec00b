// SPDX-License-Identifier: EUPL-1.2
#include "ops_listener.hpp"

#include "handlers/handler.hpp"

namespace jubes::gateway::detail {

response ops_route(const request& req, ops_reply& streaming, const ops_sources& from) {
  auto target = req.target();
  auto path = target.substr(0, target.find('?'));
  auto v = req.version();
  bool get = req.method() == http::verb::get || req.method() == http::verb::head;
  if (path == "/healthz" && get) return make_response(200, "ok\n", "text/plain", v, true);
  if (path == "/readyz" && get) {
    if (from.draining) return make_response(503, "not ready: draining\n", "text/plain", v, true);
    if (auto why = from.not_ready_reason(); !why.empty())
      return make_response(503, "not ready: " + why + "\n", "text/plain", v, true);
    return make_response(200, "ready\n", "text/plain", v, true);
  }
  if (path == "/metrics" && get)
    return make_response(200, from.render_metrics(), "text/plain; version=0.0.4; charset=utf-8", v, true);
  if (from.hook) {
    if (auto r = from.hook(req.method_string(), target)) {
      if (r->next && req.method() == http::verb::get) {
        auto head = make_response(static_cast<unsigned>(r->status), {}, r->content_type, v, false);
        streaming = std::move(*r);
        return head;
      }
      return make_response(static_cast<unsigned>(r->status), std::move(r->body), r->content_type, v, true);
    }
  }
  return make_response(404, "not found\n", "text/plain", v, true);
}

net::awaitable<void> ops_stream(tcp_stream& stream, response head, ops_reply& r,
                                std::chrono::milliseconds write_timeout, const std::atomic<bool>& draining) {
  std::string out = "HTTP/1.1 " + std::to_string(head.result_int()) + " " + std::string(head.reason()) +
                    "\r\nContent-Type: " + r.content_type +
                    "\r\nCache-Control: no-cache\r\nConnection: close\r\nX-Accel-Buffering: no\r\n\r\n" + r.body;
  net::steady_timer timer(stream.get_executor());
  for (;;) {
    stream.expires_after(write_timeout);
    auto [wec, wn] = co_await net::async_write(stream, net::buffer(out));
    if (wec || draining) co_return;
    timer.expires_after(r.stream_interval);
    [[maybe_unused]] auto [tec] = co_await timer.async_wait(net::as_tuple(net::use_awaitable));
    if (draining) co_return;
    auto next = r.next();
    if (!next) co_return;
    out = std::move(*next);
  }
}

}  // namespace jubes::gateway::detail
