#include "codecs/xml_text.hpp"

#include "prescan.hpp"
#include "text.hpp"

namespace jubes::codecs {

void append_escaped(std::string& out, std::string_view text) {
  out.reserve(out.size() + text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      switch (c) {
        case '&':
          out += "&amp;";
          break;
        case '<':
          out += "&lt;";
          break;
        case '>':
          out += "&gt;";
          break;
        case '"':
          out += "&quot;";
          break;
        case '\'':
          out += "&apos;";
          break;
        default:
          out.push_back(c < 0x20 && c != '\t' && c != '\n' && c != '\r' ? '?' : static_cast<char>(c));
      }
      ++i;
      continue;
    }
    // A multi-byte UTF-8 sequence: copy it if well-formed and an XML character, else one '?' per bad byte.
    std::size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (c > 0xF4) len = 0;
    bool ok = len != 0 && i + len <= text.size();
    char32_t cp = len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    for (std::size_t k = 1; ok && k < len; ++k) {
      const auto cc = static_cast<unsigned char>(text[i + k]);
      ok = (cc & 0xC0) == 0x80;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (ok) {
      const bool overlong = (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
      ok = !overlong && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF) && cp != 0xFFFE && cp != 0xFFFF;
    }
    if (ok) {
      out.append(text.substr(i, len));
      i += len;
    } else {
      out.push_back('?');
      ++i;
    }
  }
}

std::string escaped(std::string_view text) {
  std::string out;
  append_escaped(out, text);
  return out;
}

std::string_view strip_prolog_utf8(std::string_view body) {
  if (body.substr(0, 3) == "\xEF\xBB\xBF") body.remove_prefix(3);
  if (body.substr(0, 5) == "<?xml" && body.size() > 5 && detail::is_xml_space(body[5])) {
    const auto end = body.find("?>");
    if (end != std::string_view::npos) body.remove_prefix(end + 2);
  }
  return body;
}

boost::system::result<std::string> embeddable_body(std::string_view body) {
  const detail::encoding_info enc = detail::detect_encoding(body);
  if (!enc.ok) return make_error_code(enc.code);
  std::string utf8;
  const std::string_view rest = body.substr(enc.bom_bytes);
  switch (enc.family) {
    case detail::encoding_family::utf8:
      utf8.assign(rest);
      break;
    case detail::encoding_family::ascii:
      for (const char c : rest) {
        if (static_cast<unsigned char>(c) >= 0x80) return make_error_code(errc::not_well_formed);
      }
      utf8.assign(rest);
      break;
    case detail::encoding_family::latin1:
      utf8.reserve(rest.size() + rest.size() / 8);
      for (const char ch : rest) {
        const auto c = static_cast<unsigned char>(ch);
        if (c < 0x80) {
          utf8.push_back(ch);
        } else {
          utf8.push_back(static_cast<char>(0xC0 | (c >> 6)));
          utf8.push_back(static_cast<char>(0x80 | (c & 0x3F)));
        }
      }
      break;
    case detail::encoding_family::utf16le:
    case detail::encoding_family::utf16be: {
      if (rest.size() % 2 != 0) return make_error_code(errc::not_well_formed);
      std::u16string units(rest.size() / 2, u'\0');
      const bool le = enc.family == detail::encoding_family::utf16le;
      for (std::size_t i = 0; i < units.size(); ++i) {
        const auto b0 = static_cast<unsigned char>(rest[2 * i]);
        const auto b1 = static_cast<unsigned char>(rest[2 * i + 1]);
        units[i] = static_cast<char16_t>(le ? (b0 | (b1 << 8)) : ((b0 << 8) | b1));
      }
      detail::append_utf8(utf8, units);
      break;
    }
  }
  const std::string_view stripped = strip_prolog_utf8(utf8);
  if (stripped.size() != utf8.size()) utf8.erase(0, utf8.size() - stripped.size());
  return utf8;
}

}  // namespace jubes::codecs
