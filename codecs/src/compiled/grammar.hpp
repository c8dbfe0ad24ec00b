// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Private: a schema set compiled from xerces' XSModel into plain tables the fast scanner walks (docs/codecs.md,
// "Compiled validator"). Only what the compiler understands is represented; anything else makes compile() fail
// with a reason and the set keeps using xerces. The tables are immutable after compile() and shared by all
// threads. The fast path only ever *accepts*: any doubt sends the document to xerces, which decides.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>
#include <xercesc/framework/psvi/XSModel.hpp>

#include "common/result.hpp"

namespace jubes::codecs::compiled {

enum class ws_mode : unsigned char { preserve, replace, collapse };
enum class builtin : unsigned char {
  string,
  boolean,
  date,
  date_time,
  decimal,
  integer,
  non_negative_integer,
  positive_integer,
  base64
};

// A tiny anchored regular expression: a sequence of (ASCII class, min, max) atoms. No groups, no alternation.
struct pattern_atom {
  std::uint64_t lo = 0, hi = 0;  // bitset of the 128 ASCII characters
  std::uint32_t min = 1, max = 1;
  bool matches(unsigned char c) const { return c < 64 ? (lo >> c) & 1U : c < 128 && ((hi >> (c - 64)) & 1U); }
};
struct pattern {
  std::vector<pattern_atom> atoms;
  bool match(std::string_view v) const;
};

struct simple_type {
  builtin base = builtin::string;
  ws_mode ws = ws_mode::preserve;
  std::vector<std::string> enumeration;  // empty: no enumeration facet
  std::vector<pattern> patterns;         // all must match
  std::int64_t min_length = -1, max_length = -1;
  std::string max_inclusive;  // integers only, canonical digits (no sign, no leading zeros); empty: none
  std::string min_inclusive;
  /// @return true only if `v` (already whitespace-processed) is certainly valid.
  bool valid(std::string_view v) const;
};

struct particle {
  int element = -1;               // index into grammar::elements; -1: a choice
  std::vector<int> alternatives;  // a choice of single elements (each exactly once per occurrence of the choice)
  std::uint32_t min = 1, max = 1;
  /// @return the element this particle admits under `local`, or -1.
  template <class Elements>
  int admits(const Elements& elements, std::string_view local) const {
    if (element >= 0) return elements[static_cast<std::size_t>(element)].local == local ? element : -1;
    for (const int a : alternatives) {
      if (elements[static_cast<std::size_t>(a)].local == local) return a;
    }
    return -1;
  }
};

struct complex_type {
  std::vector<particle> seq;  // a flat sequence (nested 1..1 sequences and extensions flattened, choices of
                              // single elements kept as one particle)
  std::vector<unsigned char> tail_optional;  // tail_optional[i]: every particle after i has min 0
};

// The jubes semantic checks (validator.cpp's handler has the same list), by element local name.
enum class semantic : unsigned char { none, bsn, gemeentecode, begindatum, einddatum };

struct element {
  std::string local;  // UTF-8 local name (ASCII in practice)
  bool complex = false;
  int type = -1;                  // index into grammar::simple_types or grammar::complex_types
  semantic sem = semantic::none;  // only in the jubes namespace
};

struct grammar {
  std::string target_ns;
  std::vector<element> elements;
  std::vector<simple_type> simple_types;
  std::vector<complex_type> complex_types;
  std::vector<int> globals;  // element indices of the global element declarations
  /// @return the global element named `local`, or -1.
  int global(std::string_view local) const;
};

/// Compiles the global elements of `model` in namespace `ns`. @return the grammar, or the first unsupported
/// construct (the set then falls back to xerces).
result<std::shared_ptr<const grammar>> compile(xercesc::XSModel& model, std::string_view ns);

}  // namespace jubes::codecs::compiled
