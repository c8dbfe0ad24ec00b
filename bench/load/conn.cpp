// SPDX-License-Identifier: EUPL-1.2
#include "conn.hpp"

#include <boost/asio/ip/address.hpp>
#include <charconv>

namespace jubes::bench {

connection::connection(asio::any_io_executor ex, ssl::context& ctx, std::string host, std::string port,
                       std::chrono::milliseconds timeout)
    : ex_(std::move(ex)), ctx_(ctx), host_(std::move(host)), port_(std::move(port)), timeout_(timeout) {}

void connection::close() {
  if (stream_) {
    beast::error_code ec;
    beast::get_lowest_layer(*stream_).socket().close(ec);
    stream_.reset();
  }
  buffer_.clear();
}

void connection::retarget(std::string host, std::string port) {
  close();
  host_ = std::move(host);
  port_ = std::move(port);
  req_ = {};  // its Host field names the old node
}

asio::awaitable<bool> connection::ensure_open(std::string& error) {
  if (stream_) co_return true;
  stream_.emplace(executor_t(ex_), ctx_);
  ++connects_;
  tcp::resolver resolver(ex_);
  auto [rec, results] = co_await resolver.async_resolve(host_, port_, asio::as_tuple(asio::use_awaitable));
  if (rec) {
    error = "resolve " + host_ + ": " + rec.message();
    close();
    co_return false;
  }
  auto& tcp_layer = beast::get_lowest_layer(*stream_);
  tcp_layer.expires_after(timeout_);
  auto [cec, ep] = co_await tcp_layer.async_connect(results);
  if (cec) {
    error = "connect " + host_ + ":" + port_ + ": " + cec.message();
    close();
    co_return false;
  }
  (void)ep;
  tcp_layer.socket().set_option(tcp::no_delay(true));
  // SNI only for names; the dev server certificate carries 127.0.0.1 and localhost as SANs, and
  // the peer name is checked against them either way.
  beast::error_code aec;
  asio::ip::make_address(host_, aec);
  if (aec) SSL_set_tlsext_host_name(stream_->native_handle(), host_.c_str());
  stream_->set_verify_callback(ssl::host_name_verification(host_));
  tcp_layer.expires_after(timeout_);
  auto [hec] = co_await stream_->async_handshake(ssl::stream_base::client);
  if (hec) {
    error = "TLS handshake with " + host_ + ":" + port_ + ": " + hec.message();
    close();
    co_return false;
  }
  co_return true;
}

void connection::prepare(http::verb method, std::string_view target, std::string_view content_type,
                         std::string_view body) {
  const bool alike = req_.method() == method && req_.target() == target && req_content_type_ == content_type &&
                     !req_[http::field::host].empty();
  if (!alike) {
    req_ = {};
    req_.method(method);
    req_.target(target);
    req_.version(11);
    req_.set(http::field::host, host_);
    req_.set(http::field::user_agent, "jubes-bench");
    if (!content_type.empty()) req_.set(http::field::content_type, content_type);
    req_.keep_alive(true);
    req_content_type_ = content_type;
  }
  req_.body().assign(body.data(), body.size());
  req_.prepare_payload();
}

asio::awaitable<reply> connection::request(http::verb method, std::string target, std::string_view content_type,
                                           std::string_view body) {
  reply r;
  if (!co_await ensure_open(r.error)) co_return r;
  prepare(method, target, content_type, body);
  auto& req = req_;

  auto& tcp_layer = beast::get_lowest_layer(*stream_);
  tcp_layer.expires_after(timeout_);
  auto [wec, wn] = co_await http::async_write(*stream_, req);
  (void)wn;
  if (wec) {
    r.error = "write: " + wec.message();
    close();
    co_return r;
  }
  http::response_parser<http::string_body> parser;
  parser.body_limit(256u * 1024 * 1024);  // poll batches with 1 MiB plans can be large
  tcp_layer.expires_after(timeout_);
  auto [rec, rn] = co_await http::async_read(*stream_, buffer_, parser);
  (void)rn;
  if (rec) {
    r.error = "read: " + rec.message();
    close();
    co_return r;
  }
  auto& res = parser.get();
  r.status = static_cast<int>(res.result_int());
  if (auto it = res.find(http::field::location); it != res.end()) r.location = std::string(it->value());
  if (auto it = res.find(http::field::retry_after); it != res.end()) {
    int v = 0;
    auto s = it->value();
    if (std::from_chars(s.data(), s.data() + s.size(), v).ec == std::errc{}) r.retry_after_s = v;
  }
  bool keep = res.keep_alive();
  r.body = std::move(res.body());
  if (!keep) close();
  co_return r;
}

std::unique_ptr<ssl::context> client_context(const std::string& ca, const std::string& cert, const std::string& key,
                                             std::string& error) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  beast::error_code ec;
  ctx->set_verify_mode(ssl::verify_peer, ec);
  if (!ec) ctx->load_verify_file(ca, ec);
  if (ec) {
    error = ca + ": " + ec.message();
    return nullptr;
  }
  ctx->use_certificate_chain_file(cert, ec);
  if (ec) {
    error = cert + ": " + ec.message();
    return nullptr;
  }
  ctx->use_private_key_file(key, ssl::context::pem, ec);
  if (ec) {
    error = key + ": " + ec.message();
    return nullptr;
  }
  return ctx;
}

}  // namespace jubes::bench
