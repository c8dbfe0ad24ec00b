// SPDX-License-Identifier: EUPL-1.2
// Lexical checks of the built-in types the compiled validator supports and their facets. Each check answers
// "certainly valid"; anything it is unsure about (non-ASCII in a pattern, a year beyond 9999, a leading '-')
// answers no, and the document goes to xerces, which has the last word.
#include <algorithm>
#include <array>
#include <string>

#include "grammar.hpp"

namespace jubes::codecs::compiled {

namespace {

void set_bit(pattern_atom& a, unsigned char c) {
  if (c < 64) {
    a.lo |= std::uint64_t{1} << c;
  } else {
    a.hi |= std::uint64_t{1} << (c - 64);
  }
}

// An escaped character inside or outside a class: only single-character escapes (and \d, ASCII only, which
// makes us stricter than XSD's Unicode digits, never looser).
bool escape(char c, pattern_atom& a) {
  if (c == 'd') {
    for (char d = '0'; d <= '9'; ++d) set_bit(a, static_cast<unsigned char>(d));
    return true;
  }
  static constexpr std::string_view plain = "\\|.-^?*+{}()[]/";
  if (plain.find(c) == std::string_view::npos) return false;
  set_bit(a, static_cast<unsigned char>(c));
  return true;
}

bool parse_class(std::string_view s, std::size_t& i, pattern_atom& a) {
  ++i;  // '['
  if (i < s.size() && s[i] == '^') return false;
  bool first = true;
  while (i < s.size() && (s[i] != ']' || first)) {
    first = false;
    unsigned char lo = static_cast<unsigned char>(s[i]);
    if (lo == '[' || lo >= 128) return false;
    if (lo == '\\') {
      if (++i >= s.size()) return false;
      pattern_atom e;
      if (!escape(s[i], e)) return false;
      a.lo |= e.lo;
      a.hi |= e.hi;
      ++i;
      continue;
    }
    ++i;
    if (i + 1 < s.size() && s[i] == '-' && s[i + 1] != ']') {
      const auto hi = static_cast<unsigned char>(s[i + 1]);
      if (hi == '\\' || hi == '[' || hi >= 128 || hi < lo) return false;
      for (unsigned c = lo; c <= hi; ++c) set_bit(a, static_cast<unsigned char>(c));
      i += 2;
    } else {
      set_bit(a, lo);
    }
  }
  if (i >= s.size()) return false;
  ++i;  // ']'
  return true;
}

bool parse_number(std::string_view s, std::size_t& i, std::uint32_t& n) {
  if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
  n = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    n = n * 10 + static_cast<std::uint32_t>(s[i] - '0');
    if (n > 100000) return false;
    ++i;
  }
  return true;
}

bool parse_quantifier(std::string_view s, std::size_t& i, pattern_atom& a) {
  if (i >= s.size()) return true;
  switch (s[i]) {
    case '?':
      a.min = 0, a.max = 1, ++i;
      return true;
    case '*':
      a.min = 0, a.max = UINT32_MAX, ++i;
      return true;
    case '+':
      a.min = 1, a.max = UINT32_MAX, ++i;
      return true;
    case '{': {
      ++i;
      if (!parse_number(s, i, a.min)) return false;
      a.max = a.min;
      if (i < s.size() && s[i] == ',') {
        ++i;
        a.max = UINT32_MAX;
        if (i < s.size() && s[i] != '}' && !parse_number(s, i, a.max)) return false;
      }
      if (i >= s.size() || s[i] != '}' || a.max < a.min) return false;
      ++i;
      return true;
    }
    default:
      return true;
  }
}

bool match_from(const std::vector<pattern_atom>& atoms, std::size_t k, std::string_view v, std::size_t i) {
  if (k == atoms.size()) return i == v.size();
  const pattern_atom& a = atoms[k];
  std::size_t n = 0;
  while (n < a.max && i + n < v.size() && a.matches(static_cast<unsigned char>(v[i + n]))) ++n;
  if (n < a.min) return false;
  for (std::size_t take = n + 1; take-- > a.min;) {  // greedy, then backtrack
    if (match_from(atoms, k + 1, v, i + take)) return true;
  }
  return false;
}

bool digits(std::string_view v, std::size_t b, std::size_t n) {
  if (b + n > v.size()) return false;
  for (std::size_t i = b; i < b + n; ++i) {
    if (v[i] < '0' || v[i] > '9') return false;
  }
  return true;
}
int num(std::string_view v, std::size_t b, std::size_t n) {
  int r = 0;
  for (std::size_t i = b; i < b + n; ++i) r = r * 10 + (v[i] - '0');
  return r;
}

// YYYY-MM-DD with an optional Z or +hh:mm / -hh:mm zone; years 0001..9999 only (the rest goes to xerces).
bool valid_date(std::string_view v) {
  if (v.size() < 10 || !digits(v, 0, 4) || v[4] != '-' || !digits(v, 5, 2) || v[7] != '-' || !digits(v, 8, 2))
    return false;
  const int y = num(v, 0, 4), m = num(v, 5, 2), d = num(v, 8, 2);
  if (y == 0 || m < 1 || m > 12 || d < 1) return false;
  static constexpr int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (d > mdays[m - 1] + (m == 2 && leap ? 1 : 0)) return false;
  const std::string_view z = v.substr(10);
  if (z.empty() || z == "Z") return true;
  if (z.size() != 6 || (z[0] != '+' && z[0] != '-') || !digits(z, 1, 2) || z[3] != ':' || !digits(z, 4, 2))
    return false;
  const int hh = num(z, 1, 2), mm = num(z, 4, 2);
  return hh < 14 && mm < 60;
}

// YYYY-MM-DDThh:mm:ss[.s+] with an optional zone, years 0001..9999, hours 00..23 (24:00:00 goes to xerces).
bool valid_date_time(std::string_view v) {
  const auto t = v.find('T');
  if (t != 10 || !valid_date(v.substr(0, 10))) return false;
  const std::string_view r = v.substr(11);
  if (r.size() < 8 || !digits(r, 0, 2) || r[2] != ':' || !digits(r, 3, 2) || r[5] != ':' || !digits(r, 6, 2))
    return false;
  if (num(r, 0, 2) > 23 || num(r, 3, 2) > 59 || num(r, 6, 2) > 59) return false;
  std::size_t i = 8;
  if (i < r.size() && r[i] == '.') {
    const std::size_t b = ++i;
    while (i < r.size() && r[i] >= '0' && r[i] <= '9') ++i;
    if (i == b) return false;
  }
  // The zone rules are valid_date's: check them on a dummy date.
  return valid_date(std::string("2000-01-01").append(r.substr(i)));
}

// [+-]?digits[.digits]: a subset of xs:decimal's lexical space ("1." and ".5" go to xerces).
bool valid_decimal(std::string_view v) {
  if (!v.empty() && (v[0] == '+' || v[0] == '-')) v.remove_prefix(1);
  const auto dot = v.find('.');
  const std::string_view whole = v.substr(0, dot);
  if (whole.empty() || !digits(whole, 0, whole.size())) return false;
  if (dot == std::string_view::npos) return true;
  const std::string_view frac = v.substr(dot + 1);
  return !frac.empty() && digits(frac, 0, frac.size());
}

// Byte classes of base64 text, as a table: random data bytes defeat branch prediction on range tests.
enum : unsigned char { b64_bad, b64_data, b64_space, b64_pad };
constexpr auto b64_class = [] {
  std::array<unsigned char, 256> t{};
  for (unsigned c = 0; c < 256; ++c) {
    const bool data =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
    t[c] = data                                                ? b64_data
           : c == '='                                          ? b64_pad
           : (c == ' ' || c == '\n' || c == '\t' || c == '\r') ? b64_space
                                                               : b64_bad;
  }
  return t;
}();

// Strict base64 (RFC 2045 alphabet, groups of four, '=' only at the end, the padded group's last bits zero),
// whitespace anywhere (after collapsing, single spaces between characters). @return decoded octets or -1.
std::int64_t base64_octets(std::string_view v) {
  while (!v.empty() && b64_class[static_cast<unsigned char>(v.back())] == b64_space) v.remove_suffix(1);
  std::int64_t chars = 0, pad = 0;
  char last_data = 0;
  const auto* u = reinterpret_cast<const unsigned char*>(v.data());
  std::size_t i = 0;
  for (;;) {
    const std::size_t run = i;
    while (i < v.size() && b64_class[u[i]] == b64_data) ++i;
    chars += static_cast<std::int64_t>(i - run);
    if (i > run) last_data = static_cast<char>(u[i - 1]);
    if (i >= v.size()) break;
    switch (b64_class[u[i]]) {
      case b64_space:
        break;
      case b64_pad:
        // after the first pad only another pad: whitespace between pads is XSD-legal but left to xerces
        while (i < v.size() && u[i] == '=') ++pad, ++chars, ++i;
        if (i != v.size() || pad > 2) return -1;
        continue;
      default:
        return -1;
    }
    ++i;
  }
  if (chars % 4 != 0) return -1;
  static constexpr std::string_view b04 = "AQgw", b16 = "AEIMQUYcgkosw048";
  if (pad == 2 && b04.find(last_data) == std::string_view::npos) return -1;
  if (pad == 1 && b16.find(last_data) == std::string_view::npos) return -1;
  return chars / 4 * 3 - pad;
}

// Less-or-equal of two canonical non-negative integers (digits, no leading zeros).
bool le(std::string_view a, std::string_view b) {
  return a.size() != b.size() ? a.size() < b.size() : a <= b;
}

std::int64_t utf8_chars(std::string_view v) {
  std::int64_t n = 0;
  for (const char c : v) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0xF0) return -1;  // xerces may count UTF-16 units here; let xerces decide
    if ((u & 0xC0) != 0x80) ++n;
  }
  return n;
}

}  // namespace

bool parse_pattern(std::string_view s, pattern& out) {
  for (std::size_t i = 0; i < s.size();) {
    pattern_atom a;
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '[') {
      if (!parse_class(s, i, a)) return false;
    } else if (c == '\\') {
      if (i + 1 >= s.size() || !escape(s[i + 1], a)) return false;
      i += 2;
    } else if (c == '.') {
      for (unsigned k = 0; k < 128; ++k) {
        if (k != '\n' && k != '\r') set_bit(a, static_cast<unsigned char>(k));
      }
      ++i;
    } else if (c >= 128 || std::string_view("()|^$?*+{}]").find(static_cast<char>(c)) != std::string_view::npos) {
      return false;
    } else {
      set_bit(a, c);
      ++i;
    }
    if (!parse_quantifier(s, i, a)) return false;
    out.atoms.push_back(a);
  }
  return true;
}

std::string canonical_integer(std::string_view v, bool& ok) {
  if (!v.empty() && v[0] == '+') v.remove_prefix(1);
  ok = !v.empty() && digits(v, 0, v.size());
  if (!ok) return {};
  const auto nz = v.find_first_not_of('0');
  return nz == std::string_view::npos ? std::string("0") : std::string(v.substr(nz));
}

bool pattern::match(std::string_view v) const {
  if (v.size() > 4096) return false;  // bounds the backtracking; long values go to xerces
  return match_from(atoms, 0, v, 0);
}

bool simple_type::valid(std::string_view v) const {
  std::int64_t length = 0;
  switch (base) {
    case builtin::string:
      length = utf8_chars(v);
      if (length < 0 && (min_length >= 0 || max_length >= 0)) return false;
      break;
    case builtin::boolean:
      if (v != "true" && v != "false" && v != "1" && v != "0") return false;
      break;
    case builtin::date:
      if (!valid_date(v)) return false;
      break;
    case builtin::date_time:
      if (!valid_date_time(v)) return false;
      break;
    case builtin::decimal:
      if (!valid_decimal(v)) return false;
      break;
    case builtin::integer:
    case builtin::non_negative_integer:
    case builtin::positive_integer: {
      bool ok = true;
      const std::string c = canonical_integer(v, ok);
      if (!ok || (base == builtin::positive_integer && c == "0")) return false;
      if (!max_inclusive.empty() && !le(c, max_inclusive)) return false;
      if (!min_inclusive.empty() && !le(min_inclusive, c)) return false;
      break;
    }
    case builtin::base64:
      length = base64_octets(v);
      if (length < 0) return false;
      break;
  }
  if (min_length >= 0 && length < min_length) return false;
  if (max_length >= 0 && length > max_length) return false;
  if (!enumeration.empty() && std::find(enumeration.begin(), enumeration.end(), v) == enumeration.end()) return false;
  for (const pattern& p : patterns) {
    if (!p.match(v)) return false;
  }
  return true;
}

}  // namespace jubes::codecs::compiled
