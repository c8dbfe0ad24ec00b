// SPDX-License-Identifier: EUPL-1.2
#include "gateway/server.hpp"

#include <openssl/ssl.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <list>
#include <map>
#include <mutex>
#include <thread>
#include <tuple>

#include "api.hpp"
#include "common/iso_time.hpp"
#include "common/log.hpp"
#include "common/metric_names.hpp"
#include "common/recipient.hpp"
#include "gateway/errc.hpp"
#include "http_request.hpp"
#include "listener.hpp"
#include "metrics_probe.hpp"
#include "net.hpp"
#include "ops_listener.hpp"
#include "owner.hpp"
#include "parties.hpp"
#include "preauth.hpp"
#include "reidentify.hpp"
#include "tls.hpp"
#include "tls_rotation.hpp"
#include "wiring.hpp"

namespace jubes::gateway {
using namespace detail;
namespace ssl = boost::asio::ssl;
using namespace std::chrono_literals;

namespace {
constexpr std::string_view kComponent = "gateway";

/// One open connection as the drain sees it: closed by drain() when it waits for a next request.
struct session_ctl {
  net::any_io_executor ex;
  bool idle = false;  // touched only on the session's strand
  bool alive = true;  // touched only on the session's strand
  beast::tcp_stream::socket_type::lowest_layer_type* sock = nullptr;
  std::function<void()> cancel;  // cancels the pending idle read, on the strand
  std::function<void()> evict;   // closes the connection while it is unauthenticated, on the strand
  bool evicted = false;          // touched only on the session's strand
  bool authenticated = false;    // touched only on the session's strand: past the TLS handshake
};
}  // namespace

struct server::impl {
  explicit impl(config c)
      : cfg(std::move(c)),
        preauth(preauth_limits(cfg)),
        apis(cfg, metrics),
        ioc(static_cast<int>(cfg.io_threads)),
        signals(ioc) {}

  // Declaration order matters: everything a session coroutine touches is declared before `ioc`, so
  // that coroutine frames still queued when `ioc` is destroyed can run their destructors safely.
  config cfg;
  registry metrics;
  std::atomic<bool> draining{false};
  std::atomic<int> sessions{0};
  std::atomic<int> api_connections{0};

  std::mutex mu;  // guards ctls
  std::list<std::weak_ptr<session_ctl>> ctls;

  preauth_pool preauth;
  failure_summary handshake_failures{std::chrono::seconds(10)};

  std::optional<party_directory> parties;  // built in start()
  identity_epoch epoch;                    // bumped by routes and TLS reloads: connections re-identify

  // Hot-path metric series, looked up once.
  counter* handshake_ok = nullptr;
  counter* session_errors = nullptr;
  counter* write_timeouts = nullptr;
  gauge* open_connections = nullptr;
  gauge* preauth_open = nullptr;

  tls_contexts tls{cfg, metrics, &epoch};  // the API listener's context, replaced by a reload
  api apis;
  ops_hook hook;
  endpoint api_ep, ops_ep;

  net::io_context ioc;
  net::signal_set signals;
  std::optional<acceptor> api_acc, ops_acc;

  std::shared_ptr<session_ctl> track(net::any_io_executor ex) {
    auto c = std::make_shared<session_ctl>();
    c->ex = ex;
    std::lock_guard lk(mu);
    // Drop entries of ended sessions so the list stays bounded by open connections.
    for (auto it = ctls.begin(); it != ctls.end();) it = it->expired() ? ctls.erase(it) : std::next(it);
    ctls.push_back(c);
    return c;
  }

  void begin_drain() {
    if (draining.exchange(true)) return;
    log::info(kComponent, "drain_begin", {{"sessions", sessions.load()}});
    if (api_acc)
      net::post(api_acc->get_executor(), [this] {
        boost::system::error_code ec;
        api_acc->close(ec);
      });
    // The ops listener stays open until the process stops: a probe must hear /readyz say "draining"
    // (503), not find the port closed, and /metrics keeps showing the drain.
    apis.drain();
    std::list<std::weak_ptr<session_ctl>> copy;
    {
      std::lock_guard lk(mu);
      copy = ctls;
    }
    for (auto& w : copy)
      if (auto c = w.lock())
        net::post(c->ex, [w] {
          if (auto c = w.lock(); c && c->alive && c->idle && c->cancel) c->cancel();
        });
    // Wait for the sessions to finish, bounded by drain_timeout_ms; then stop the io_context.
    net::co_spawn(
        ioc,
        [this]() -> net::awaitable<void> {
          auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(cfg.drain_timeout_ms);
          net::steady_timer t(co_await net::this_coro::executor);
          while (sessions.load() > 0 && std::chrono::steady_clock::now() < deadline) {
            t.expires_after(20ms);
            co_await t.async_wait(net::as_tuple(net::use_awaitable));
          }
          log::info(kComponent, "drain_end", {{"sessions_left", sessions.load()}});
          ioc.stop();
        },
        net::detached);
  }

  net::awaitable<void> accept_loop(acceptor& acc, bool tls) {
    for (;;) {
      auto [ec, sock] = co_await acc.async_accept(net::make_strand(ioc));
      if (ec) {
        if ((draining && tls) || ec == net::error::operation_aborted) co_return;
        log::warn(kComponent, "accept_failed", {{"error", ec.message()}});
        // EMFILE and friends: back off briefly instead of spinning.
        net::steady_timer t(co_await net::this_coro::executor, 50ms);
        co_await t.async_wait(net::as_tuple(net::use_awaitable));
        continue;
      }
      if (draining && tls) co_return;
      // A reply's header and body may leave as two TLS records; without this, Nagle holds the
      // second until the client's delayed ACK (up to 40 ms on Linux).
      {
        boost::system::error_code nec;
        sock.set_option(net::ip::tcp::no_delay(true), nec);
      }
      // At max_connections a new connection may still take the place of an unauthenticated one
      // (api_session evicts the oldest); only when every slot is a party's is it refused.
      if (tls && api_connections.load() >= static_cast<int>(cfg.limits.max_connections) && preauth.size() == 0) {
        metrics.get_counter(metric_names::connections_refused_total, listener_help::connections_refused).inc();
        boost::system::error_code ignore;
        sock.close(ignore);
        continue;
      }
      auto ex = sock.get_executor();
      tcp_stream stream(std::move(sock));
      // The drain waits for API sessions only: ops sessions carry no work that must finish.
      if (tls) sessions.fetch_add(1);
      auto done = [this, tls](std::exception_ptr e) {
        if (e) {
          // Last resort of the last resort: the session's own catch did not run.
          try {
            std::rethrow_exception(e);
          } catch (const std::exception& x) {
            log::error(kComponent, "session_exception", {{"listener", tls ? "api" : "ops"}, {"what", x.what()}});
          } catch (...) {
            log::error(kComponent, "session_exception", {{"listener", tls ? "api" : "ops"}});
          }
          session_errors->inc();
        }
        if (tls) sessions.fetch_sub(1);
      };
      if (tls)
        net::co_spawn(ex, api_session(std::move(stream)), done);
      else
        net::co_spawn(ex, ops_session(std::move(stream)), done);
    }
  }

  // Waits for the first byte of a next request, bounded by the idle timeout and cut short by a drain
  // (unless `even_if_draining`: the first request of an ops connection, e.g. a /readyz probe).
  // @return false when the connection should close.
  template <class Stream>
  net::awaitable<bool> await_request(Stream& s, tcp_stream& lowest, beast::flat_buffer& buf, session_ctl& ctl,
                                     bool even_if_draining = false) {
    if (buf.size() > 0) co_return true;
    if (draining && !even_if_draining) co_return false;
    ctl.idle = true;
    lowest.expires_after(std::chrono::milliseconds(cfg.limits.idle_timeout_ms));
    auto [ec, n] = co_await s.async_read_some(buf.prepare(16384));
    ctl.idle = false;
    if (ec) co_return false;
    buf.commit(n);
    co_return true;
  }

  /// Reads one request on the API listener and writes its reply (refusals of read_request, a 403 when
  /// `v`, the re-identification before it, distrusts the certificate, the api's answer, a last-resort
  /// 500). @return false when the connection should close.
  net::awaitable<bool> serve_one(ssl_stream& ss, beast::flat_buffer& buf, const connection_identity& id,
                                 connection_identity::verdict v, const std::string& peer) {
    auto& lowest = beast::get_lowest_layer(ss);
    http::request_parser<http::string_body> parser;
    parser.body_limit(cfg.limits.max_body_bytes);
    response res;
    const caller& who = id.who();
    auto g = co_await read_request(ss, buf, parser, cfg.limits, id.over(), res);
    if (g == got::timeout) {
      metrics.get_counter(metric_names::read_timeouts_total, listener_help::read_timeouts).inc();
      log::info(kComponent, "read_timeout", {{"peer", peer}, {"party", who.id}});
      co_return false;
    }
    if (g == got::gone) co_return false;
    // A per-party 503 never reaches the api's handle(): counted in the same series as every other reply.
    if (g == got::party_limit) apis.count_refused(who, parser.get().method(), parser.get().target(), 503);
    bool close_after = g != got::request || v == connection_identity::verdict::untrusted;
    std::unique_ptr<body_source> stream;
    if (g == got::request && v == connection_identity::verdict::untrusted) {
      res = refuse_untrusted(apis, who, id.distrusted(), parser.get(), peer);  // reidentify.hpp
    } else if (g == got::request) {
      request req = parser.release();
      try {
        res = co_await apis.handle(req, who, stream);
      } catch (const std::exception& e) {
        log::error(
            kComponent, "request_exception",
            {{"peer", peer}, {"subject", who.subject}, {"target", std::string(req.target())}, {"what", e.what()}});
        session_errors->inc();
        res = make_response(500, "internal error\n", "text/plain", req.version(), false);
        stream.reset();
        close_after = true;
      }
      if (!req.keep_alive() || id.lost_party()) close_after = true;
    }
    if (draining) close_after = true;
    res.keep_alive(!close_after);
    bool written = co_await write_reply(ss, lowest, res, stream);
    co_return written && !close_after;
  }

  /// Writes `res`, its body from `src` when set (else its own body). A reply that fits in one
  /// piece (limits.write_progress_bytes) goes as one message with Content-Length; a larger one is
  /// written piece by piece as the source produces it, chunked (HTTP/1.0: unframed, then closed),
  /// so it is never whole in memory. Each piece must be written within limits.write_timeout_ms: a
  /// progress timeout, so a slow but live client gets a large reply and a stalled one is cut.
  /// @return false when the write failed or timed out, or the connection must close
  /// `src` is passed as a named lvalue (GCC 12: no non-trivial temporaries inside a co_await).
  net::awaitable<bool> write_reply(ssl_stream& ss, tcp_stream& lowest, response& res,
                                   std::unique_ptr<body_source>& src) {
    const std::size_t piece = cfg.limits.write_progress_bytes;
    const auto interval = std::chrono::milliseconds(cfg.limits.write_timeout_ms);
    if (!src && res.body().size() > piece) src = std::make_unique<string_source>(std::move(res.body()));
    std::string buf;
    bool more = src != nullptr;
    while (more && buf.size() <= piece) more = src->next(buf);
    if (!more) {
      if (src) {
        res.body() = std::move(buf);
        res.prepare_payload();
      }
      lowest.expires_after(interval);
      auto [ec, n] = co_await http::async_write(ss, res);
      co_return !ec;
    }
    const bool chunked = res.version() >= 11;
    http::response<http::empty_body> head(std::move(res.base()));
    head.erase(http::field::content_length);
    if (chunked)
      head.chunked(true);
    else
      head.keep_alive(false);
    http::response_serializer<http::empty_body> sr(head);
    lowest.expires_after(interval);
    auto [hec, hn] = co_await http::async_write_header(ss, sr);
    if (hec) co_return false;
    for (std::size_t off = 0;;) {
      while (buf.size() - off >= piece || (!more && off < buf.size())) {
        net::const_buffer b(buf.data() + off, std::min(piece, buf.size() - off));
        auto chunk = http::make_chunk(b);  // a named local: GCC 12 and temporaries in co_await
        lowest.expires_after(interval);
        auto [ec, n] = chunked ? co_await net::async_write(ss, chunk) : co_await net::async_write(ss, b);
        if (ec) {
          if (ec == beast::error::timeout) write_timeouts->inc();
          co_return false;
        }
        off += b.size();
      }
      if (!more) break;
      buf.erase(0, off);  // less than one piece is left: a small move
      off = 0;
      while (more && buf.size() < piece) more = src->next(buf);
    }
    if (!chunked) co_return false;
    auto last = http::make_chunk_last();
    lowest.expires_after(interval);
    auto [lec, ln] = co_await net::async_write(ss, last);
    co_return !lec;
  }

  // Takes a pre-authentication slot for this connection, evicting the oldest unauthenticated
  // connection when a cap is reached (preauth.hpp).
  preauth_pool::ticket enter_preauth(const std::shared_ptr<session_ctl>& ctl, const std::string& address) {
    bool need_room = api_connections.load() > static_cast<int>(cfg.limits.max_connections);
    std::weak_ptr<session_ctl> w = ctl;
    auto adm = preauth.admit(
        address,
        [w] {
          if (auto c = w.lock())
            net::post(c->ex, [w] {
              if (auto c = w.lock(); c && c->alive && !c->authenticated && c->evict) {
                c->evicted = true;
                c->evict();
              }
            });
        },
        need_room);
    preauth_open->add(1);
    if (adm.why != preauth_pool::eviction::none) {
      metrics
          .get_counter(metric_names::preauth_evictions_total, listener_help::preauth_evictions,
                       {{"reason", std::string(to_string(adm.why))}})
          .inc();
      if (adm.evict) adm.evict();
    }
    return adm.t;
  }

  // Counts a failed handshake by reason; logs a summary at most every 10 s, never one line each.
  void handshake_failed(const std::string& reason, const std::string& peer, const boost::system::error_code& ec,
                        const refused_certificate& cert) {
    metrics
        .get_counter(metric_names::tls_handshake_failures_total, listener_help::handshake_failures,
                     {{"reason", reason}})
        .inc();
    log::debug(kComponent, "tls_handshake_failed", {{"peer", peer}, {"reason", reason}, {"error", ec.message()}});
    if (!cert.verify_error.empty() || reason == "no_certificate")
      apis.requests().handshake_refused({peer, reason, cert.subject, cert.issuer, cert.verify_error});
    if (auto summary = handshake_failures.record(reason))
      log::info(kComponent, "tls_handshake_failures", {{"by_reason", *summary}, {"preauth_open", preauth.size()}});
  }

  net::awaitable<void> api_session(tcp_stream stream) {
    auto ex = stream.get_executor();
    boost::system::error_code rec;
    auto remote = stream.socket().remote_endpoint(rec);
    const std::string address = rec ? std::string() : remote.address().to_string();
    const std::string peer = rec ? std::string() : address + ":" + std::to_string(remote.port());
    api_connections.fetch_add(1);
    open_connections->add(1);
    struct conn_guard {
      impl* s;
      ~conn_guard() {
        s->api_connections.fetch_sub(1);
        s->open_connections->add(-1);
      }
    } cg{this};

    // The context this connection keeps. The epoch first: a reload publishing after it is re-verified.
    const std::uint64_t generation = epoch.current();
    auto tls_ctx = tls.current();
    refused_certificate refused;  // before `ss`: the verify callback writes it during the handshake
    ssl_stream ss(std::move(stream), *tls_ctx);
    watch_refusal(ss.native_handle(), &refused);
    auto& lowest = beast::get_lowest_layer(ss);
    auto ctl = track(ex);
    ctl->cancel = [&lowest] { lowest.cancel(); };
    ctl->evict = [&lowest] { lowest.close(); };
    struct ctl_guard {
      session_ctl& c;
      ~ctl_guard() { c.alive = false; }
    } ctg{*ctl};

    struct preauth_guard {
      impl* s;
      preauth_pool::ticket t;
      void leave() {
        if (!t) return;
        s->preauth.release(t);
        s->preauth_open->add(-1);
        t.reset();
      }
      ~preauth_guard() { leave(); }
    } pag{this, enter_preauth(ctl, address)};

    lowest.expires_after(std::chrono::milliseconds(cfg.limits.handshake_timeout_ms));
    auto [hec] = co_await ss.async_handshake(ssl::stream_base::server);
    pag.leave();
    if (hec) {
      handshake_failed(ctl->evicted ? "evicted" : handshake_failure_reason(ss.native_handle(), hec), peer, hec,
                       refused);
      co_return;
    }
    ctl->authenticated = true;
    handshake_ok->inc();
    auto trusted = tls_ctx;  // the context whose trust store the chain last passed (reidentify.hpp)
    connection_identity id(*parties, identity_of(ss.native_handle()), generation);
    beast::flat_buffer buf;
    for (;;) {
      if (!co_await await_request(ss, lowest, buf, *ctl)) break;
      auto v = id.refresh(epoch.current(), [&] { return trust_in_service(ss.native_handle(), tls, trusted); });
      if (!co_await serve_one(ss, buf, id, v, peer)) break;
    }
    // Close politely but never wait long for a peer that does not answer the close_notify.
    lowest.expires_after(1s);
    co_await ss.async_shutdown();
    lowest.close();
  }

  net::awaitable<void> ops_session(tcp_stream stream) {
    auto ctl = track(stream.get_executor());
    ctl->cancel = [&stream] { stream.cancel(); };
    struct ctl_guard {
      session_ctl& c;
      ~ctl_guard() { c.alive = false; }
    } ctg{*ctl};
    beast::flat_buffer buf;
    for (bool first = true;; first = false) {
      if (!co_await await_request(stream, stream, buf, *ctl, first)) break;
      http::request_parser<http::string_body> parser;
      parser.header_limit(16384);
      parser.body_limit(65536);
      stream.expires_after(std::chrono::milliseconds(cfg.limits.read_timeout_ms));
      auto [rec, rn] = co_await http::async_read(stream, buf, parser);
      if (rec) break;
      request req = parser.release();
      ops_reply streaming;
      response res =
          ops_route(req, streaming,
                    {draining, [this] { return apis.not_ready_reason(); }, [this] { return metrics.render(); }, hook});
      if (streaming.next) {
        co_await ops_stream(stream, std::move(res), streaming, std::chrono::milliseconds(cfg.limits.write_timeout_ms),
                            draining);
        break;
      }
      bool close_after = !req.keep_alive() || draining;
      res.keep_alive(!close_after);
      stream.expires_after(std::chrono::milliseconds(cfg.limits.write_timeout_ms));
      auto [wec, wn] = co_await http::async_write(stream, res);
      if (wec || close_after) break;
    }
    boost::system::error_code ec;
    stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
  }
};

server::server(config cfg) : impl_(std::make_unique<impl>(std::move(cfg))) {}
server::~server() = default;
registry& server::metrics() {
  return impl_->metrics;
}
jubes::result<server::parked_view> server::parked(std::size_t max) const {
  return impl_->apis.parked(max);
}
jubes::result<std::string> server::late_json() const {
  return impl_->apis.late_json();
}
void server::set_ops_hook(ops_hook h) {
  impl_->hook = std::move(h);
}
endpoint server::api_endpoint() const {
  return impl_->api_ep;
}
endpoint server::ops_endpoint() const {
  return impl_->ops_ep;
}
void server::stop() {
  net::post(impl_->ioc, [s = impl_.get()] { s->begin_drain(); });
}

jubes::result<void> server::start() {
  auto& s = *impl_;
  s.handshake_ok =
      &s.metrics.get_counter(metric_names::tls_handshakes_total, "Successful TLS handshakes on the API listener.");
  s.session_errors = &s.metrics.get_counter(metric_names::session_exceptions_total,
                                            "Requests or sessions ended by an unexpected exception (a bug).");
  s.write_timeouts = &s.metrics.get_counter(
      metric_names::write_timeouts_total,
      "API replies cut off by the write progress timeout (fewer than limits.write_progress_bytes written in "
      "limits.write_timeout_ms).");
  s.open_connections = &s.metrics.get_gauge(metric_names::api_connections, "Open connections on the API listener.");
  s.preauth_open = &s.metrics.get_gauge(metric_names::preauth_connections,
                                        "API connections that have not completed the TLS handshake yet.");

  if (auto r = s.tls.load(); !r) return r.error();
  register_listener_series(s.metrics);

  if (auto r = s.apis.open(); !r) return r.error();
  // A municipal certificate names a party only while its code is current in the route snapshot in service.
  s.parties.emplace(s.cfg, [&s](std::string_view code) {
    auto g = s.apis.handler_services().pipe.gemeenten();
    return g && g->is_current(code);
  });
  s.apis.set_tls_reload([&s] { return s.tls.reload("admin"); });
  s.apis.handler_services().routes_reloaded = [&s] { s.epoch.bump(); };

  s.api_acc.emplace(net::make_strand(s.ioc));
  s.ops_acc.emplace(net::make_strand(s.ioc));
  auto api_ep = bind_listener(*s.api_acc, s.cfg.listen, "listen");
  if (!api_ep) return api_ep.error();
  s.api_ep = *api_ep;
  auto ops_ep = bind_listener(*s.ops_acc, s.cfg.ops_listen, "ops_listen");
  if (!ops_ep) return ops_ep.error();
  s.ops_ep = *ops_ep;
  return {};
}

int server::run() {
  auto& s = *impl_;
  s.signals.add(SIGINT);
  s.signals.add(SIGTERM);
  s.signals.add(SIGHUP);
  s.signals.add(SIGUSR2);
  std::function<void()> arm = [&s, &arm] {
    s.signals.async_wait([&s, &arm](const boost::system::error_code& ec, int sig) {
      if (ec) return;
      if (sig == SIGHUP) {
        log::info(kComponent, "sighup_reload_routes");
        (void)s.apis.reload_routes();  // a refusal is logged; the old table keeps serving
        (void)s.tls.reload("SIGHUP");  // likewise: a bad file keeps the old certificates
        arm();
        return;
      }
      if (sig == SIGUSR2) {  // debug on, or back to the configured level (docs/operations.md, "Logs")
        log::level base = log::level::info;
        (void)log::parse_level(s.cfg.log_level, base);
        log::warn(kComponent, "sigusr2_log_level", {{"level", log::to_string(log::toggle_debug(base))}});
        arm();
        return;
      }
      log::info(kComponent, "signal", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
      s.begin_drain();
    });
  };
  arm();
  net::co_spawn(s.api_acc->get_executor(), s.accept_loop(*s.api_acc, true), net::detached);
  net::co_spawn(s.ops_acc->get_executor(), s.accept_loop(*s.ops_acc, false), net::detached);

  auto host = [](const endpoint& e) { return e.host == "0.0.0.0" ? std::string("127.0.0.1") : e.host; };
  std::string api_url = "https://" + host(s.api_ep) + ":" + std::to_string(s.api_ep.port) + "/v1/";
  std::string ops_url = "http://" + host(s.ops_ep) + ":" + std::to_string(s.ops_ep.port) + "/";
  log::info(kComponent, "listening",
            {{"api", api_url}, {"bind", s.api_ep.text()}, {"ops", ops_url}, {"io_threads", s.cfg.io_threads}});
  // The operator-facing summary: what `scripts/run` shows (not with log_format json: every line is JSON).
  if (log::current_format() == log::format::text)
    std::fprintf(stderr, "jubesd: API (mTLS) %s\njubesd: ops %shealthz %sreadyz %smetrics %sdashboard\n",
                 api_url.c_str(), ops_url.c_str(), ops_url.c_str(), ops_url.c_str(), ops_url.c_str());

  // jubesctl finds this gateway from the data directory (owner.hpp); not for PostgreSQL, whose
  // store has no data directory of its own.
  const bool owns_dir = !uses_postgresql(s.cfg);
  if (owns_dir) {
    auto w = detail::write_owner(
        s.cfg.data_dir,
        {static_cast<long>(::getpid()), s.api_ep.text(), s.ops_ep.text(), detail::canonical_dir(s.cfg.data_dir), "lmdb",
         log::iso8601_utc(
             std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
                 .count())});
    if (!w) log::warn(kComponent, "owner_file_failed", {{"error", w.error().message()}});
  }

  std::vector<std::thread> threads;
  for (std::uint32_t i = 1; i < s.cfg.io_threads; ++i) threads.emplace_back([&s] { s.ioc.run(); });
  s.ioc.run();
  for (auto& t : threads) t.join();
  s.apis.close();
  if (owns_dir) detail::remove_owner(s.cfg.data_dir);
  log::info(kComponent, "stopped");
  return 0;
}

}  // namespace jubes::gateway
