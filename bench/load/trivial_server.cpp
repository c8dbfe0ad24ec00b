// SPDX-License-Identifier: EUPL-1.2
// jubes-bench --serve-trivial: the baseline endpoint of docs/BENCHMARKS.md.
#include <openssl/ssl.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <filesystem>
#include <iostream>
#include <thread>
#include <vector>

#include "app.hpp"

namespace jubes::bench {
namespace {

// A mutual-TLS HTTP endpoint that does no work: the ceiling of the TLS/HTTP stack on these cores,
// the baseline of docs/BENCHMARKS.md. Replies 201 with a fixed receipt; GET gets an empty batch.
asio::awaitable<void> trivial_session(tcp::socket sock, ssl::context& ctx, std::atomic<std::uint64_t>& ids) {
  // A reply is one TLS record (Beast's flat_stream coalesces header and body), but without
  // TCP_NODELAY Nagle may still hold a small write until the client's delayed ACK.
  beast::error_code nd;
  sock.set_option(tcp::no_delay(true), nd);
  tls_stream_t s(tcp_stream_t(std::move(sock)), ctx);
  auto& l = beast::get_lowest_layer(s);
  l.expires_after(std::chrono::seconds(10));
  auto [hec] = co_await s.async_handshake(ssl::stream_base::server);
  if (hec) co_return;
  beast::flat_buffer buf;
  for (;;) {
    http::request_parser<http::string_body> p;
    p.body_limit(16u * 1024 * 1024);
    l.expires_after(std::chrono::seconds(60));
    auto [rec, rn] = co_await http::async_read(s, buf, p);
    (void)rn;
    if (rec) break;
    auto& req = p.get();
    http::response<http::string_body> res;
    res.version(11);
    res.keep_alive(req.keep_alive());
    res.set(http::field::content_type, "application/xml; charset=utf-8");
    if (req.method() == http::verb::post && req.target() == "/v1/messages") {
      std::string id = "t" + std::to_string(ids.fetch_add(1));
      res.result(http::status::created);
      res.set(http::field::location, "/v1/messages/" + id);
      res.body() =
          "<Bv03Bericht><stuurgegevens><referentienummer>" + id + "</referentienummer></stuurgegevens></Bv03Bericht>";
    } else {
      res.result(http::status::ok);
      res.body() = "<batch/>";
    }
    res.prepare_payload();
    l.expires_after(std::chrono::seconds(10));
    auto [wec, wn] = co_await http::async_write(s, res);
    (void)wn;
    if (wec || !res.keep_alive()) break;
  }
  beast::error_code ec;
  l.socket().close(ec);
}

asio::awaitable<void> trivial_accept(tcp::acceptor& acc, ssl::context& ctx, std::atomic<std::uint64_t>& ids) {
  for (;;) {
    auto strand = asio::make_strand(acc.get_executor());
    auto [ec, sock] = co_await acc.async_accept(strand, asio::as_tuple(asio::use_awaitable));
    if (ec == asio::error::operation_aborted) co_return;
    if (ec) continue;
    asio::co_spawn(strand, trivial_session(std::move(sock), ctx, ids), asio::detached);
  }
}

}  // namespace

int serve_trivial(const options& o) {
  std::string host, port;
  auto c = o.serve_trivial.rfind(':');
  host = o.serve_trivial.substr(0, c);
  port = o.serve_trivial.substr(c + 1);
  ssl::context ctx(ssl::context::tls_server);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  beast::error_code ec;
  auto pki = std::filesystem::path(o.pki);
  ctx.use_certificate_chain_file((pki / "server.crt").string(), ec);
  if (!ec) ctx.use_private_key_file((pki / "server.key").string(), ssl::context::pem, ec);
  if (!ec) ctx.load_verify_file((pki / "ca.crt").string(), ec);
  if (ec) {
    std::cerr << "jubes-bench: --pki " << o.pki << ": " << ec.message() << '\n';
    return 2;
  }
  ctx.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  asio::io_context io(o.threads);
  tcp::acceptor acc(io);
  tcp::endpoint ep(asio::ip::make_address(host, ec), static_cast<unsigned short>(std::stoi(port)));
  if (ec) {
    std::cerr << "jubes-bench: --serve-trivial: bad address " << host << '\n';
    return 2;
  }
  acc.open(ep.protocol(), ec);
  if (!ec) acc.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acc.bind(ep, ec);
  if (!ec) acc.listen(1024, ec);
  if (ec) {
    std::cerr << "jubes-bench: --serve-trivial " << o.serve_trivial << ": " << ec.message() << '\n';
    return 2;
  }
  std::atomic<std::uint64_t> ids{1};
  auto bound = acc.local_endpoint();
  std::cout << "jubes-bench: serving trivial mTLS on " << bound.address().to_string() << ":" << bound.port()
            << std::endl;
  asio::signal_set sigs(io, SIGINT, SIGTERM);
  sigs.async_wait([&](auto, int) {
    beast::error_code e;
    acc.close(e);
    io.stop();
  });
  asio::co_spawn(io, trivial_accept(acc, ctx, ids), asio::detached);
  std::vector<std::thread> ts;
  for (int i = 1; i < o.threads; ++i) ts.emplace_back([&] { io.run(); });
  io.run();
  for (auto& t : ts) t.join();
  return 0;
}

}  // namespace jubes::bench
