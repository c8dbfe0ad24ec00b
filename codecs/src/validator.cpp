// SPDX-License-Identifier: EUPL-1.2
#include "codecs/validator.hpp"

#include <array>
#include <string>
#include <xercesc/framework/MemBufInputSource.hpp>
#include <xercesc/framework/XMLGrammarPool.hpp>
#include <xercesc/parsers/SAX2XMLReaderImpl.hpp>
#include <xercesc/sax/Locator.hpp>
#include <xercesc/sax/SAXParseException.hpp>
#include <xercesc/sax2/Attributes.hpp>
#include <xercesc/sax2/DefaultHandler.hpp>
#include <xercesc/sax2/SAX2XMLReader.hpp>
#include <xercesc/util/OutOfMemoryException.hpp>
#include <xercesc/util/PlatformUtils.hpp>
#include <xercesc/util/SecurityManager.hpp>
#include <xercesc/util/XMLEntityResolver.hpp>
#include <xercesc/util/XMLUni.hpp>
#include <xercesc/validators/schema/SchemaSymbols.hpp>

#include "codecs/xml_text.hpp"
#include "compiled/scanner.hpp"
#include "field_trie.hpp"
#include "prescan.hpp"
#include "schema_set.hpp"
#include "text.hpp"

namespace jubes::codecs {

namespace x = xercesc;

namespace {

constexpr char16_t jubes_ns_u16[] = u"http://www.justid.nl/jubes/detentie/0100";

bool equals(const char16_t* a, const char16_t* b) {
  if (a == nullptr || b == nullptr) return a == b;
  while (*a != 0 && *a == *b) {
    ++a;
    ++b;
  }
  return *a == *b;
}

// The semantic checks of the jubes family, by element local name (jubes namespace only).
enum class semantic : unsigned char { none, bsn, gemeentecode, begindatum, einddatum };

semantic classify(const char16_t* local) {
  switch (local[0]) {
    case u'b':
      if (equals(local, u"bsn")) return semantic::bsn;
      if (equals(local, u"begindatum")) return semantic::begindatum;
      break;
    case u'g':
      if (equals(local, u"gemeentecode")) return semantic::gemeentecode;
      if (equals(local, u"geplandEinddatum")) return semantic::einddatum;
      break;
    case u'f':
      if (equals(local, u"feitelijkeEinddatum")) return semantic::einddatum;
      break;
    case u'e':
      if (equals(local, u"einddatum")) return semantic::einddatum;
      break;
    default:
      break;
  }
  return semantic::none;
}

// xs:date "YYYY-MM-DD" (optionally with a zone). @return true and the 10-character day if it has that shape.
bool date_key(std::string_view v, std::array<char, 10>& out) {
  if (v.size() < 10 || v[4] != '-' || v[7] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (v[i] < '0' || v[i] > '9') return false;
  }
  for (std::size_t i = 0; i < 10; ++i) out[i] = v[i];
  return true;
}

fault make_fault(errc code, std::string text, std::uint64_t line = 0, std::uint64_t column = 0) {
  fault f;
  f.code = code;
  f.text = std::move(text);
  f.line = line;
  f.column = column;
  return f;
}

// Accepted means deliverable (issue 12, invariant 1): the outbox batch must be able to embed the message element.
// Cannot fail for a document xerces accepted, unless the two disagree on its bytes; then it is refused here.
bool deliverable(std::string_view body, fault& err) {
  auto r = check_embeddable(body);
  if (r) return true;
  err = make_fault(static_cast<errc>(r.error().code.value()),
                   "the message cannot be delivered as it was sent: " + r.error().detail);
  return false;
}

// Thrown by the handler to stop the scan at the first fault; caught in validator::parse only.
struct stop_parse {};

// The SAX handler of one validator: validation errors, limits, DTD refusal, extraction and semantic checks.
class handler final : public x::DefaultHandler, public x::XMLEntityResolver {
 public:
  void begin(const field_set::trie* trie, parsed* out, const limits* lim, const semantic_options* sem) {
    trie_ = trie;
    out_ = out;
    lim_ = lim;
    sem_ = sem;
    failed_ = false;
    fault_ = fault{};
    locator_ = nullptr;
    depth_ = 0;
    jubes_ = false;
    node_stack_.clear();
    names_.clear();
    caps_.clear();
    text_.clear();
    text_units_ = 0;
    last_uri_ = nullptr;
    last_uri_jubes_ = false;
  }
  bool failed() const { return failed_; }
  // false while only explaining a refusal (syntax errors first): the hint check is part of validation.
  void refuse_hints(bool on) { hints_refused_ = on; }
  fault& get_fault() { return fault_; }

  // Records the first fault and stops the scan.
  [[noreturn]] void fail(errc code, std::string text, std::uint64_t line = 0, std::uint64_t column = 0) {
    if (!failed_) {
      failed_ = true;
      fault_.code = code;
      fault_.text = std::move(text);
      if (line == 0 && locator_ != nullptr) {
        line = locator_->getLineNumber();
        column = locator_->getColumnNumber();
      }
      fault_.line = line;
      fault_.column = column;
      fault_.element_path.clear();
      for (const XMLCh* n : names_) {
        fault_.element_path.push_back('/');
        detail::append_utf8(fault_.element_path, std::u16string_view(n));
      }
    }
    throw stop_parse{};
  }

  // --- ContentHandler
  void setDocumentLocator(const x::Locator* const locator) override { locator_ = locator; }

  void startElement(const XMLCh* const uri, const XMLCh* const localname, const XMLCh* const,
                    const x::Attributes& attrs) override {
    ++depth_;
    names_.push_back(localname);
    if (depth_ > lim_->max_depth) {
      fail(errc::too_deep, "elements are nested deeper than " + std::to_string(lim_->max_depth) + " levels");
    }
    if (attrs.getLength() > lim_->max_attributes) {
      fail(errc::too_many_attributes, "an element has " + std::to_string(attrs.getLength()) +
                                          " attributes, more than the limit of " +
                                          std::to_string(lim_->max_attributes));
    }
    if (hints_refused_ && attrs.getLength() > 0) refuse_schema_hints(attrs);
    text_units_ = 0;
    int node = -1;
    if (depth_ == 1) {
      node = 0;
      out_->env.message_type.clear();
      detail::append_utf8(out_->env.message_type, std::u16string_view(localname));
      out_->env.ns.clear();
      if (uri != nullptr) detail::append_utf8(out_->env.ns, std::u16string_view(uri));
      jubes_ = is_jubes(uri);
    } else {
      const int parent = node_stack_.back();
      node = parent >= 0 ? trie_->child(parent, localname) : -1;
    }
    node_stack_.push_back(node);
    if (begin_.size() <= depth_) begin_.resize(depth_ + 1);
    begin_[depth_].set = false;

    semantic sem = semantic::none;
    if (jubes_ && is_jubes(uri)) sem = classify(localname);
    bool want = sem != semantic::none;
    if (node > 0) {
      const auto& n = trie_->nodes[static_cast<std::size_t>(node)];
      want = want || n.slot != env_slot::none || !n.fields.empty();
    }
    if (want) {
      capture c;
      c.depth = depth_;
      c.node = node;
      c.sem = sem;
      c.offset = text_.size();
      c.line = locator_ != nullptr ? locator_->getLineNumber() : 0;
      c.column = locator_ != nullptr ? locator_->getColumnNumber() : 0;
      caps_.push_back(c);
    }
  }

  void endElement(const XMLCh* const, const XMLCh* const localname, const XMLCh* const) override {
    if (!caps_.empty() && caps_.back().depth == depth_) finish(caps_.back(), localname);
    node_stack_.pop_back();
    names_.pop_back();
    --depth_;
    text_units_ = 0;
  }

  void characters(const XMLCh* const chars, const XMLSize_t length) override {
    text_units_ += length;
    if (text_units_ > lim_->max_text_bytes) {
      fail(errc::text_too_large,
           "a text node is larger than the limit of " + std::to_string(lim_->max_text_bytes) + " characters");
    }
    if (!caps_.empty() && caps_.back().depth == depth_) text_.append(chars, length);
  }
  // ignorableWhitespace (between elements of element-only content) is not counted: it cannot hold data, the
  // body limit bounds it, and the extra call per whitespace run cost ~1% of a notice's parse.

  // --- LexicalHandler: Debian's xerces 3.2.4 has no "disallow doctype" switch, so refuse it here.
  void startDTD(const XMLCh* const, const XMLCh* const, const XMLCh* const) override {
    fail(errc::dtd_forbidden, "a DOCTYPE (DTD) is not allowed");
  }

  // --- ErrorHandler: keep the first error with its line and column.
  void warning(const x::SAXParseException&) override {}
  void error(const x::SAXParseException& e) override {
    fail(errc::schema_invalid, detail::to_utf8(e.getMessage()), e.getLineNumber(), e.getColumnNumber());
  }
  void fatalError(const x::SAXParseException& e) override {
    fail(errc::not_well_formed, detail::to_utf8(e.getMessage()), e.getLineNumber(), e.getColumnNumber());
  }

  // --- Entity resolution: nothing is ever fetched while parsing (no file, no network).
  x::InputSource* resolveEntity(const XMLCh* const, const XMLCh* const systemId) override {
    fail(errc::dtd_forbidden, "external resource \"" + detail::to_utf8(systemId) + "\" refused");
  }
  x::InputSource* resolveEntity(x::XMLResourceIdentifier* ri) override {
    fail(errc::dtd_forbidden, "external resource \"" + detail::to_utf8(ri->getSystemId()) + "\" refused");
  }

 private:
  struct capture {
    std::size_t depth = 0;
    int node = -1;
    semantic sem = semantic::none;
    std::size_t offset = 0;
    std::uint64_t line = 0, column = 0;
  };
  struct begin_slot {
    bool set = false;
    std::array<char, 10> day{};
  };

  // xsi:schemaLocation and xsi:noNamespaceSchemaLocation are refused (docs/api.md, "What the batch carries"): we
  // never follow them, but a recipient's parser might (fetch a URL, validate against the source's schema
  // instead of its own), and the message is delivered as sent.
  void refuse_schema_hints(const x::Attributes& attrs) {
    for (XMLSize_t i = 0; i < attrs.getLength(); ++i) {
      if (!equals(attrs.getURI(i), x::SchemaSymbols::fgURI_XSI)) continue;
      const XMLCh* local = attrs.getLocalName(i);
      if (equals(local, x::SchemaSymbols::fgXSI_SCHEMALOCATION) ||
          equals(local, x::SchemaSymbols::fgXSI_NONAMESPACESCHEMALOCATION)) {
        fail(errc::schema_invalid, "xsi:" + detail::to_utf8(local) +
                                       " is not accepted: a recipient's parser could follow the hint "
                                       "(send the message without it)");
      }
    }
  }

  // xerces hands out namespace URIs from its URI pool, one pointer per URI for the whole parse; comparing the
  // pointer first avoids a 40-character comparison per element (it was most of this handler's cost).
  bool is_jubes(const XMLCh* uri) {
    if (uri != last_uri_) {
      last_uri_ = uri;
      last_uri_jubes_ = equals(uri, jubes_ns_u16);
    }
    return last_uri_jubes_;
  }

  void finish(const capture c, const XMLCh* localname) {
    value_.clear();
    detail::append_utf8(value_, detail::trim(std::u16string_view(text_).substr(c.offset)));
    text_.resize(c.offset);
    caps_.pop_back();
    if (c.node > 0) {
      const auto& n = trie_->nodes[static_cast<std::size_t>(c.node)];
      if (n.slot != env_slot::none) {
        std::string* f = env_field(out_->env, n.slot);
        if (f != nullptr && f->empty()) *f = value_;
      }
      for (const int i : n.fields) out_->fields[static_cast<std::size_t>(i)].push_back(value_);
    }
    switch (c.sem) {
      case semantic::none:
        break;
      case semantic::bsn:
        if (!bsn_eleven_test(value_))
          fail(errc::semantic_invalid, "BSN fails the eleven-test (elfproef)", c.line, c.column);
        break;
      case semantic::gemeentecode:
        if (sem_->gemeentecode_exists && !sem_->gemeentecode_exists(value_)) {
          fail(errc::semantic_invalid, "gemeentecode " + value_.substr(0, 8) + " does not exist", c.line, c.column);
        }
        break;
      case semantic::begindatum: {
        begin_slot& parent = begin_[depth_ - 1];
        parent.set = date_key(value_, parent.day);
        break;
      }
      case semantic::einddatum: {
        const begin_slot& parent = begin_[depth_ - 1];
        std::array<char, 10> end{};
        if (parent.set && date_key(value_, end) && end < parent.day) {
          fail(errc::semantic_invalid,
               detail::to_utf8(localname) + " " + std::string(end.data(), 10) + " is before begindatum " +
                   std::string(parent.day.data(), 10),
               c.line, c.column);
        }
        break;
      }
    }
  }

  const field_set::trie* trie_ = nullptr;
  parsed* out_ = nullptr;
  const limits* lim_ = nullptr;
  const semantic_options* sem_ = nullptr;
  const x::Locator* locator_ = nullptr;
  bool failed_ = false;
  bool hints_refused_ = true;
  fault fault_;
  std::size_t depth_ = 0;
  bool jubes_ = false;
  const XMLCh* last_uri_ = nullptr;
  bool last_uri_jubes_ = false;
  std::vector<int> node_stack_;
  // The local names of the open elements. xerces passes the element declaration's name, which lives in the
  // grammar (or the scanner's pool of undeclared elements) at least until the parse ends; copying each name
  // measurably slowed the hot path, and the names are only needed to describe a fault.
  std::vector<const XMLCh*> names_;
  std::vector<capture> caps_;
  std::u16string text_;
  std::size_t text_units_ = 0;
  std::string value_;
  std::vector<begin_slot> begin_;
};

}  // namespace

struct validator::impl {
  x::SecurityManager security;  // must outlive the parsers that point at it
  handler h;
  std::vector<std::unique_ptr<x::SAX2XMLReaderImpl>> parsers;  // one per schema set, created on first use
  std::unique_ptr<x::SAX2XMLReaderImpl> wf_parser;             // non-validating, to report syntax errors precisely
  detail::prescan_result pre;
  compiled::scanner fast;
  engine last = engine::xerces;
  std::string scratch;
  std::string key;
  field_set no_fields;

  std::unique_ptr<x::SAX2XMLReaderImpl> make_parser(x::XMLGrammarPool* pool) {
    auto p = std::make_unique<x::SAX2XMLReaderImpl>(x::XMLPlatformUtils::fgMemoryManager, pool);
    const bool validate = pool != nullptr;
    p->setFeature(x::XMLUni::fgSAX2CoreNameSpaces, true);
    p->setFeature(x::XMLUni::fgSAX2CoreNameSpacePrefixes, false);
    p->setFeature(x::XMLUni::fgSAX2CoreValidation, validate);
    p->setFeature(x::XMLUni::fgXercesDynamic, false);  // Val_Always: a root no grammar declares is an error
    p->setFeature(x::XMLUni::fgXercesSchema, validate);
    p->setFeature(x::XMLUni::fgXercesSchemaFullChecking, false);  // done once when the pool was loaded
    p->setFeature(x::XMLUni::fgXercesUseCachedGrammarInParse, validate);
    p->setFeature(x::XMLUni::fgXercesCacheGrammarFromParse, false);
    p->setFeature(x::XMLUni::fgXercesLoadSchema, false);  // never follow xsi:schemaLocation hints
    p->setFeature(x::XMLUni::fgXercesLoadExternalDTD, false);
    p->setFeature(x::XMLUni::fgXercesSkipDTDValidation, true);
    p->setFeature(x::XMLUni::fgXercesDisableDefaultEntityResolution, true);
    p->setFeature(x::XMLUni::fgXercesIgnoreAnnotations, true);
    p->setFeature(x::XMLUni::fgXercesIdentityConstraintChecking, true);
    p->setProperty(x::XMLUni::fgXercesSecurityManager, &security);
    if (validate) {
      // The schema-only scanner: ~3% fewer instructions per 2 KiB notice than the default IGXMLScanner (callgrind),
      // and DTDs never reach it (the prescan refuses a DOCTYPE before the root; the syntax-check parser keeps the
      // default scanner and refuses it in startDTD).
      p->setProperty(x::XMLUni::fgXercesScannerName, const_cast<XMLCh*>(x::XMLUni::fgSGXMLScanner));
    }
    p->setContentHandler(&h);
    p->setErrorHandler(&h);
    p->setLexicalHandler(&h);
    p->setEntityResolver(&h);
    p->setXMLEntityResolver(&h);
    return p;
  }

  // Runs one scan. @return true if it ended without a fault.
  bool run(x::SAX2XMLReaderImpl& p, std::string_view body, std::unique_ptr<x::SAX2XMLReaderImpl>& owner, fault& err) {
    static const XMLCh buffer_id[] = u"body";
    x::MemBufInputSource src(reinterpret_cast<const XMLByte*>(body.data()), body.size(), buffer_id, false);
    try {
      p.parse(src);
    } catch (const stop_parse&) {
    } catch (const x::OutOfMemoryException&) {
      owner.reset();  // the parser's state is undefined after this
      err = make_fault(errc::internal, "out of memory while parsing");
      return false;
    } catch (const x::XMLException& e) {
      if (!h.failed()) {
        err = make_fault(errc::not_well_formed, detail::to_utf8(e.getMessage()));
        return false;
      }
    } catch (const x::SAXException& e) {
      if (!h.failed()) {
        err = make_fault(errc::not_well_formed, detail::to_utf8(e.getMessage()));
        return false;
      }
    } catch (const std::exception& e) {
      // e.g. std::bad_alloc, or an exception from the injected gemeentecode function
      owner.reset();
      err = make_fault(errc::internal, std::string("parse failed: ") + e.what());
      return false;
    } catch (...) {
      owner.reset();
      err = make_fault(errc::internal, "parse failed with an unknown exception");
      return false;
    }
    if (h.failed()) {
      err = std::move(h.get_fault());
      return false;
    }
    return true;
  }

  // The error path for a document whose root we could not place: a syntax error (with its position) takes
  // precedence over "unknown root".
  void explain(std::string_view body, const limits& lim, const semantic_options& sem, parsed& out, fault& err,
               fault unknown) {
    if (!wf_parser) wf_parser = make_parser(nullptr);
    h.begin(&no_fields.compiled(), &out, &lim, &sem);
    h.refuse_hints(false);
    const bool ok = run(*wf_parser, body, wf_parser, err);
    h.refuse_hints(true);
    if (!ok) return;
    err = std::move(unknown);
  }
};

validator::validator(std::shared_ptr<const schema_catalog> catalog, limits lim, semantic_options sem)
    : catalog_(std::move(catalog)), limits_(lim), sem_(std::move(sem)), impl_(std::make_unique<impl>()) {
  impl_->security.setEntityExpansionLimit(16);
  impl_->parsers.resize(catalog_ ? catalog_->sets().size() : 0);
}

validator::~validator() {
  // Parsers before the security manager and the handler they point at (member order does that); explicit for
  // clarity because the catalog (grammar pools) must outlive the parsers too.
  if (impl_) {
    impl_->parsers.clear();
    impl_->wf_parser.reset();
  }
}

engine validator::last_engine() const {
  return impl_->last;
}

bool validator::parse(std::string_view body, parsed& out, fault& err) {
  return parse(body, impl_->no_fields, out, err);
}

bool validator::parse(std::string_view body, const field_set& fields, parsed& out, fault& err) {
  out.clear();
  out.fields.resize(fields.paths().size());
  err = fault{};
  if (body.size() > limits_.max_bytes) {
    err = make_fault(errc::too_large, "document of " + std::to_string(body.size()) + " bytes exceeds the limit of " +
                                          std::to_string(limits_.max_bytes) + " bytes");
    return false;
  }
  if (body.empty()) {
    err = make_fault(errc::not_well_formed, "empty document");
    return false;
  }
  if (!catalog_) {
    err = make_fault(errc::internal, "validator has no schema catalog");
    return false;
  }
  impl& m = *impl_;
  m.last = engine::xerces;
  detail::prescan(body, m.scratch, m.pre);
  if (m.pre.st == detail::prescan_result::status::fault) {
    err = make_fault(m.pre.code, m.pre.text, m.pre.line, m.pre.column);
    return false;
  }
  if (m.pre.st == detail::prescan_result::status::undetermined) {
    m.explain(body, limits_, sem_, out, err, make_fault(errc::unknown_root, "no root element found"));
    return false;
  }
  const auto& sets = catalog_->sets();
  std::size_t chosen = sets.size();
  for (std::size_t i = 0; i < sets.size(); ++i) {
    if (sets[i]->accepts(m.pre.root_ns, m.pre.root_local)) {
      chosen = i;
      break;
    }
  }
  auto root_name = [&m] { return "{" + m.pre.root_ns + "}" + m.pre.root_local; };
  if (chosen == sets.size()) {
    m.explain(body, limits_, sem_, out, err,
              make_fault(errc::unknown_root, "no schema set accepts root element " + root_name(), 1, 1));
    return false;
  }
  const schema_set& set = *sets[chosen];
  m.key = schema_set::key(m.pre.root_ns, m.pre.root_local);
  if (!set.declares(m.key)) {
    m.explain(
        body, limits_, sem_, out, err,
        make_fault(errc::unknown_root,
                   "root element " + root_name() + " is not declared by schema set \"" + set.config.name + "\"", 1, 1));
    return false;
  }
  if (limits_.compiled && set.fast && m.pre.family == detail::encoding_family::utf8) {
    bool ok = false;
    try {
      ok = m.fast.run(*set.fast, body, m.pre.root_local, fields.compiled(), out, limits_, sem_);
    } catch (...) {
      ok = false;  // e.g. the injected gemeentecode lookup threw: xerces' pass reports it as errc::internal
    }
    if (ok) {
      out.env.schema_set = set.config.name;
      m.last = engine::compiled;
      return deliverable(body, err);
    }
    // Not sure or invalid: xerces decides and describes the fault (code, line, column, element path).
    out.clear();
    out.fields.resize(fields.paths().size());
  }
  auto& parser = m.parsers[chosen];
  try {
    if (!parser) parser = m.make_parser(set.pool.get());
  } catch (...) {
    err = make_fault(errc::internal, "could not create a parser");
    return false;
  }
  m.h.begin(&fields.compiled(), &out, &limits_, &sem_);
  if (!m.run(*parser, body, parser, err)) return false;
  out.env.schema_set = set.config.name;
  return deliverable(body, err);
}

}  // namespace jubes::codecs
