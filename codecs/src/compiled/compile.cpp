// SPDX-License-Identifier: EUPL-1.2
// Walks xerces' XSModel of a loaded schema set and builds the tables of grammar.hpp. Reads the same model the
// catalog's can_supply() walks; the shape follows xerces' SCMPrint sample (element -> type -> particle -> model
// group -> particles). Unsupported constructs fail the whole set with a reason, so the set stays with xerces.
#include <map>
#include <xercesc/framework/psvi/XSComplexTypeDefinition.hpp>
#include <xercesc/framework/psvi/XSElementDeclaration.hpp>
#include <xercesc/framework/psvi/XSModelGroup.hpp>
#include <xercesc/framework/psvi/XSNamedMap.hpp>
#include <xercesc/framework/psvi/XSParticle.hpp>
#include <xercesc/framework/psvi/XSSimpleTypeDefinition.hpp>

#include "../text.hpp"
#include "codecs/catalog.hpp"
#include "codecs/errc.hpp"
#include "grammar.hpp"

namespace jubes::codecs::compiled {

namespace x = xercesc;

bool parse_pattern(std::string_view src, pattern& out);       // facets.cpp
std::string canonical_integer(std::string_view v, bool& ok);  // facets.cpp

namespace {

constexpr std::u16string_view xsd_ns = u"http://www.w3.org/2001/XMLSchema";

std::string u8(const XMLCh* s) {
  return s == nullptr ? std::string() : detail::to_utf8(s);
}

class compiler {
 public:
  compiler(grammar& g) : g_(g) {}
  std::string why;  // first unsupported construct

  int element(x::XSElementDeclaration* e) {
    if (auto it = elems_.find(e); it != elems_.end()) return it->second;
    if (u8(e->getNamespace()) != g_.target_ns) return fail("an element in another namespace: " + u8(e->getName()));
    if (e->getAbstract() || e->getNillable() || e->getSubstitutionGroupAffiliation() != nullptr)
      return fail("abstract, nillable or substitution group element " + u8(e->getName()));
    if (e->getConstraintType() != x::XSConstants::VALUE_CONSTRAINT_NONE)
      return fail("default or fixed value on " + u8(e->getName()));
    auto* idc = e->getIdentityConstraints();
    if (idc != nullptr && idc->getLength() != 0) return fail("identity constraint on " + u8(e->getName()));
    const int idx = static_cast<int>(g_.elements.size());
    elems_[e] = idx;
    g_.elements.push_back({u8(e->getName()), false, -1});
    x::XSTypeDefinition* t = e->getTypeDefinition();
    int type = -1;
    bool complex = false;
    if (t->getTypeCategory() == x::XSTypeDefinition::SIMPLE_TYPE) {
      type = simple(static_cast<x::XSSimpleTypeDefinition*>(t));
    } else {
      complex = true;
      type = complex_type_of(static_cast<x::XSComplexTypeDefinition*>(t));
    }
    g_.elements[static_cast<std::size_t>(idx)].complex = complex;
    g_.elements[static_cast<std::size_t>(idx)].type = type;
    return type < 0 ? -1 : idx;
  }

 private:
  int fail(std::string w) {
    if (why.empty()) why = std::move(w);
    return -1;
  }

  int complex_type_of(x::XSComplexTypeDefinition* t) {
    if (auto it = complex_.find(t); it != complex_.end()) return it->second;
    if (t->getAbstract()) return fail("abstract type " + u8(t->getName()));
    auto* attrs = t->getAttributeUses();
    if ((attrs != nullptr && attrs->size() != 0) || t->getAttributeWildcard() != nullptr)
      return fail("attributes on type " + u8(t->getName()));
    const auto ct = t->getContentType();
    if (ct != x::XSComplexTypeDefinition::CONTENTTYPE_ELEMENT && ct != x::XSComplexTypeDefinition::CONTENTTYPE_EMPTY)
      return fail("simple or mixed content in type " + u8(t->getName()));
    const int idx = static_cast<int>(g_.complex_types.size());
    complex_[t] = idx;
    g_.complex_types.emplace_back();
    std::vector<particle> seq;
    if (x::XSParticle* p = t->getParticle(); p != nullptr && !flatten(p, seq)) return -1;
    complex_type& c = g_.complex_types[static_cast<std::size_t>(idx)];
    c.seq = std::move(seq);
    c.tail_optional.assign(c.seq.size(), 1);
    for (std::size_t i = c.seq.size(); i-- > 1;) {
      c.tail_optional[i - 1] = c.tail_optional[i] && c.seq[i].min == 0;
    }
    return idx;
  }

  // Sequences (nested ones only when they occur exactly once) become one flat list of element particles.
  // Greedy matching of that list is exact because the schema passed xerces' Unique Particle Attribution check.
  bool flatten(x::XSParticle* p, std::vector<particle>& seq) {
    switch (p->getTermType()) {
      case x::XSParticle::TERM_ELEMENT: {
        particle q;
        q.min = static_cast<std::uint32_t>(p->getMinOccurs());
        q.max = p->getMaxOccursUnbounded() ? UINT32_MAX : static_cast<std::uint32_t>(p->getMaxOccurs());
        if (q.max == 0) return true;
        q.element = element(p->getElementTerm());
        if (q.element < 0) return false;
        seq.push_back(q);
        return true;
      }
      case x::XSParticle::TERM_MODELGROUP: {
        x::XSModelGroup* mg = p->getModelGroupTerm();
        if (mg->getCompositor() == x::XSModelGroup::COMPOSITOR_CHOICE) return choice(p, mg, seq);
        if (mg->getCompositor() != x::XSModelGroup::COMPOSITOR_SEQUENCE) return fail("xs:all") >= 0;
        if (p->getMinOccurs() != 1 || p->getMaxOccursUnbounded() || p->getMaxOccurs() != 1)
          return fail("a repeated or optional sequence") >= 0;
        x::XSParticleList* list = mg->getParticles();
        for (XMLSize_t i = 0; list != nullptr && i < list->size(); ++i) {
          if (!flatten(list->elementAt(i), seq)) return false;
        }
        return true;
      }
      default:
        return fail("xs:any or an empty term") >= 0;
    }
  }

  // A choice of single elements (each occurring exactly once per pass through the choice) is one particle with
  // the choice's occurrences; anything richer inside a choice is not supported.
  bool choice(x::XSParticle* p, x::XSModelGroup* mg, std::vector<particle>& seq) {
    particle q;
    q.min = static_cast<std::uint32_t>(p->getMinOccurs());
    q.max = p->getMaxOccursUnbounded() ? UINT32_MAX : static_cast<std::uint32_t>(p->getMaxOccurs());
    x::XSParticleList* list = mg->getParticles();
    for (XMLSize_t i = 0; list != nullptr && i < list->size(); ++i) {
      x::XSParticle* a = list->elementAt(i);
      if (a->getTermType() != x::XSParticle::TERM_ELEMENT || a->getMinOccurs() != 1 || a->getMaxOccursUnbounded() ||
          a->getMaxOccurs() != 1)
        return fail("a choice of other than single elements") >= 0;
      const int e = element(a->getElementTerm());
      if (e < 0) return false;
      q.alternatives.push_back(e);
    }
    if (q.alternatives.empty()) return fail("an empty choice") >= 0;
    if (q.max > 0) seq.push_back(std::move(q));
    return true;
  }

  int simple(x::XSSimpleTypeDefinition* t) {
    if (auto it = simple_.find(t); it != simple_.end()) return it->second;
    if (t->getVariety() != x::XSSimpleTypeDefinition::VARIETY_ATOMIC) return fail("list or union type");
    simple_type s;
    ws_.clear();
    // Walk up to the built-in type; every step's facets apply (intersection).
    x::XSSimpleTypeDefinition* step = t;
    std::u16string_view ns;
    for (int guard = 0; guard < 64; ++guard) {
      ns = step->getNamespace() != nullptr ? std::u16string_view(step->getNamespace()) : std::u16string_view();
      if (ns == xsd_ns) break;
      if (!facets(step, s)) return -1;
      x::XSTypeDefinition* b = step->getBaseType();
      if (b == nullptr || b->getTypeCategory() != x::XSTypeDefinition::SIMPLE_TYPE) return fail("odd base type");
      step = static_cast<x::XSSimpleTypeDefinition*>(b);
    }
    if (ns != xsd_ns) return fail("no built-in base type");
    const std::string name = u8(step->getName());
    s.ws = ws_mode::collapse;
    if (name == "string") {
      s.base = builtin::string;
      s.ws = ws_mode::preserve;
    } else if (name == "token") {
      s.base = builtin::string;  // a collapsed string
    } else if (name == "dateTime") {
      s.base = builtin::date_time;
    } else if (name == "decimal") {
      s.base = builtin::decimal;
    } else if (name == "boolean") {
      s.base = builtin::boolean;
    } else if (name == "date") {
      s.base = builtin::date;
    } else if (name == "integer") {
      s.base = builtin::integer;
    } else if (name == "nonNegativeInteger") {
      s.base = builtin::non_negative_integer;
    } else if (name == "positiveInteger") {
      s.base = builtin::positive_integer;
    } else if (name == "base64Binary") {
      s.base = builtin::base64;
    } else {
      return fail("built-in type xs:" + name);
    }
    if (!ws_.empty()) s.ws = ws_ == "collapse" ? ws_mode::collapse : ws_mode::preserve;
    if (s.base != builtin::string && s.ws != ws_mode::collapse) return fail("whiteSpace preserve on a non-string");
    if ((!s.max_inclusive.empty() || !s.min_inclusive.empty()) &&
        (s.base == builtin::string || s.base == builtin::date_time || s.base == builtin::decimal ||
         s.base == builtin::date))
      return fail("min/maxInclusive on other than an integer");
    const int idx = static_cast<int>(g_.simple_types.size());
    g_.simple_types.push_back(std::move(s));
    simple_[t] = idx;
    return idx;
  }

  bool facets(x::XSSimpleTypeDefinition* t, simple_type& s) {
    const int defined = t->getDefinedFacets();
    constexpr int supported = x::XSSimpleTypeDefinition::FACET_MINLENGTH | x::XSSimpleTypeDefinition::FACET_MAXLENGTH |
                              x::XSSimpleTypeDefinition::FACET_LENGTH | x::XSSimpleTypeDefinition::FACET_PATTERN |
                              x::XSSimpleTypeDefinition::FACET_ENUMERATION |
                              x::XSSimpleTypeDefinition::FACET_MAXINCLUSIVE |
                              x::XSSimpleTypeDefinition::FACET_MININCLUSIVE;
    // fractionDigits 0 is what xs:integer and its derivations inherit; the integer checks allow no fraction.
    if ((defined & x::XSSimpleTypeDefinition::FACET_FRACTIONDIGITS) != 0 &&
        u8(t->getLexicalFacetValue(x::XSSimpleTypeDefinition::FACET_FRACTIONDIGITS)) != "0")
      return fail("fractionDigits on " + u8(t->getName())) >= 0;
    if ((defined & ~supported & ~x::XSSimpleTypeDefinition::FACET_WHITESPACE &
         ~x::XSSimpleTypeDefinition::FACET_FRACTIONDIGITS) != 0)
      return fail("facet set " + std::to_string(defined) + " on " + u8(t->getName())) >= 0;
    // xerces reports the effective facets of each step (inherited ones too); the most derived whiteSpace wins.
    if ((defined & x::XSSimpleTypeDefinition::FACET_WHITESPACE) != 0 && ws_.empty()) {
      ws_ = u8(t->getLexicalFacetValue(x::XSSimpleTypeDefinition::FACET_WHITESPACE));
      if (ws_ != "collapse" && ws_ != "preserve") return fail("whiteSpace " + ws_) >= 0;
    }
    auto number = [&](x::XSSimpleTypeDefinition::FACET f) {
      return static_cast<std::int64_t>(std::stoll(u8(t->getLexicalFacetValue(f))));
    };
    if ((defined & x::XSSimpleTypeDefinition::FACET_LENGTH) != 0) {
      const auto n = number(x::XSSimpleTypeDefinition::FACET_LENGTH);
      s.min_length = std::max(s.min_length, n);
      s.max_length = s.max_length < 0 ? n : std::min(s.max_length, n);
    }
    if ((defined & x::XSSimpleTypeDefinition::FACET_MINLENGTH) != 0)
      s.min_length = std::max(s.min_length, number(x::XSSimpleTypeDefinition::FACET_MINLENGTH));
    if ((defined & x::XSSimpleTypeDefinition::FACET_MAXLENGTH) != 0) {
      const auto n = number(x::XSSimpleTypeDefinition::FACET_MAXLENGTH);
      s.max_length = s.max_length < 0 ? n : std::min(s.max_length, n);
    }
    for (auto [f, target] : {std::pair{x::XSSimpleTypeDefinition::FACET_MAXINCLUSIVE, &s.max_inclusive},
                             std::pair{x::XSSimpleTypeDefinition::FACET_MININCLUSIVE, &s.min_inclusive}}) {
      if ((defined & f) == 0) continue;
      bool ok = true;
      std::string v = canonical_integer(u8(t->getLexicalFacetValue(f)), ok);
      if (!ok) return fail("a bound that is not a non-negative integer") >= 0;
      // Steps repeat inherited bounds; keep the tightest.
      const bool is_max = target == &s.max_inclusive;
      if (target->empty() || (is_max ? v.size() < target->size() || (v.size() == target->size() && v < *target)
                                     : v.size() > target->size() || (v.size() == target->size() && v > *target)))
        *target = std::move(v);
    }
    if ((defined & x::XSSimpleTypeDefinition::FACET_PATTERN) != 0) {
      x::StringList* pats = t->getLexicalPattern();
      // One entry per derivation step, all of which must match (several xs:pattern of one step arrive joined
      // by '|', which parse_pattern refuses). Inherited entries repeat in each step: harmless, checked twice.
      for (XMLSize_t i = 0; pats != nullptr && i < pats->size(); ++i) {
        pattern p;
        if (!parse_pattern(u8(pats->elementAt(i)), p)) return fail("pattern " + u8(pats->elementAt(i))) >= 0;
        s.patterns.push_back(std::move(p));
      }
    }
    if ((defined & x::XSSimpleTypeDefinition::FACET_ENUMERATION) != 0 && s.enumeration.empty()) {
      // The most derived enumeration is a subset of its bases' ones, so it alone decides.
      x::StringList* e = t->getLexicalEnumeration();
      for (XMLSize_t i = 0; e != nullptr && i < e->size(); ++i) s.enumeration.push_back(u8(e->elementAt(i)));
      if (s.enumeration.empty()) return fail("an empty enumeration") >= 0;
    }
    return true;
  }

  grammar& g_;
  std::string ws_;  // whiteSpace of the simple type being compiled
  std::map<const void*, int> elems_, complex_, simple_;
};

}  // namespace

int grammar::global(std::string_view local) const {
  for (const int e : globals) {
    if (elements[static_cast<std::size_t>(e)].local == local) return e;
  }
  return -1;
}

result<std::shared_ptr<const grammar>> compile(x::XSModel& model, std::string_view ns) {
  auto g = std::make_shared<grammar>();
  g->target_ns = std::string(ns);
  compiler c(*g);
  try {
    x::XSNamedMap<x::XSObject>* elems = model.getComponents(x::XSConstants::ELEMENT_DECLARATION);
    for (XMLSize_t i = 0; elems != nullptr && i < elems->getLength(); ++i) {
      auto* e = static_cast<x::XSElementDeclaration*>(elems->item(i));
      if (e->getSubstitutionGroupAffiliation() != nullptr)
        return jubes::fail(errc::schema_load_failed, "substitution groups");
      if (u8(e->getNamespace()) != ns) continue;
      const int idx = c.element(e);
      if (idx < 0) return jubes::fail(errc::schema_load_failed, c.why);
      g->globals.push_back(idx);
    }
  } catch (const std::exception& e) {
    return jubes::fail(errc::schema_load_failed, std::string("compile: ") + e.what());
  }
  if (g->globals.empty()) return jubes::fail(errc::schema_load_failed, "no global element in the namespace");
  if (ns == jubes_namespace) {
    for (element& e : g->elements) {
      if (e.local == "bsn") e.sem = semantic::bsn;
      if (e.local == "gemeentecode") e.sem = semantic::gemeentecode;
      if (e.local == "begindatum") e.sem = semantic::begindatum;
      if (e.local == "geplandEinddatum" || e.local == "feitelijkeEinddatum" || e.local == "einddatum")
        e.sem = semantic::einddatum;
    }
  }
  return std::shared_ptr<const grammar>(std::move(g));
}

}  // namespace jubes::codecs::compiled
