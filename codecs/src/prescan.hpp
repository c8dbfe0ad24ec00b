// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Private: a cheap look at the first bytes of a document before the real (xerces) parse, to
//  - detect the encoding family (BOM, UTF-16 without BOM, the prolog's encoding=) and refuse encodings we do not
//    accept (UCS-4, EBCDIC, anything not UTF-8/UTF-16/ISO-8859-1/US-ASCII),
//  - refuse a DOCTYPE before xerces sees it,
//  - find the root element's local name and namespace, which choose the schema set (each set has its own parser).
// It is not a parser: when it cannot tell (odd syntax), it says "undetermined" and the caller lets xerces report
// the syntax error with its line and column.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "codecs/errc.hpp"

namespace jubes::codecs::detail {

enum class encoding_family { utf8, utf16le, utf16be, latin1, ascii };

struct encoding_info {
  bool ok = true;
  errc code = errc::internal;  // when !ok
  std::string text;            // when !ok
  encoding_family family = encoding_family::utf8;
  std::size_t bom_bytes = 0;
};

/// Detects the encoding of `body` from its BOM, its first bytes and its XML declaration.
encoding_info detect_encoding(std::string_view body);

struct prescan_result {
  enum class status { ok, undetermined, fault };
  status st = status::undetermined;
  encoding_family family = encoding_family::utf8;
  std::string root_local;
  std::string root_ns;
  errc code = errc::internal;  // when fault
  std::string text;            // when fault
  std::uint64_t line = 0, column = 0;
};

/// @param scratch reusable buffer for the ASCII view of a UTF-16 document
void prescan(std::string_view body, std::string& scratch, prescan_result& out);

}  // namespace jubes::codecs::detail
