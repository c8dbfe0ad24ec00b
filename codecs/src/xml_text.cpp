// SPDX-License-Identifier: EUPL-1.2
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

namespace {

bool starts_with(std::string_view s, std::size_t pos, std::string_view p) {
  return s.substr(pos, p.size()) == p;
}

bool is_name_start(char c) {
  return !(detail::is_xml_space(c) || c == '>' || c == '/' || c == '=' || c == '"' || c == '\'' || c == '<' ||
           c == '!' || c == '?' || c == '\0');
}

// Where the message element lies in its UTF-8 text, and whether it needs xmlns="".
struct embed_plan {
  std::size_t root = 0;          // the root's '<'
  std::size_t name_end = 0;      // just after the root's name
  std::size_t end = 0;           // just after the root's end tag (or '/>')
  bool needs_no_default = true;  // the root declares no default namespace: xmlns="" keeps the batch's out of scope
};

// Skips the XML declaration and Misc* (whitespace, comments, PIs). @return the root's '<', npos if none.
std::size_t find_root(std::string_view s) {
  std::size_t p = strip_prolog_utf8(s).data() - s.data();
  for (;;) {
    while (p < s.size() && detail::is_xml_space(s[p])) ++p;
    if (starts_with(s, p, "<!--")) {
      const std::size_t e = s.find("-->", p + 4);
      if (e == std::string_view::npos) return e;
      p = e + 3;
    } else if (starts_with(s, p, "<?")) {
      const std::size_t e = s.find("?>", p + 2);
      if (e == std::string_view::npos) return e;
      p = e + 2;
    } else {
      return p + 1 < s.size() && s[p] == '<' && is_name_start(s[p + 1]) ? p : std::string_view::npos;
    }
  }
}

// The end of the start tag at `p` (its '<'): just after its '>', quotes respected; npos if it has none.
std::size_t tag_end(std::string_view s, std::size_t p) {
  char quote = 0;
  for (std::size_t i = p + 1; i < s.size(); ++i) {
    const char c = s[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '>') {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

// Reads the root start tag [p, e): its name's end, and whether one attribute is named exactly "xmlns".
void read_root_tag(std::string_view s, std::size_t p, std::size_t e, embed_plan& plan) {
  std::size_t i = p + 1;
  while (i < e && !detail::is_xml_space(s[i]) && s[i] != '>' && s[i] != '/') ++i;
  plan.name_end = i;
  while (i < e) {
    while (i < e && (detail::is_xml_space(s[i]) || s[i] == '/' || s[i] == '>')) ++i;
    const std::size_t an = i;
    while (i < e && !detail::is_xml_space(s[i]) && s[i] != '=') ++i;
    if (s.substr(an, i - an) == "xmlns") plan.needs_no_default = false;
    i = s.find_first_of("\"'", i);
    if (i >= e) break;
    i = s.find(s[i], i + 1);  // the closing quote
    if (i >= e) break;
    ++i;
  }
}

// Whether s[p..] is Misc* only (whitespace, comments, PIs): what may follow the root element. xerces accepts a
// NUL and whatever comes after it there; that is refused too, since it is neither part of the message nor XML.
bool only_misc(std::string_view s, std::size_t p) {
  for (;;) {
    while (p < s.size() && detail::is_xml_space(s[p])) ++p;
    if (p >= s.size()) return true;
    std::size_t e = std::string_view::npos;
    if (starts_with(s, p, "<!--")) {
      e = s.find("-->", p + 4);
      if (e != std::string_view::npos) e += 3;
    } else if (starts_with(s, p, "<?")) {
      e = s.find("?>", p + 2);
      if (e != std::string_view::npos) e += 2;
    }
    if (e == std::string_view::npos) return false;
    p = e;
  }
}

// Follows the markup from the root's '<' to the end of its element (the document is well-formed: the validator
// accepted it; anything else gives false).
bool plan_embedding(std::string_view s, embed_plan& plan) {
  constexpr auto none = std::string_view::npos;
  plan.root = find_root(s);
  if (plan.root == none) return false;
  std::size_t p = plan.root, depth = 0;
  for (;;) {
    p = s.find('<', p);
    if (p == none) return false;
    std::size_t e = none;
    if (starts_with(s, p, "<!--")) {
      e = s.find("-->", p + 4);
      e = e == none ? e : e + 3;
    } else if (starts_with(s, p, "<![CDATA[")) {
      e = s.find("]]>", p + 9);
      e = e == none ? e : e + 3;
    } else if (starts_with(s, p, "<?")) {
      e = s.find("?>", p + 2);
      e = e == none ? e : e + 2;
    } else if (starts_with(s, p, "</")) {
      e = s.find('>', p);
      if (e == none || depth == 0) return false;
      if (--depth == 0) {
        plan.end = e + 1;
        return only_misc(s, plan.end);
      }
      e += 1;
    } else if (p + 1 < s.size() && is_name_start(s[p + 1])) {
      e = tag_end(s, p);
      if (e == none) return false;
      if (p == plan.root) read_root_tag(s, p, e, plan);
      if (s[e - 2] != '/') {
        ++depth;
      } else if (depth == 0) {
        plan.end = e;
        return only_misc(s, plan.end);
      }
    }
    if (e == none) return false;
    p = e;
  }
}

boost::system::result<std::string> to_utf8(std::string_view body, const detail::encoding_info& enc) {
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
  return utf8;
}

// The message element of `utf8` as planned, with xmlns="" after its name when it declares no default namespace.
std::string cut(std::string_view utf8, const embed_plan& plan) {
  std::string out;
  out.reserve(plan.end - plan.root + 9);
  out.append(utf8.substr(plan.root, plan.name_end - plan.root));
  if (plan.needs_no_default) out += " xmlns=\"\"";
  out.append(utf8.substr(plan.name_end, plan.end - plan.name_end));
  return out;
}

}  // namespace

boost::system::result<std::string> embeddable_body(std::string_view body) {
  const detail::encoding_info enc = detail::detect_encoding(body);
  if (!enc.ok) return make_error_code(enc.code);
  embed_plan plan;
  if (enc.family == detail::encoding_family::utf8) {  // no copy but the result
    const std::string_view rest = body.substr(enc.bom_bytes);
    if (!plan_embedding(rest, plan)) return make_error_code(errc::not_well_formed);
    return cut(rest, plan);
  }
  auto utf8 = to_utf8(body, enc);
  if (!utf8) return utf8.error();
  if (!plan_embedding(*utf8, plan)) return make_error_code(errc::not_well_formed);
  return cut(*utf8, plan);
}

jubes::result<void> check_embeddable(std::string_view body) {
  const detail::encoding_info enc = detail::detect_encoding(body);
  if (!enc.ok) return jubes::fail(enc.code, enc.text);
  embed_plan plan;
  bool ok = false;
  if (enc.family == detail::encoding_family::utf8) {
    ok = plan_embedding(body.substr(enc.bom_bytes), plan);
  } else {
    auto utf8 = to_utf8(body, enc);
    if (!utf8) return jubes::fail(errc::not_well_formed, "the message has bytes its declared encoding cannot carry");
    ok = plan_embedding(*utf8, plan);
  }
  if (!ok)
    return jubes::fail(errc::not_well_formed,
                       "no single root element followed only by whitespace, comments or processing instructions");
  return {};
}

}  // namespace jubes::codecs
