// SPDX-License-Identifier: EUPL-1.2
// The API listener's checks of a request head (gateway/src/http_request.hpp), without a socket.
#include "http_request.hpp"

#include <gtest/gtest.h>

#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <string>

namespace jubes::gateway::detail {
namespace {

/// Parses `text` (a head, optionally with body bytes) and checks it as read_request() does: a head
/// Beast itself refuses is a 400 there too.
head_verdict verdict_of(const std::string& text) {
  http::request_parser<http::string_body> p;
  boost::system::error_code ec;
  auto used = p.put(net::buffer(text), ec);
  if (ec && ec != http::error::need_more) return {400, "refused by the parser", false};
  return check_head(p.get(), body_pending(p, text.size() - used));
}

TEST(http_request, header_block_limit_is_exact) {
  const std::string head = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";  // 27 bytes
  ASSERT_EQ(head.size(), 27u);
  EXPECT_EQ(scan_header_block(head, 27).state, header_scan::complete);
  EXPECT_EQ(scan_header_block(head, 27).size, 27u);
  EXPECT_EQ(scan_header_block(head, 26).state, header_scan::too_large);
  // Incomplete: more is needed until `limit` bytes arrived without the end.
  EXPECT_EQ(scan_header_block(head.substr(0, 26), 27).state, header_scan::need_more);
  EXPECT_EQ(scan_header_block(head.substr(0, 26), 26).state, header_scan::too_large);
  // Body bytes after the block do not count.
  EXPECT_EQ(scan_header_block(head + std::string(100, 'b'), 27).state, header_scan::complete);
}

TEST(http_request, transfer_encoding_other_than_chunked_is_400) {
  EXPECT_EQ(verdict_of("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n").status, 0u);
  EXPECT_EQ(verdict_of("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n").status, 400u);
  EXPECT_EQ(verdict_of("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n").status, 400u);
  EXPECT_EQ(verdict_of("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n").status, 400u);
  EXPECT_EQ(verdict_of("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n")
                .status,
            400u);
}

TEST(http_request, host_is_required_on_http_1_1_only) {
  EXPECT_EQ(verdict_of("GET / HTTP/1.1\r\n\r\n").status, 400u);
  EXPECT_EQ(verdict_of("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n").status, 400u);
  EXPECT_EQ(verdict_of("GET / HTTP/1.0\r\n\r\n").status, 0u);
}

TEST(http_request, expect_100_continue_asks_for_an_interim_reply) {
  auto v = verdict_of("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
  EXPECT_EQ(v.status, 0u);
  EXPECT_TRUE(v.send_continue);
  // The body is here already: no 100 needed.
  v = verdict_of("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-Continue\r\nContent-Length: 5\r\n\r\nabcde");
  EXPECT_EQ(v.status, 0u);
  EXPECT_FALSE(v.send_continue);
  EXPECT_EQ(verdict_of("POST / HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\nContent-Length: 5\r\n\r\n").status, 417u);
  // HTTP/1.0 expectations are ignored (RFC 9110 section 10.1.1).
  EXPECT_FALSE(verdict_of("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n").send_continue);
}

}  // namespace
}  // namespace jubes::gateway::detail
