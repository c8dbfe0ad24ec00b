// SPDX-License-Identifier: EUPL-1.2
#include "delivery_oracle.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <vector>
#include <xercesc/framework/MemBufInputSource.hpp>
#include <xercesc/parsers/SAX2XMLReaderImpl.hpp>
#include <xercesc/sax/SAXParseException.hpp>
#include <xercesc/sax2/Attributes.hpp>
#include <xercesc/sax2/DefaultHandler.hpp>
#include <xercesc/util/XMLString.hpp>
#include <xercesc/util/XMLUni.hpp>

namespace jubes::codecs::test {
namespace {

namespace x = xercesc;

std::string utf8(const XMLCh* s, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    char32_t c = s[i];
    if (c >= 0xD800 && c <= 0xDBFF && i + 1 < n && s[i + 1] >= 0xDC00 && s[i + 1] <= 0xDFFF) {
      c = 0x10000 + ((c - 0xD800) << 10) + (s[i + 1] - 0xDC00);
      ++i;
    }
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0x800) {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      out += static_cast<char>(0xE0 | (c >> 12));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (c >> 18));
      out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

std::string utf8(const XMLCh* s) {
  return s == nullptr ? std::string() : utf8(s, x::XMLString::stringLen(s));
}

// Writes a value so that a separator inside it cannot fake a structure: length-prefixed.
void field(std::string& out, std::string_view v) {
  out += std::to_string(v.size());
  out += ':';
  out += v;
  out += ' ';
}

class recorder final : public x::DefaultHandler {
 public:
  // depth of the recorded subtree's parent: 0 = the root element and below; 2 = inside <outbox><entry>.
  recorder(std::size_t min_depth, std::size_t entry_index) : min_depth_(min_depth), entry_index_(entry_index) {}

  std::string dump;

  void startPrefixMapping(const XMLCh* const prefix, const XMLCh* const uri) override {
    pending_.emplace_back(utf8(prefix), utf8(uri));
  }
  void endPrefixMapping(const XMLCh* const) override {}

  void startElement(const XMLCh* const uri, const XMLCh* const local, const XMLCh* const qname,
                    const x::Attributes& attrs) override {
    flush_text();
    auto scope = scopes_.empty() ? std::map<std::string, std::string>{} : scopes_.back();
    for (auto& [p, u] : pending_) {
      if (u.empty())
        scope.erase(p);
      else
        scope[p] = u;
    }
    pending_.clear();
    scopes_.push_back(std::move(scope));
    ++depth_;
    if (min_depth_ == 2 && depth_ == 2 && ++entries_seen_ != entry_index_ + 1) return;
    if (!recording()) return;
    dump += "E ";
    field(dump, utf8(qname));
    field(dump, utf8(uri));
    field(dump, utf8(local));
    dump += "ns{ ";
    for (const auto& [p, u] : scopes_.back()) {
      field(dump, p);
      field(dump, u);
    }
    dump += "} attrs{ ";
    for (XMLSize_t i = 0; i < attrs.getLength(); ++i) {
      const std::string q = utf8(attrs.getQName(i));
      if (q == "xmlns" || q.rfind("xmlns:", 0) == 0) continue;
      field(dump, q);
      field(dump, utf8(attrs.getURI(i)));
      field(dump, utf8(attrs.getLocalName(i)));
      field(dump, utf8(attrs.getValue(i)));
    }
    dump += "}\n";
  }

  void endElement(const XMLCh* const, const XMLCh* const, const XMLCh* const qname) override {
    flush_text();
    if (recording()) {
      dump += "/E ";
      field(dump, utf8(qname));
      dump += '\n';
    }
    --depth_;
    scopes_.pop_back();
  }

  void characters(const XMLCh* const chars, const XMLSize_t length) override {
    if (recording_content()) text_ += utf8(chars, length);
  }
  void ignorableWhitespace(const XMLCh* const chars, const XMLSize_t length) override { characters(chars, length); }

  void processingInstruction(const XMLCh* const target, const XMLCh* const data) override {
    if (!recording_content()) return;
    flush_text();
    dump += "PI ";
    field(dump, utf8(target));
    field(dump, utf8(data));
    dump += '\n';
  }
  void comment(const XMLCh* const chars, const XMLSize_t length) override {
    if (!recording_content()) return;
    flush_text();
    dump += "C ";
    field(dump, utf8(chars, length));
    dump += '\n';
  }

  void error(const x::SAXParseException& e) override { throw e; }
  void fatalError(const x::SAXParseException& e) override { throw e; }

 private:
  // An element is recorded when it lies in the chosen subtree.
  bool recording() const {
    if (min_depth_ == 0) return depth_ >= 1;
    return depth_ > 2 && entries_seen_ == entry_index_ + 1;
  }
  // Character data, comments and PIs are recorded inside the chosen subtree (for a batch: inside the entry).
  bool recording_content() const {
    if (min_depth_ == 0) return depth_ >= 1;
    return depth_ >= 2 && entries_seen_ == entry_index_ + 1;
  }
  void flush_text() {
    if (text_.empty()) return;
    dump += "T ";
    field(dump, text_);
    dump += '\n';
    text_.clear();
  }

  std::size_t min_depth_;
  std::size_t entry_index_;
  std::size_t depth_ = 0;
  std::size_t entries_seen_ = 0;
  std::string text_;
  std::vector<std::pair<std::string, std::string>> pending_;
  std::vector<std::map<std::string, std::string>> scopes_;
};

infoset_result run(std::string_view doc, std::size_t min_depth, std::size_t entry_index) {
  infoset_result r;
  recorder rec(min_depth, entry_index);
  auto p = std::make_unique<x::SAX2XMLReaderImpl>();
  p->setFeature(x::XMLUni::fgSAX2CoreNameSpaces, true);
  p->setFeature(x::XMLUni::fgSAX2CoreNameSpacePrefixes, false);
  p->setFeature(x::XMLUni::fgSAX2CoreValidation, false);
  p->setFeature(x::XMLUni::fgXercesSchema, false);
  p->setFeature(x::XMLUni::fgXercesLoadSchema, false);
  p->setFeature(x::XMLUni::fgXercesLoadExternalDTD, false);
  p->setFeature(x::XMLUni::fgXercesDisableDefaultEntityResolution, true);
  p->setContentHandler(&rec);
  p->setErrorHandler(&rec);
  p->setLexicalHandler(&rec);
  static const XMLCh id[] = u"infoset";
  x::MemBufInputSource src(reinterpret_cast<const XMLByte*>(doc.data()), doc.size(), id, false);
  try {
    p->parse(src);
  } catch (const x::SAXParseException& e) {
    r.error = utf8(e.getMessage()) + " (line " + std::to_string(e.getLineNumber()) + ", column " +
              std::to_string(e.getColumnNumber()) + ")";
    return r;
  } catch (const x::XMLException& e) {
    r.error = utf8(e.getMessage());
    return r;
  } catch (const x::SAXException& e) {
    r.error = utf8(e.getMessage());
    return r;
  }
  r.ok = true;
  r.dump = std::move(rec.dump);
  return r;
}

}  // namespace

infoset_result root_infoset(std::string_view document) {
  return run(document, 0, 0);
}

infoset_result entry_infoset(std::string_view batch, std::size_t index) {
  return run(batch, 2, index);
}

std::string first_difference(std::string_view want, std::string_view got) {
  if (want == got) return {};
  std::size_t i = 0;
  while (i < want.size() && i < got.size() && want[i] == got[i]) ++i;
  auto line_at = [i](std::string_view s) {
    const std::size_t b = s.rfind('\n', i == 0 ? 0 : i - 1);
    const std::size_t from = b == std::string_view::npos || i == 0 ? 0 : b + 1;
    return std::string(s.substr(from, std::min<std::size_t>(s.find('\n', i) - from, 200)));
  };
  return "message: [" + line_at(want) + "] delivered: [" + line_at(got) + "]";
}

bool is_xml10_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return false;
      ++i;
      continue;
    }
    const std::size_t len = c >= 0xF5 ? 0 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (len == 0 || i + len > s.size()) return false;
    char32_t cp = len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF) return false;
    if ((cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF) return false;
    i += len;
  }
  return true;
}

}  // namespace jubes::codecs::test

namespace jubes::codecs::test {
namespace {

// Decodes UTF-8 (known valid) to code points.
std::u32string decode(std::string_view s) {
  std::u32string out;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    char32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    for (std::size_t k = 1; k < len && i + k < s.size(); ++k) cp = (cp << 6) | (s[i + k] & 0x3F);
    out.push_back(cp);
    i += len;
  }
  return out;
}

enum class enc { utf8, utf8_bom, utf16le_bom, utf16be_bom, utf16le, latin1, ascii };

const char* enc_name(enc e) {
  switch (e) {
    case enc::utf8:
      return "utf8";
    case enc::utf8_bom:
      return "utf8-bom";
    case enc::utf16le_bom:
      return "utf16le-bom";
    case enc::utf16be_bom:
      return "utf16be-bom";
    case enc::utf16le:
      return "utf16le";
    case enc::latin1:
      return "latin1";
    case enc::ascii:
      return "ascii";
  }
  return "?";
}

const char* declared(enc e) {
  switch (e) {
    case enc::utf8:
    case enc::utf8_bom:
      return "UTF-8";
    case enc::latin1:
      return "ISO-8859-1";
    case enc::ascii:
      return "US-ASCII";
    default:
      return "UTF-16";
  }
}

void put16(std::string& out, char16_t u, bool le) {
  const char lo = static_cast<char>(u & 0xFF), hi = static_cast<char>(u >> 8);
  out += le ? lo : hi;
  out += le ? hi : lo;
}

// `utf8` in encoding `e`; false if `e` cannot carry one of its characters.
bool encode(std::string_view utf8, enc e, std::string& out) {
  out.clear();
  if (e == enc::utf8 || e == enc::utf8_bom) {
    if (e == enc::utf8_bom) out = "\xEF\xBB\xBF";
    out += utf8;
    return true;
  }
  const std::u32string cps = decode(utf8);
  if (e == enc::latin1 || e == enc::ascii) {
    const char32_t max = e == enc::latin1 ? 0xFF : 0x7F;
    for (const char32_t c : cps) {
      if (c > max) return false;
      out += static_cast<char>(c);
    }
    return true;
  }
  const bool le = e != enc::utf16be_bom;
  if (e != enc::utf16le) put16(out, 0xFEFF, le);
  for (const char32_t c : cps) {
    if (c >= 0x10000) {
      put16(out, static_cast<char16_t>(0xD800 + ((c - 0x10000) >> 10)), le);
      put16(out, static_cast<char16_t>(0xDC00 + ((c - 0x10000) & 0x3FF)), le);
    } else {
      put16(out, static_cast<char16_t>(c), le);
    }
  }
  return true;
}

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  for (std::size_t p = 0; (p = s.find(from, p)) != std::string::npos; p += to.size()) s.replace(p, from.size(), to);
}

// Inserts `what` right after the first start tag `<tag...>`; false if there is none.
bool insert_after_start(std::string& s, std::string_view tag, std::string_view what) {
  const std::size_t p = s.find(std::string("<") + std::string(tag));
  if (p == std::string::npos) return false;
  const std::size_t e = s.find('>', p);
  s.insert(e + 1, what);
  return true;
}

// The content changes: name -> the document without XML declaration (root and Misc around it), UTF-8.
std::vector<variant> contents(std::string_view example) {
  std::string core(example);
  if (core.rfind("<?xml ", 0) == 0) core.erase(0, core.find("?>") + 2);
  const std::size_t root = core.find("<dti:");
  std::vector<variant> out{{"as-is", core}};
  auto inside = [&](const char* name, std::string_view what) {
    std::string s = core;
    if (insert_after_start(s, "dti:voornamen", what)) out.push_back({name, s});
  };
  inside("charrefs", "&#xE9;&#x85;&#x2028;&#60;&amp;&#x1F600;&#xD;&#9;&quot;");
  inside("raw-latin1", "\xC3\xA9\xC2\x85\xC2\xA0 ");
  inside("raw-nel-ls", "\xC2\x85 \xE2\x80\xA8 \xE2\x82\xAC ");
  inside("raw-astral", "\xF0\x9F\x98\x80 ");
  inside("cr-lf", "a\r\nb\rc");
  inside("cdata", "<![CDATA[a<b&c]]>");
  inside("comment-pi-inside", "<!-- inside --><?jubes-note keep this?>");
  {
    std::string s = core;
    replace_all(s, "dti:", "");
    replace_all(s, "xmlns:dti=", "xmlns=");
    out.push_back({"default-ns", s});
  }
  {
    std::string s = core;
    const std::size_t e = s.find('>', root);
    s.insert(e,
             " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
             "xsi:schemaLocation=\"http://www.justid.nl/jubes/detentie/0100 http://example.org/evil.xsd\"");
    out.push_back({"schemaLocation", s});
  }
  {
    std::string s = core;
    s.insert(root, "<?xml-stylesheet type=\"text/xsl\" href=\"http://example.org/x.xsl\"?>\n<!-- b -->\n  ");
    out.push_back({"prolog-misc", s});
  }
  out.push_back({"trailing-ws", core + "\n \t\r\n"});
  out.push_back({"trailing-comment-pi", core + "<!-- end --><?end x?>\n"});
  out.push_back({"trailing-garbage", core + "garbage"});
  out.push_back({"trailing-element", core + "<x/>"});
  out.push_back({"trailing-nul", core + std::string(1, '\0')});
  return out;
}

}  // namespace

std::vector<variant> delivery_variants(std::string_view example) {
  const std::string long1(600, ' '), long2(70000, ' ');
  const std::vector<std::pair<std::string, std::string>> decls = {
      {"no-decl", ""},
      {"decl-1.0", "<?xml version=\"1.0\"?>"},
      {"decl-1.0-enc", "<?xml version=\"1.0\" encoding=\"@\"?>"},
      {"decl-1.0-enc-sa-quotes", "<?xml version='1.0' encoding='@' standalone='yes' ?>"},
      {"decl-1.1-enc", "<?xml version=\"1.1\" encoding=\"@\"?>"},
      {"decl-1.1", "<?xml version=\"1.1\"?>"},
      {"decl-long-600", "<?xml version=\"1.0\"" + long1 + "encoding=\"@\"?>"},
      {"decl-long-70000", "<?xml version=\"1.0\"" + long2 + "encoding=\"@\"" + long1 + "?>"},
  };
  std::vector<variant> out;
  std::string bytes;
  for (const variant& c : contents(example)) {
    for (const auto& [dname, decl] : decls) {
      if (dname == "decl-long-70000" && c.name != "as-is") continue;  // 70 KB each: once per encoding is enough
      std::string d = decl;
      for (const enc e :
           {enc::utf8, enc::utf8_bom, enc::utf16le_bom, enc::utf16be_bom, enc::utf16le, enc::latin1, enc::ascii}) {
        std::string dd = d;
        replace_all(dd, "@", declared(e));
        if (!encode(dd + c.bytes, e, bytes)) continue;
        out.push_back({c.name + "/" + dname + "/" + enc_name(e), bytes});
      }
    }
  }
  return out;
}

std::string make_variant(std::string_view example, std::string_view payload, unsigned place, unsigned decl,
                         unsigned encoding) {
  std::string out;
  if (!is_xml10_utf8(payload)) return out;  // also refuses C0 controls: the encoders below need valid text
  std::string core(example);
  if (core.rfind("<?xml ", 0) == 0) core.erase(0, core.find("?>") + 2);
  const std::size_t root = core.find("<dti:");
  if (root == std::string::npos) return out;
  switch (place % 4) {
    case 0:
      if (!insert_after_start(core, "dti:voornamen", payload)) core.insert(core.find('>', root) + 1, payload);
      break;
    case 1:
      core.insert(root, payload);
      break;
    case 2:
      core += payload;
      break;
    default:
      core.insert(core.find('>', root), std::string(" ") + std::string(payload));
      break;
  }
  constexpr enc encs[] = {enc::utf8, enc::utf8_bom, enc::utf16le_bom, enc::utf16be_bom, enc::utf16le, enc::latin1};
  const enc e = encs[encoding % 6];
  const std::string name = declared(e);
  std::string d;
  switch (decl % 4) {
    case 0:
      break;
    case 1:
      d = "<?xml version=\"1.0\" encoding=\"" + name + "\"?>";
      break;
    case 2:
      d = "<?xml version=\"1.1\" encoding=\"" + name + "\"?>";
      break;
    default:
      d = "<?xml version=\"1.0\"" + std::string(600, ' ') + "encoding=\"" + name + "\"?>";
      break;
  }
  if (!encode(d + core, e, out)) out.clear();
  return out;
}

}  // namespace jubes::codecs::test
