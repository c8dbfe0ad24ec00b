// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Private: the scanner of the compiled validator. It reads UTF-8 bytes in place, checks well-formedness for the
// subset of XML it knows, walks the grammar's content models and facets, extracts the envelope and fields and
// runs the jubes semantic checks, in one pass. It answers only "certainly valid" (out is filled) or "not sure":
// every fault and everything unusual (other encodings, CDATA, attributes, entities beyond the five, a comment
// inside a value, ...) returns false and the caller re-parses with xerces, which gives the authoritative fault
// with its code, line, column and element path. One per validator; buffers are reused, nothing is allocated per
// element once they have grown.
#include <string>
#include <string_view>
#include <vector>

#include "../field_trie.hpp"
#include "codecs/validator.hpp"
#include "grammar.hpp"

namespace jubes::codecs::compiled {

class scanner {
 public:
  /// @return true if `body` is well-formed, valid against `g` (whose root element it must be), within `lim`
  ///         and passes the semantic checks; `out` then holds the envelope and fields (message_type, ns; the
  ///         caller sets schema_set). false: let xerces decide (`out` is then unspecified).
  /// @param root the root's local name as the prescan read it (it chose the schema set); another root is not
  ///        this scanner's to judge
  bool run(const grammar& g, std::string_view body, std::string_view root, const field_set::trie& trie, parsed& out,
           const limits& lim, const semantic_options& sem);

 private:
  struct frame {
    int elem = -1;                         // grammar element
    std::uint32_t part = 0;                // complex: current particle index
    std::uint32_t count = 0;               // complex: occurrences of that particle so far
    int node = -1;                         // field trie node, -1: nothing to extract below
    std::size_t qname = 0, qname_len = 0;  // the start tag's name in the body, to match the end tag
    std::size_t bindings = 0;              // size of bindings_ before this element's declarations
    bool begin_set = false;                // a begindatum child was seen (for the einddatum checks)
    char begin_day[10] = {};
  };
  struct binding {
    std::string_view prefix;
    bool target = false;  // bound to the grammar's namespace
  };

  bool misc(bool prolog);
  bool declaration();
  bool comment();
  bool pi();
  bool start_tag(bool& empty);
  bool end_tag(const frame& f);
  bool element_content(frame& f);
  bool simple_content(frame& f);
  bool finish_simple(frame& f);
  bool finish(frame& f, std::string_view value);
  bool reference(std::string& to);
  bool name(std::size_t& b, std::size_t& len);
  bool chars(std::size_t begin, std::size_t end);  // validates [begin, end) as XML characters in UTF-8
  bool value(std::string_view& v);

  const grammar* g_ = nullptr;
  const field_set::trie* trie_ = nullptr;
  parsed* out_ = nullptr;
  const limits* lim_ = nullptr;
  const semantic_options* sem_ = nullptr;
  const char* s_ = nullptr;
  std::size_t n_ = 0, p_ = 0;
  std::vector<frame> stack_;
  std::vector<binding> bindings_;
  std::string raw_, value_;
  std::string_view text_;  // the current simple element's text (body or raw_)
  std::string_view root_;
};

}  // namespace jubes::codecs::compiled
