// SPDX-License-Identifier: EUPL-1.2
// The compiled validator's scanner (see scanner.hpp for the contract: true = certainly valid, false = ask xerces).
#include "scanner.hpp"

#include <array>
#include <cstring>

#include "../text.hpp"
#include "codecs/catalog.hpp"
#include "common/bsn.hpp"

namespace jubes::codecs::compiled {

namespace {

bool is_ws(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
bool name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
// Bytes that stand for themselves in text: printable ASCII but markup and references, and tab and line feed.
constexpr auto plain_text = [] {
  std::array<bool, 256> t{};
  for (unsigned c = 0x20; c < 0x80; ++c) t[c] = c != '<' && c != '&' && c != '>';
  t['\t'] = t['\n'] = true;
  return t;
}();
bool name_char(char c) {
  return name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

// Length of the valid UTF-8 sequence of one XML Char (>= U+0080) at s, or 0 (bad byte, overlong form,
// surrogate, beyond U+10FFFF, U+FFFE/U+FFFF).
std::size_t utf8_char(const unsigned char* s, std::size_t avail) {
  const unsigned c = s[0];
  auto cont = [&](std::size_t i, unsigned lo = 0x80, unsigned hi = 0xBF) {
    return i < avail && s[i] >= lo && s[i] <= hi;
  };
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    const bool ok = c == 0xE0 ? cont(1, 0xA0) : c == 0xED ? cont(1, 0x80, 0x9F) : cont(1);
    if (!ok || !cont(2)) return 0;
    if (c == 0xEF && s[1] == 0xBF && s[2] >= 0xBE) return 0;
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    const bool ok = c == 0xF0 ? cont(1, 0x90) : c == 0xF4 ? cont(1, 0x80, 0x8F) : cont(1);
    return ok && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

void put_utf8(std::string& to, std::uint32_t cp) {
  if (cp < 0x80) {
    to.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    to.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    to.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    to.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    to.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    to.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    to.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    to.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    to.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    to.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool date_key(std::string_view v, char* out) {
  if (v.size() < 10 || v[4] != '-' || v[7] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (v[i] < '0' || v[i] > '9') return false;
  }
  std::memcpy(out, v.data(), 10);
  return true;
}

}  // namespace

// S? '=' S? and a quoted value without references, '<' or control characters (attribute-value normalisation
// would change those; xerces handles them).
bool scanner::value(std::string_view& v) {
  while (p_ < n_ && is_ws(s_[p_])) ++p_;
  if (p_ >= n_ || s_[p_] != '=') return false;
  ++p_;
  while (p_ < n_ && is_ws(s_[p_])) ++p_;
  if (p_ >= n_ || (s_[p_] != '"' && s_[p_] != '\'')) return false;
  const char q = s_[p_++];
  const std::size_t vb = p_;
  while (p_ < n_ && s_[p_] != q) {
    const auto c = static_cast<unsigned char>(s_[p_]);
    if (c < 0x20 || c == '<' || c == '&') return false;
    ++p_;
  }
  if (p_ >= n_ || !chars(vb, p_)) return false;
  v = std::string_view(s_ + vb, p_ - vb);
  ++p_;
  return true;
}

bool scanner::chars(std::size_t begin, std::size_t end) {
  const auto* u = reinterpret_cast<const unsigned char*>(s_);
  for (std::size_t i = begin; i < end;) {
    const unsigned char c = u[i];
    if (c >= 0x80) {
      const std::size_t l = utf8_char(u + i, end - i);
      if (l == 0) return false;
      i += l;
    } else {
      if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return false;
      ++i;
    }
  }
  return true;
}

bool scanner::name(std::size_t& b, std::size_t& len) {
  b = p_;
  if (p_ >= n_ || !name_start(s_[p_])) return false;
  bool colon = false;
  while (p_ < n_) {
    const char c = s_[p_];
    if (name_char(c)) {
      ++p_;
    } else if (c == ':' && !colon && p_ + 1 < n_ && name_start(s_[p_ + 1])) {
      colon = true;
      ++p_;
    } else {
      break;
    }
  }
  if (p_ < n_ && (static_cast<unsigned char>(s_[p_]) >= 0x80 || s_[p_] == ':')) return false;  // leave it to xerces
  len = p_ - b;
  return true;
}

bool scanner::comment() {
  p_ += 4;  // "<!--"
  const std::string_view rest(s_ + p_, n_ - p_);
  const auto e = rest.find("--");
  if (e == std::string_view::npos || e + 2 >= rest.size() || rest[e + 2] != '>') return false;
  if (!chars(p_, p_ + e)) return false;
  p_ += e + 3;
  return true;
}

bool scanner::pi() {
  p_ += 2;  // "<?"
  std::size_t b = 0, len = 0;
  if (!name(b, len)) return false;
  const std::string_view target(s_ + b, len);
  if (target.find(':') != std::string_view::npos || detail::iequals(target, "xml")) return false;
  const std::string_view rest(s_ + p_, n_ - p_);
  const auto e = rest.find("?>");
  if (e == std::string_view::npos || (e > 0 && !is_ws(rest[0]))) return false;
  if (!chars(p_, p_ + e)) return false;
  p_ += e + 2;
  return true;
}

bool scanner::misc(bool prolog) {
  for (;;) {
    while (p_ < n_ && is_ws(s_[p_])) ++p_;
    if (p_ + 4 <= n_ && std::memcmp(s_ + p_, "<!--", 4) == 0) {
      if (!comment()) return false;
    } else if (p_ + 2 <= n_ && std::memcmp(s_ + p_, "<?", 2) == 0) {
      if (!pi()) return false;
    } else {
      return prolog ? p_ + 1 < n_ && s_[p_] == '<' && name_start(s_[p_ + 1]) : p_ == n_;
    }
  }
}

// <?xml version="1.0" [encoding="UTF-8"] [standalone="yes|no"] ?>, nothing else.
bool scanner::declaration() {
  p_ += 5;
  int step = 0;
  for (;;) {
    const std::size_t ws = p_;
    while (p_ < n_ && is_ws(s_[p_])) ++p_;
    if (p_ + 2 <= n_ && s_[p_] == '?' && s_[p_ + 1] == '>') {
      p_ += 2;
      return step > 0;
    }
    if (p_ == ws) return false;
    const std::size_t nb = p_;
    while (p_ < n_ && s_[p_] >= 'a' && s_[p_] <= 'z') ++p_;
    const std::string_view key(s_ + nb, p_ - nb);
    std::string_view v;
    if (!value(v)) return false;
    if (step == 0 && key == "version" && v == "1.0") {
      step = 1;
    } else if (step == 1 && key == "encoding" && detail::iequals(v, "UTF-8")) {
      step = 2;
    } else if (step >= 1 && step < 3 && key == "standalone" && (v == "yes" || v == "no")) {
      step = 3;
    } else {
      return false;
    }
  }
}

bool scanner::reference(std::string& to) {
  const std::string_view rest(s_ + p_, std::min<std::size_t>(n_ - p_, 16));
  static constexpr std::pair<std::string_view, char> named[] = {
      {"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}, {"&apos;", '\''}};
  for (const auto& [ref, c] : named) {
    if (rest.substr(0, ref.size()) == ref) {
      to.push_back(c);
      p_ += ref.size();
      return true;
    }
  }
  if (rest.size() < 4 || rest[1] != '#') return false;
  const bool hex = rest[2] == 'x';
  std::uint32_t cp = 0;
  std::size_t i = hex ? 3 : 2, digits = 0;
  for (; i < rest.size() && rest[i] != ';'; ++i, ++digits) {
    const char c = rest[i];
    int d = -1;
    if (c >= '0' && c <= '9') d = c - '0';
    if (hex && c >= 'a' && c <= 'f') d = c - 'a' + 10;
    if (hex && c >= 'A' && c <= 'F') d = c - 'A' + 10;
    if (d < 0 || digits > 7) return false;
    cp = cp * (hex ? 16 : 10) + static_cast<std::uint32_t>(d);
  }
  if (i >= rest.size() || digits == 0) return false;
  // Control characters (even tab and newline) by reference escape whitespace handling; leave them to xerces.
  if (cp < 0x20 || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF || cp > 0x10FFFF) return false;
  put_utf8(to, cp);
  p_ += i + 1;
  return true;
}

}  // namespace jubes::codecs::compiled

namespace jubes::codecs::compiled {

// At '<' of a start tag: reads it, binds its namespace declarations, places the element in its parent's
// content model and pushes its frame.
bool scanner::start_tag(bool& empty) {
  ++p_;
  frame f;
  if (!name(f.qname, f.qname_len)) return false;
  f.bindings = bindings_.size();
  for (;;) {
    const std::size_t ws = p_;
    while (p_ < n_ && is_ws(s_[p_])) ++p_;
    if (p_ >= n_) return false;
    if (s_[p_] == '>' || s_[p_] == '/') {
      empty = s_[p_] == '/';
      if (empty && (p_ + 1 >= n_ || s_[p_ + 1] != '>')) return false;
      p_ += empty ? 2 : 1;
      break;
    }
    std::size_t ab = 0, alen = 0;
    if (p_ == ws || !name(ab, alen)) return false;
    const std::string_view aname(s_ + ab, alen);
    // Only namespace declarations: the jubes types have no attributes, and xsi:type/nil/schemaLocation change
    // what is valid or are best judged by xerces.
    std::string_view prefix;
    if (aname.substr(0, 6) == "xmlns:") {
      prefix = aname.substr(6);
    } else if (aname != "xmlns") {
      return false;
    }
    std::string_view uri;
    if (!value(uri)) return false;
    if (prefix == "xml" || prefix == "xmlns" || (!prefix.empty() && uri.empty())) return false;
    for (std::size_t i = f.bindings; i < bindings_.size(); ++i) {
      if (bindings_[i].prefix == prefix) return false;  // duplicate attribute
    }
    bindings_.push_back({prefix, uri == g_->target_ns});
  }
  const std::string_view qname(s_ + f.qname, f.qname_len);
  const auto colon = qname.find(':');
  const std::string_view prefix = colon == std::string_view::npos ? std::string_view() : qname.substr(0, colon);
  const std::string_view local = colon == std::string_view::npos ? qname : qname.substr(colon + 1);
  bool target = false, bound = false;
  for (std::size_t i = bindings_.size(); i-- > 0;) {
    if (bindings_[i].prefix == prefix) {
      target = bindings_[i].target;
      bound = true;
      break;
    }
  }
  if (!bound || !target || stack_.size() + 1 > lim_->max_depth) return false;
  if (stack_.empty()) {
    if (local != root_) return false;
    f.elem = g_->global(local);
    f.node = 0;
    out_->env.message_type.assign(local);
    out_->env.ns = g_->target_ns;
  } else {
    frame& parent = stack_.back();
    const element& pe = g_->elements[static_cast<std::size_t>(parent.elem)];
    const complex_type& ct = g_->complex_types[static_cast<std::size_t>(pe.type)];
    // Greedy walk of the flat sequence: exact because xerces checked Unique Particle Attribution at load.
    while (parent.part < ct.seq.size()) {
      const particle& pt = ct.seq[parent.part];
      const int hit = parent.count < pt.max ? pt.admits(g_->elements, local) : -1;
      if (hit >= 0) {
        ++parent.count;
        f.elem = hit;
        break;
      }
      if (parent.count < pt.min) return false;
      ++parent.part;
      parent.count = 0;
    }
    if (parent.node >= 0) f.node = trie_->child8(parent.node, local);
  }
  if (f.elem < 0) return false;
  stack_.push_back(f);
  return true;
}

bool scanner::end_tag(const frame& f) {
  p_ += 2;  // "</"
  if (p_ + f.qname_len > n_ || std::memcmp(s_ + p_, s_ + f.qname, f.qname_len) != 0) return false;
  p_ += f.qname_len;
  if (p_ < n_ && (name_char(s_[p_]) || s_[p_] == ':')) return false;
  while (p_ < n_ && is_ws(s_[p_])) ++p_;
  if (p_ >= n_ || s_[p_] != '>') return false;
  ++p_;
  return true;
}

// Element-only content up to the next child start tag (true, at '<') or end tag (true, at "</"). Only
// whitespace, comments and PIs may come between; text, references and CDATA there go to xerces.
bool scanner::element_content(frame&) {
  for (;;) {
    while (p_ < n_ && is_ws(s_[p_])) ++p_;
    if (p_ + 1 >= n_ || s_[p_] != '<') return false;
    if (p_ + 4 <= n_ && std::memcmp(s_ + p_, "<!--", 4) == 0) {
      if (!comment()) return false;
    } else if (s_[p_ + 1] == '?') {
      if (!pi()) return false;
    } else {
      return s_[p_ + 1] == '/' || name_start(s_[p_ + 1]);
    }
  }
}

// Text of a simple-typed element up to its end tag, as text_: a view of the body while there is no reference,
// else references decoded into raw_. A child element, a comment, a PI or CDATA inside a value goes to xerces (how
// they split and normalise the value is its call).
bool scanner::simple_content(frame&) {
  const auto* u = reinterpret_cast<const unsigned char*>(s_);
  const std::size_t begin = p_;
  bool copying = false;
  for (;;) {
    const std::size_t run = p_;
    while (p_ < n_ && plain_text[u[p_]]) ++p_;
    if (copying) raw_.append(s_ + run, p_ - run);
    if (p_ >= n_) return false;
    const unsigned char c = u[p_];
    if (c == '<') break;
    if (c == '&') {
      if (!copying) raw_.assign(s_ + begin, p_ - begin);
      copying = true;
      if (!reference(raw_)) return false;
      continue;
    }
    const std::size_t at = p_;
    if (c == '>') {
      if (p_ >= 2 && s_[p_ - 1] == ']' && s_[p_ - 2] == ']') return false;  // "]]>" is not allowed in text
      ++p_;
    } else if (c >= 0x80) {
      const std::size_t l = utf8_char(u + p_, n_ - p_);
      if (l == 0) return false;
      p_ += l;
    } else {
      return false;  // CR (line-end normalisation) and other control characters
    }
    if (copying) raw_.append(s_ + at, p_ - at);
  }
  text_ = copying ? std::string_view(raw_) : std::string_view(s_ + begin, p_ - begin);
  return text_.size() <= lim_->max_text_bytes && p_ + 1 < n_ && s_[p_ + 1] == '/';
}

bool scanner::finish_simple(frame& f) {
  const element& e = g_->elements[static_cast<std::size_t>(f.elem)];
  const simple_type& st = g_->simple_types[static_cast<std::size_t>(e.type)];
  std::string_view v = text_;
  // base64 is checked as it stands (the check skips whitespace as collapsing would): a plan's megabytes are
  // then copied only if a field asks for them.
  const bool wanted = f.node > 0 || e.sem != semantic::none;
  if (st.ws == ws_mode::collapse && (st.base != builtin::base64 || wanted)) {
    // xerces hands SAX the normalised value of a collapse type, so extraction uses it too.
    value_.clear();
    bool space = false;
    for (const char c : text_) {
      if (is_ws(c)) {
        space = !value_.empty();
      } else {
        if (space) value_.push_back(' ');
        space = false;
        value_.push_back(c);
      }
    }
    v = value_;
  }
  if (!st.valid(v)) return false;
  return finish(f, detail::trim(v));
}

bool scanner::finish(frame& f, std::string_view value) {
  if (f.node > 0) {
    const auto& n = trie_->nodes[static_cast<std::size_t>(f.node)];
    if (n.slot != env_slot::none) {
      std::string* to = env_field(out_->env, n.slot);
      if (to != nullptr && to->empty()) to->assign(value);
    }
    for (const int i : n.fields) out_->fields[static_cast<std::size_t>(i)].emplace_back(value);
  }
  const semantic sem = g_->elements[static_cast<std::size_t>(f.elem)].sem;
  if (sem == semantic::none || stack_.size() < 2) return true;
  frame& parent = stack_[stack_.size() - 2];
  switch (sem) {
    case semantic::bsn:
      return bsn_eleven_test(value);
    case semantic::gemeentecode:
      return !sem_->gemeentecode_exists || sem_->gemeentecode_exists(value);
    case semantic::begindatum:
      parent.begin_set = date_key(value, parent.begin_day);
      return true;
    case semantic::einddatum: {
      char end[10];
      return !(parent.begin_set && date_key(value, end) && std::memcmp(end, parent.begin_day, 10) < 0);
    }
    case semantic::none:
      break;
  }
  return true;
}

bool scanner::run(const grammar& g, std::string_view body, std::string_view root, const field_set::trie& trie,
                  parsed& out, const limits& lim, const semantic_options& sem) {
  g_ = &g;
  root_ = root;
  trie_ = &trie;
  out_ = &out;
  lim_ = &lim;
  sem_ = &sem;
  s_ = body.data();
  n_ = body.size();
  p_ = 0;
  stack_.clear();
  bindings_.clear();
  if (n_ >= 3 && std::memcmp(s_, "\xEF\xBB\xBF", 3) == 0) p_ = 3;
  if (n_ - p_ >= 6 && std::memcmp(s_ + p_, "<?xml", 5) == 0 && (is_ws(s_[p_ + 5]) || s_[p_ + 5] == '?')) {
    if (!declaration()) return false;
  }
  if (!misc(true)) return false;
  bool empty = false;
  if (!start_tag(empty)) return false;
  while (!stack_.empty()) {
    frame& f = stack_.back();
    const element& e = g_->elements[static_cast<std::size_t>(f.elem)];
    bool close = empty;
    if (!empty && e.complex) {
      if (!element_content(f)) return false;
      if (s_[p_ + 1] != '/') {
        if (!start_tag(empty)) return false;
        continue;
      }
      if (!end_tag(f)) return false;
      close = true;
    }
    if (e.complex) {
      const complex_type& ct = g_->complex_types[static_cast<std::size_t>(e.type)];
      const bool done = ct.seq.empty() || (f.count >= ct.seq[f.part].min && ct.tail_optional[f.part]);
      if (!done || !finish(f, {})) return false;
    } else {
      if (close) {
        text_ = {};
      } else if (!simple_content(f) || !end_tag(f)) {
        return false;
      }
      if (!finish_simple(f)) return false;
    }
    bindings_.resize(f.bindings);
    stack_.pop_back();
    empty = false;
  }
  return misc(false);
}

}  // namespace jubes::codecs::compiled
