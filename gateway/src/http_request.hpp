// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Private: the API listener's checks of a request head, before any handler sees it and before its
// body is read, so that intermediaries (proxies, load balancers) and the gateway agree on where one
// request ends and the next begins, and clients that send `Expect: 100-continue` never stall.
//
//   - the header block (request line through the empty line) is limited exactly: a block of
//     max_header_bytes passes, one byte more is 431 (Beast's own limit is approximate);
//   - Transfer-Encoding other than exactly `chunked`, more than one Transfer-Encoding, or
//     Transfer-Encoding with Content-Length is 400 (RFC 9112 §6.1, §6.3: request smuggling);
//   - an HTTP/1.1 request without exactly one Host is 400 (RFC 9112 §3.2);
//   - `Expect: 100-continue` on HTTP/1.1 asks for an interim 100; any other expectation is 417
//     (RFC 9110 §10.1.1).
// scan_header_block() and check_head() are pure functions (unit-tested); read_request() does the IO.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <cstddef>
#include <optional>
#include <string_view>

#include "gateway/config.hpp"
#include "net.hpp"

namespace jubes::gateway::detail {

/// How much of a header block the buffer holds.
struct header_scan {
  enum kind { need_more, complete, too_large } state = need_more;
  std::size_t size = 0;  ///< complete: bytes of the block, its closing empty line included
};

/// @param buffered the bytes received so far, starting at the request line
/// @param limit the largest header block allowed (limits.max_header_bytes)
header_scan scan_header_block(std::string_view buffered, std::size_t limit);

/// The verdict on a parsed request head.
struct head_verdict {
  unsigned status = 0;         ///< 0: go on; else the final status to answer before the body (then close)
  std::string_view why;        ///< the reason, for the reply's body
  bool send_continue = false;  ///< answer "100 Continue" before reading the body
};

/// @param parser a parser that has just read the head
/// @param buffered bytes already received after the head
/// @return true if the body has not been received in full yet (a "100 Continue" is only worth
///         sending then)
bool body_pending(const http::request_parser<http::string_body>& parser, std::size_t buffered);

/// @param head the parsed head
/// @param body_pending true if the body has not been received in full yet (a 100 is only worth
///        sending then)
head_verdict check_head(const http::request_header<>& head, bool body_pending);

/// What reading one request gave.
enum class got {
  request,      ///< a whole request, in the parser
  refusal,      ///< the answer is in `res` (400, 413, 417, 431); close afterwards
  party_limit,  ///< the party is over its connection limit: 503 in `res`; close afterwards
  timeout,      ///< limits.read_timeout_ms passed: close without an answer
  gone,         ///< the peer closed or reset: nothing to answer
};

/// Reads one request: the header block (exact limit), the checks of check_head() and the party's
/// connection limit (`over`), a "100 Continue" when asked for, then the body. Every refusal is
/// decided before the body is read, so a client waiting for 100 gets its final answer instead of
/// stalling. `parser` has its body limit set by the caller.
net::awaitable<got> read_request(ssl_stream& ss, beast::flat_buffer& buf,
                                 http::request_parser<http::string_body>& parser, const limits_config& lim, bool over,
                                 response& res);

}  // namespace jubes::gateway::detail
