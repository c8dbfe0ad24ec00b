// SPDX-License-Identifier: EUPL-1.2
#include "http_request.hpp"

#include <algorithm>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <tuple>

#include "handlers/handler.hpp"

namespace jubes::gateway::detail {

header_scan scan_header_block(std::string_view buffered, std::size_t limit) {
  header_scan s;
  auto end = buffered.find("\r\n\r\n");
  if (end != std::string_view::npos) {
    s.size = end + 4;
    s.state = s.size <= limit ? header_scan::complete : header_scan::too_large;
    return s;
  }
  // No end yet: once `limit` bytes are here without one, the block can only be larger.
  if (buffered.size() >= limit) s.state = header_scan::too_large;
  return s;
}

bool body_pending(const http::request_parser<http::string_body>& parser, std::size_t buffered) {
  if (parser.is_done()) return false;
  auto len = parser.content_length();
  return !len || buffered < *len;  // chunked: more chunks may come
}

head_verdict check_head(const http::request_header<>& head, bool body_pending) {
  head_verdict v;
  auto te = head.count(http::field::transfer_encoding);
  if (te > 1 || (te == 1 && !beast::iequals(head[http::field::transfer_encoding], "chunked"))) {
    v.status = 400;
    v.why = "Transfer-Encoding other than exactly 'chunked' (RFC 9112 section 6.1)";
    return v;
  }
  if (te == 1 && head.count(http::field::content_length) > 0) {
    v.status = 400;
    v.why = "both Transfer-Encoding and Content-Length (RFC 9112 section 6.3)";
    return v;
  }
  if (head.version() >= 11 && head.count(http::field::host) != 1) {
    v.status = 400;
    v.why = "an HTTP/1.1 request needs exactly one Host header (RFC 9112 section 3.2)";
    return v;
  }
  if (auto n = head.count(http::field::expect); n > 0 && head.version() >= 11) {
    if (n > 1 || !beast::iequals(head[http::field::expect], "100-continue")) {
      v.status = 417;
      v.why = "the only expectation supported is 100-continue";
      return v;
    }
    v.send_continue = body_pending;
  }
  return v;
}

namespace {

bool is_normal_close(const boost::system::error_code& ec) {
  return ec == http::error::end_of_stream || ec == net::error::eof || ec == net::ssl::error::stream_truncated ||
         ec == net::error::connection_reset || ec == net::error::operation_aborted || ec == net::error::broken_pipe;
}

// Reads bytes until the header block is complete or larger than the limit (exact: Beast's own
// header limit depends on how the bytes arrived). `ec` is set when the peer went away.
net::awaitable<header_scan> read_header_block(ssl_stream& ss, beast::flat_buffer& buf, std::size_t limit,
                                              boost::system::error_code& ec) {
  for (;;) {
    auto data = buf.cdata();
    auto scan = scan_header_block({static_cast<const char*>(data.data()), data.size()}, limit);
    if (scan.state != header_scan::need_more) co_return scan;
    auto [rec, n] = co_await ss.async_read_some(buf.prepare(std::max<std::size_t>(4096, limit + 1 - buf.size())));
    if (rec) {
      ec = rec;
      co_return scan;
    }
    buf.commit(n);
  }
}

response text(unsigned status, std::string body, unsigned version = 11) {
  return make_response(status, std::move(body), "text/plain", version, false);
}

}  // namespace

net::awaitable<got> read_request(ssl_stream& ss, beast::flat_buffer& buf,
                                 http::request_parser<http::string_body>& parser, const limits_config& lim, bool over,
                                 response& res) {
  auto& lowest = beast::get_lowest_layer(ss);
  lowest.expires_after(std::chrono::milliseconds(lim.read_timeout_ms));
  // Beast's limit only as a backstop: read_header_block enforces the exact one.
  parser.header_limit(lim.max_header_bytes + 1);
  boost::system::error_code ec;
  auto scan = co_await read_header_block(ss, buf, lim.max_header_bytes, ec);
  if (scan.state == header_scan::too_large) {
    res = text(431, "request header larger than limits.max_header_bytes\n");
    co_return got::refusal;
  }
  if (!ec) std::tie(ec, std::ignore) = co_await http::async_read_header(ss, buf, parser);
  if (!ec) {
    const unsigned v = parser.get().version();
    auto verdict = check_head(parser.get(), body_pending(parser, buf.size()));
    if (verdict.status != 0) {
      res = text(verdict.status, std::string(verdict.why) + "\n", v);
      co_return got::refusal;
    }
    if (over) {
      res = text(503, "too many connections for this party\n", v);
      res.set(http::field::retry_after, "1");
      co_return got::party_limit;
    }
    if (verdict.send_continue) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      lowest.expires_after(std::chrono::milliseconds(lim.write_timeout_ms));
      auto [wec, wn] = co_await net::async_write(ss, net::buffer(kContinue));
      if (wec) co_return got::gone;
      lowest.expires_after(std::chrono::milliseconds(lim.read_timeout_ms));
    }
    if (!parser.is_done()) std::tie(ec, std::ignore) = co_await http::async_read(ss, buf, parser);
  }
  if (!ec) co_return got::request;
  if (ec == http::error::body_limit) {
    res = text(413, "request body larger than limits.max_body_bytes\n");
  } else if (ec == http::error::header_limit) {
    res = text(431, "request header larger than limits.max_header_bytes\n");
  } else if (ec == beast::error::timeout) {
    co_return got::timeout;
  } else if (is_normal_close(ec)) {
    co_return got::gone;
  } else {
    res = text(400, "malformed HTTP request: " + ec.message() + "\n");
  }
  co_return got::refusal;
}

}  // namespace jubes::gateway::detail
