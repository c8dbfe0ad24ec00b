// SPDX-License-Identifier: EUPL-1.2
#include "gateway/client.hpp"

#include <openssl/ssl.h>
#include <strings.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <optional>

#include "net.hpp"

namespace jubes::gateway {
using namespace detail;
namespace ssl = boost::asio::ssl;

std::string http_reply::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
  return {};
}

struct client::impl {
  client_options o;
  net::io_context ioc;
  std::optional<ssl::context> ctx;
  std::optional<ssl_stream> tls;
  std::optional<tcp_stream> plain;
  beast::flat_buffer buf;
  bool connected = false;

  tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }

  boost::system::error_code make_ctx() {
    if (!o.tls || ctx) return {};
    ctx.emplace(ssl::context::tls_client);
    SSL_CTX* h = ctx->native_handle();
    SSL_CTX_set_min_proto_version(h, o.min_tls_version ? o.min_tls_version : TLS1_2_VERSION);
    if (o.max_tls_version) SSL_CTX_set_max_proto_version(h, o.max_tls_version);
    if (o.min_tls_version && o.min_tls_version < TLS1_2_VERSION) SSL_CTX_set_security_level(h, 0);
    boost::system::error_code ec;
    if (!o.ca.empty()) {
      ctx->load_verify_file(o.ca.string(), ec);
      if (ec) return ec;
      ctx->set_verify_mode(ssl::verify_peer);
    }
    if (!o.cert.empty()) {
      ctx->use_certificate_chain_file(o.cert.string(), ec);
      if (ec) return ec;
      ctx->use_private_key_file(o.key.string(), ssl::context::pem, ec);
      if (ec) return ec;
    }
    return {};
  }

  // Runs one coroutine to completion on the private io_context.
  template <class T>
  T run(net::awaitable<T> aw) {
    std::optional<T> out;
    net::co_spawn(ioc, std::move(aw), [&](std::exception_ptr e, T v) {
      if (!e) out = std::move(v);
    });
    ioc.restart();
    ioc.run();
    if (!out) return T{boost::system::error_code(net::error::operation_aborted)};
    return std::move(*out);
  }

  net::awaitable<boost::system::result<void>> do_connect() {
    if (auto ec = make_ctx()) co_return ec;
    net::ip::tcp::resolver r(ioc);
    boost::system::error_code ec;
    auto eps = r.resolve(o.host, std::to_string(o.port), ec);
    if (ec) co_return ec;
    buf.clear();
    tcp_stream s(ioc.get_executor());
    s.expires_after(o.timeout);
    auto [cec, ep] = co_await s.async_connect(eps);
    if (cec) co_return cec;
    if (!o.tls) {
      plain.emplace(std::move(s));
      tls.reset();
      connected = true;
      co_return boost::system::result<void>{};
    }
    tls.emplace(std::move(s), *ctx);
    plain.reset();
    SSL_set_tlsext_host_name(tls->native_handle(), o.host.c_str());
    beast::get_lowest_layer(*tls).expires_after(o.timeout);
    auto [hec] = co_await tls->async_handshake(ssl::stream_base::client);
    if (hec) {
      tls.reset();
      co_return hec;
    }
    connected = true;
    co_return boost::system::result<void>{};
  }

  template <class Stream>
  net::awaitable<boost::system::result<http_reply>> exchange(Stream& s, detail::request& req) {
    lowest().expires_after(o.timeout);
    auto [wec, wn] = co_await http::async_write(s, req);
    if (wec) co_return wec;
    http::response_parser<http::string_body> p;
    p.body_limit(1ull << 30);
    if (req.method() == http::verb::head) p.skip(true);
    lowest().expires_after(o.timeout);
    auto [rec, rn] = co_await http::async_read(s, buf, p);
    if (rec) co_return rec;
    auto& res = p.get();
    http_reply out;
    out.status = res.result_int();
    for (const auto& f : res) out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    out.body = std::move(res.body());
    if (!res.keep_alive()) connected = false;
    co_return out;
  }

  net::awaitable<boost::system::result<http_reply>> do_request(detail::request req) {
    if (!connected) {
      auto c = co_await do_connect();
      if (!c) co_return c.error();
    }
    if (tls) co_return co_await exchange(*tls, req);
    co_return co_await exchange(*plain, req);
  }

  void drop() {
    connected = false;
    boost::system::error_code ec;
    if (tls) beast::get_lowest_layer(*tls).socket().close(ec);
    if (plain) plain->socket().close(ec);
    tls.reset();
    plain.reset();
  }
};

client::client(client_options o) : impl_(std::make_unique<impl>()) {
  impl_->o = std::move(o);
}
client::~client() {
  if (impl_) impl_->drop();
}
client::client(client&&) noexcept = default;
client& client::operator=(client&&) noexcept = default;

boost::system::result<void> client::connect() {
  impl_->drop();
  return impl_->run(impl_->do_connect());
}

boost::system::result<http_reply> client::request(std::string_view method, std::string_view target,
                                                  std::string_view body, std::string_view content_type) {
  auto& s = *impl_;
  detail::request req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, s.o.host);
  req.set(http::field::user_agent, "jubes-client");
  if (!s.o.accept.empty()) req.set(http::field::accept, s.o.accept);
  if (!body.empty() || method == "POST") {
    req.set(http::field::content_type, content_type);
    req.body() = std::string(body);
  }
  req.keep_alive(true);
  req.prepare_payload();
  bool was_connected = s.connected;
  auto r = s.run(s.do_request(req));
  if (!r) {
    s.drop();
    // A kept-alive connection the server closed meanwhile: retry once on a fresh one.
    if (was_connected) r = s.run(s.do_request(req));
    if (!r) s.drop();
  }
  if (r && !s.connected) s.drop();
  return r;
}

void client::close() {
  impl_->drop();
}

}  // namespace jubes::gateway
