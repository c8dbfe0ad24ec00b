// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Private text helpers: UTF-16 (xerces XMLCh) to UTF-8 without a xerces transcoder (no allocation beyond the
// output string's growth), XML whitespace trimming, and code-point-safe truncation.
#include <cstddef>
#include <string>
#include <string_view>

namespace jubes::codecs::detail {

/// Appends UTF-16 `s` (length `n` units) to `out` as UTF-8. Unpaired surrogates become U+FFFD.
void append_utf8(std::string& out, const char16_t* s, std::size_t n);
inline void append_utf8(std::string& out, std::u16string_view s) {
  append_utf8(out, s.data(), s.size());
}
/// @return `s` (a NUL-terminated UTF-16 string, may be null) as UTF-8.
std::string to_utf8(const char16_t* s);

inline bool is_xml_space(char16_t c) {
  return c == u' ' || c == u'\t' || c == u'\n' || c == u'\r';
}
inline bool is_xml_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
std::u16string_view trim(std::u16string_view s);
std::string_view trim(std::string_view s);

/// @return the number of bytes of the longest prefix of UTF-8 `s` with at most `max_chars` code points.
std::size_t utf8_prefix_bytes(std::string_view s, std::size_t max_chars);

/// @return true if `a` equals `b` ignoring ASCII case.
bool iequals(std::string_view a, std::string_view b);

}  // namespace jubes::codecs::detail
