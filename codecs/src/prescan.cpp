// SPDX-License-Identifier: EUPL-1.2
#include "prescan.hpp"

#include <algorithm>

#include "text.hpp"

namespace jubes::codecs::detail {
namespace {

constexpr std::size_t view_limit_units = 64 * 1024;  // the root start tag must begin within this many characters

bool starts_with(std::string_view s, std::size_t pos, std::string_view p) {
  return s.substr(pos, p.size()) == p;
}

// Reads pseudo-attribute `name` of an XML declaration `decl` ("<?xml ... ?>"). @return false if absent.
bool decl_attribute(std::string_view decl, std::string_view name, std::string_view& value) {
  std::size_t pos = 0;
  while ((pos = decl.find(name, pos)) != std::string_view::npos) {
    std::size_t p = pos + name.size();
    const bool boundary = pos > 0 && is_xml_space(decl[pos - 1]);
    while (p < decl.size() && is_xml_space(decl[p])) ++p;
    if (boundary && p < decl.size() && decl[p] == '=') {
      ++p;
      while (p < decl.size() && is_xml_space(decl[p])) ++p;
      if (p < decl.size() && (decl[p] == '"' || decl[p] == '\'')) {
        const char q = decl[p];
        const std::size_t end = decl.find(q, p + 1);
        if (end == std::string_view::npos) return false;
        value = decl.substr(p + 1, end - p - 1);
        return true;
      }
    }
    pos += name.size();
  }
  return false;
}

void position(std::string_view view, std::size_t pos, std::uint64_t& line, std::uint64_t& column) {
  line = 1;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < pos && i < view.size(); ++i) {
    if (view[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  column = pos - line_start + 1;
}

bool is_name_char(char c) {
  return !(is_xml_space(c) || c == '>' || c == '/' || c == '=' || c == '"' || c == '\'' || c == '<' || c == '\0');
}

bool is_utf16(encoding_family f) {
  return f == encoding_family::utf16le || f == encoding_family::utf16be;
}

bool has_xml_declaration(std::string_view v) {
  return starts_with(v, 0, "<?xml") && v.size() > 5 && is_xml_space(v[5]);
}

// Appends up to `max_units` UTF-16 code units of `rest` as ASCII; every unit above 0x7F becomes 0x80
// (never a delimiter).
void append_ascii_units(std::string_view rest, encoding_family f, std::size_t max_units, std::string& out) {
  const std::size_t units = std::min(rest.size() / 2, max_units);
  out.reserve(out.size() + units);
  for (std::size_t i = 0; i < units; ++i) {
    const auto b0 = static_cast<unsigned char>(rest[2 * i]);
    const auto b1 = static_cast<unsigned char>(rest[2 * i + 1]);
    const unsigned u = f == encoding_family::utf16le ? (b0 | (b1 << 8)) : ((b0 << 8) | b1);
    out.push_back(u < 0x80 ? static_cast<char>(u) : static_cast<char>(0x80));
  }
}

// The ASCII view of the document (for UTF-16, its first view_limit_units units).
std::string_view ascii_view(std::string_view body, const encoding_info& enc, std::string& scratch) {
  std::string_view rest = body.substr(enc.bom_bytes);
  if (!is_utf16(enc.family)) return rest;
  scratch.clear();
  append_ascii_units(rest, enc.family, view_limit_units, scratch);
  return scratch;
}

// Marks `enc` refused; its family and BOM stay as detected so far. @return false
bool refuse(encoding_info& enc, errc code, std::string text) {
  enc.ok = false;
  enc.code = code;
  enc.text = std::move(text);
  return false;
}

// The family from the first bytes: a BOM, or the shape of '<' in UTF-16 without one.
// @return false (with `enc` refused) for UCS-4/UTF-32 and EBCDIC
bool sniff_family(std::string_view body, encoding_info& enc) {
  auto byte = [&](std::size_t i) -> unsigned { return i < body.size() ? static_cast<unsigned char>(body[i]) : 0x100; };
  constexpr const char* ucs4 = "UCS-4/UTF-32 is not supported (use UTF-8 or UTF-16)";
  if (byte(0) == 0xEF && byte(1) == 0xBB && byte(2) == 0xBF) {
    enc.family = encoding_family::utf8;
    enc.bom_bytes = 3;
  } else if (byte(0) == 0xFF && byte(1) == 0xFE) {
    if (byte(2) == 0 && byte(3) == 0) return refuse(enc, errc::unsupported_encoding, ucs4);
    enc.family = encoding_family::utf16le;
    enc.bom_bytes = 2;
  } else if (byte(0) == 0xFE && byte(1) == 0xFF) {
    enc.family = encoding_family::utf16be;
    enc.bom_bytes = 2;
  } else if ((byte(0) == 0 && byte(1) == 0) || (byte(0) == 0x3C && byte(1) == 0 && byte(2) == 0 && byte(3) == 0)) {
    return refuse(enc, errc::unsupported_encoding, ucs4);
  } else if (byte(0) == 0x3C && byte(1) == 0) {
    enc.family = encoding_family::utf16le;
  } else if (byte(0) == 0 && byte(1) == 0x3C) {
    enc.family = encoding_family::utf16be;
  } else if (byte(0) == 0x4C && byte(1) == 0x6F && byte(2) == 0xA7 && byte(3) == 0x94) {
    return refuse(enc, errc::unsupported_encoding, "EBCDIC is not supported (use UTF-8 or UTF-16)");
  }
  return true;
}

// Checks the encoding an XML declaration names against what the bytes say, and narrows a family
// without BOM to ISO-8859-1 or US-ASCII when the declaration says so.
void check_declared(std::string_view name, encoding_info& enc) {
  const bool sixteen = is_utf16(enc.family);
  const std::string shown = std::string(name).substr(0, 40);
  if (iequals(name, "UTF-16") || iequals(name, "UTF-16LE") || iequals(name, "UTF-16BE") || iequals(name, "UTF16")) {
    if (!sixteen)
      refuse(enc, errc::not_well_formed,
             "the XML declaration says UTF-16 but the document is not UTF-16 (no BOM, 8-bit characters)");
    return;
  }
  const bool utf8 = iequals(name, "UTF-8") || iequals(name, "UTF8");
  const bool latin1 = iequals(name, "ISO-8859-1") || iequals(name, "ISO8859-1") || iequals(name, "ISO_8859-1") ||
                      iequals(name, "LATIN1") || iequals(name, "L1") || iequals(name, "ISO-LATIN-1");
  const bool ascii = iequals(name, "US-ASCII") || iequals(name, "ASCII");
  if (!utf8 && !latin1 && !ascii) {
    refuse(enc, errc::unsupported_encoding,
           "encoding \"" + shown + "\" is not supported (use UTF-8, UTF-16 or ISO-8859-1)");
    return;
  }
  if (sixteen) {
    refuse(enc, errc::not_well_formed, "the document is UTF-16 but its XML declaration says " + shown);
    return;
  }
  if (enc.bom_bytes == 0) enc.family = latin1 ? encoding_family::latin1 : ascii ? encoding_family::ascii : enc.family;
  if (enc.bom_bytes == 3 && !utf8)
    refuse(enc, errc::not_well_formed,
           "the document has a UTF-8 byte order mark but its XML declaration says " + shown);
}

void fault(prescan_result& out, errc code, std::string text, std::string_view v, std::size_t pos) {
  out.st = prescan_result::status::fault;
  out.code = code;
  out.text = std::move(text);
  position(v, pos, out.line, out.column);
}

// Skips the XML declaration and Misc* (comments, PIs) up to the root element.
// @return the position of the root's '<'; npos when undetermined, or after a fault for a DOCTYPE
std::size_t find_root(std::string_view v, prescan_result& out) {
  constexpr auto none = std::string_view::npos;
  std::size_t p = 0;
  if (has_xml_declaration(v)) {
    const std::size_t e = v.find("?>");
    if (e == none) return none;
    p = e + 2;
  }
  // Misc* (doctypedecl Misc*)? element
  for (;;) {
    while (p < v.size() && is_xml_space(v[p])) ++p;
    if (p >= v.size()) return none;
    if (starts_with(v, p, "<!--")) {
      const std::size_t e = v.find("-->", p + 4);
      if (e == none) return none;
      p = e + 3;
    } else if (starts_with(v, p, "<?")) {
      const std::size_t e = v.find("?>", p + 2);
      if (e == none) return none;
      p = e + 2;
    } else if (starts_with(v, p, "<!DOCTYPE")) {
      fault(out, errc::dtd_forbidden, "a DOCTYPE (DTD) is not allowed", v, p);
      return none;
    } else if (v[p] == '<' && p + 1 < v.size() && is_name_char(v[p + 1])) {
      return p;
    } else {
      return none;  // not well-formed; xerces will say where and why
    }
  }
}

enum class attr_step { attribute, tag_end, undetermined };

// Reads the next attribute of a start tag from `p`, or finds its end ('>' or '/>').
attr_step next_attribute(std::string_view v, std::size_t& p, std::string_view& name, std::string_view& value) {
  while (p < v.size() && is_xml_space(v[p])) ++p;
  if (p >= v.size()) return attr_step::undetermined;
  if (v[p] == '>' || starts_with(v, p, "/>")) return attr_step::tag_end;
  const std::size_t an = p;
  while (p < v.size() && is_name_char(v[p])) ++p;
  name = v.substr(an, p - an);
  if (name.empty()) return attr_step::undetermined;
  while (p < v.size() && is_xml_space(v[p])) ++p;
  if (p >= v.size() || v[p] != '=') return attr_step::undetermined;
  ++p;
  while (p < v.size() && is_xml_space(v[p])) ++p;
  if (p >= v.size() || (v[p] != '"' && v[p] != '\'')) return attr_step::undetermined;
  const char q = v[p];
  const std::size_t e = v.find(q, p + 1);
  if (e == std::string_view::npos) return attr_step::undetermined;
  value = v.substr(p + 1, e - p - 1);
  p = e + 1;
  return attr_step::attribute;
}

// The root start tag at `p` (its '<'): name, then attributes until '>' or '/>'; sets the root's
// local name and namespace, or leaves the result undetermined.
void read_root_tag(std::string_view v, std::size_t p, prescan_result& out) {
  const std::size_t name_begin = ++p;
  while (p < v.size() && is_name_char(v[p])) ++p;
  const std::string_view qname = v.substr(name_begin, p - name_begin);
  const std::size_t colon = qname.find(':');
  const std::string_view prefix = colon == std::string_view::npos ? std::string_view{} : qname.substr(0, colon);
  const std::string_view local = colon == std::string_view::npos ? qname : qname.substr(colon + 1);
  if (local.empty() || local.find(':') != std::string_view::npos) return;
  bool ns_found = false;
  std::string_view aname, value;
  for (;;) {
    const attr_step step = next_attribute(v, p, aname, value);
    if (step == attr_step::undetermined) return;
    if (step == attr_step::tag_end) break;
    const bool binds = prefix.empty() ? aname == "xmlns"
                                      : (aname.size() == 6 + prefix.size() && starts_with(aname, 0, "xmlns:") &&
                                         aname.substr(6) == prefix);
    if (binds) {
      if (value.find('&') != std::string_view::npos)
        return;  // entity references in a namespace name: let xerces decide
      out.root_ns.assign(value);
      ns_found = true;
    }
  }
  if (!prefix.empty() && !ns_found) return;  // unbound prefix: a namespace error xerces reports
  out.root_local.assign(local);
  out.st = prescan_result::status::ok;
}

}  // namespace

encoding_info detect_encoding(std::string_view body) {
  encoding_info enc;
  if (!sniff_family(body, enc)) return enc;
  // The whole XML declaration, read through the ASCII view of up to view_limit_units units: a declaration may
  // hold any amount of whitespace, and an encoding= we did not see would be read by xerces but not by us.
  std::string small;
  std::string_view view;
  if (is_utf16(enc.family)) {
    append_ascii_units(body.substr(enc.bom_bytes), enc.family, view_limit_units, small);
    view = small;
  } else {
    view = body.substr(enc.bom_bytes, view_limit_units);
  }
  if (!has_xml_declaration(view)) return enc;
  const std::size_t end = view.find("?>");
  if (end == std::string_view::npos) {
    if (view.size() < view_limit_units) return enc;  // no end at all: xerces reports the syntax error
    refuse(enc, errc::not_well_formed,
           "the XML declaration is longer than " + std::to_string(view_limit_units) + " characters");
    return enc;
  }
  std::string_view value;
  if (decl_attribute(view.substr(0, end), "version", value) && value != "1.0") {
    // The outbox batch is XML 1.0: it cannot carry what 1.1 adds (references to control characters, NEL and
    // U+2028 as line ends, other name characters), so a 1.1 document is not accepted (docs/api.md).
    refuse(enc, errc::unsupported_encoding,
           "XML " + std::string(value.substr(0, 8)) +
               " is not accepted: messages are delivered as XML 1.0 (send an XML 1.0 document)");
    return enc;
  }
  if (decl_attribute(view.substr(0, end), "encoding", value)) check_declared(value, enc);
  return enc;
}

void prescan(std::string_view body, std::string& scratch, prescan_result& out) {
  out.st = prescan_result::status::undetermined;
  out.root_local.clear();
  out.root_ns.clear();
  encoding_info enc = detect_encoding(body);
  out.family = enc.family;
  if (!enc.ok) {
    out.st = prescan_result::status::fault;
    out.code = enc.code;
    out.text = std::move(enc.text);
    out.line = 1;
    out.column = 1;
    return;
  }
  const std::string_view v = ascii_view(body, enc, scratch);
  const std::size_t root = find_root(v, out);
  if (root != std::string_view::npos) read_root_tag(v, root, out);
}

}  // namespace jubes::codecs::detail
