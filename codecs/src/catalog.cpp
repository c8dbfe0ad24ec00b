// SPDX-License-Identifier: EUPL-1.2
#include "codecs/catalog.hpp"

#include <algorithm>
#include <string>
#include <xercesc/framework/MemBufInputSource.hpp>
#include <xercesc/framework/XMLGrammarPoolImpl.hpp>
#include <xercesc/framework/psvi/XSComplexTypeDefinition.hpp>
#include <xercesc/framework/psvi/XSElementDeclaration.hpp>
#include <xercesc/framework/psvi/XSModel.hpp>
#include <xercesc/framework/psvi/XSModelGroup.hpp>
#include <xercesc/framework/psvi/XSNamedMap.hpp>
#include <xercesc/framework/psvi/XSParticle.hpp>
#include <xercesc/parsers/SAX2XMLReaderImpl.hpp>
#include <xercesc/sax2/DefaultHandler.hpp>
#include <xercesc/sax2/SAX2XMLReader.hpp>
#include <xercesc/util/OutOfMemoryException.hpp>
#include <xercesc/util/PlatformUtils.hpp>
#include <xercesc/util/XMLEntityResolver.hpp>
#include <xercesc/util/XMLResourceIdentifier.hpp>
#include <xercesc/util/XMLUni.hpp>
#include <xercesc/validators/common/Grammar.hpp>

#include "codecs/replies.hpp"
#include "common/log.hpp"
#include "schema_set.hpp"
#include "text.hpp"

namespace jubes::codecs {

namespace x = xercesc;

xerces_guard::xerces_guard() {
  x::XMLPlatformUtils::Initialize();
}
xerces_guard::~xerces_guard() {
  x::XMLPlatformUtils::Terminate();
}

const std::vector<std::string>& jubes_message_types() {
  static const std::vector<std::string> types(jubes_message_type_names.begin(), jubes_message_type_names.end());
  return types;
}

schema_set_config jubes_schema_set(const std::filesystem::path& schema_dir) {
  schema_set_config c;
  c.name = "jubes";
  c.entry_points = {schema_dir / "jubes0100.xsd"};
  c.handle_multiple_imports = true;
  for (const auto& t : jubes_message_types()) c.roots.emplace_back(std::string(jubes_namespace), t);
  return c;
}

schema_set_config replies_schema_set(const std::filesystem::path& schema_dir) {
  schema_set_config c;
  c.name = "jubes-replies";
  c.entry_points = {schema_dir / "replies.xsd"};
  c.roots = {{std::string(jubes_namespace), "Bv03Bericht"}, {std::string(jubes_namespace), "Fo03Bericht"}};
  return c;
}

schema_set_config outbox_schema_set(const std::filesystem::path& schema_dir) {
  const std::string ns(outbox_namespace);
  schema_set_config c;
  c.name = "jubes-outbox";
  c.entry_points = {schema_dir / "outbox.xsd"};
  c.roots = {{ns, "outbox"}, {ns, "ack"}, {ns, "forward"}};
  return c;
}

schema_set_config adhoc_schema_set(std::vector<std::filesystem::path> entry_points) {
  schema_set_config c;
  c.name = "adhoc";
  c.entry_points = std::move(entry_points);
  c.handle_multiple_imports = true;
  c.roots = {{"*", "*"}};
  return c;
}

namespace {

// Records the first schema error (file, line, column, message). Loading continues so that xerces can clean up;
// any recorded error fails the load.
class load_handler final : public x::DefaultHandler, public x::XMLEntityResolver {
 public:
  std::string first_error;

  void warning(const x::SAXParseException&) override {}
  void error(const x::SAXParseException& e) override { record(e); }
  void fatalError(const x::SAXParseException& e) override { record(e); }

  // Schemas may import and include files, never fetch from the network.
  using x::DefaultHandler::resolveEntity;
  x::InputSource* resolveEntity(x::XMLResourceIdentifier* ri) override {
    const std::string sys = detail::to_utf8(ri->getSystemId());
    const auto colon = sys.find(':');
    const auto slash = sys.find('/');
    const bool has_scheme = colon != std::string::npos && colon > 1 && (slash == std::string::npos || colon < slash);
    if (has_scheme && sys.rfind("file:", 0) != 0) {
      if (first_error.empty()) first_error = "refused to fetch \"" + sys + "\": schemas must be local files";
      static const XMLByte empty[] = "";
      return new x::MemBufInputSource(empty, 0, "refused", false);
    }
    return nullptr;  // default resolution relative to the including schema
  }

 private:
  void record(const x::SAXParseException& e) {
    if (!first_error.empty()) return;
    first_error = detail::to_utf8(e.getSystemId()) + ":" + std::to_string(e.getLineNumber()) + ":" +
                  std::to_string(e.getColumnNumber()) + ": " + detail::to_utf8(e.getMessage());
  }
};

std::string name_of(const x::XSObject* o) {
  return detail::to_utf8(o->getName());
}

bool walk_element(x::XSElementDeclaration* e, const std::vector<std::string_view>& segs, std::size_t i);

bool walk_particle(x::XSParticle* p, const std::vector<std::string_view>& segs, std::size_t i) {
  if (p == nullptr || (p->getMaxOccurs() == 0 && !p->getMaxOccursUnbounded())) return false;
  switch (p->getTermType()) {
    case x::XSParticle::TERM_ELEMENT: {
      x::XSElementDeclaration* c = p->getElementTerm();
      return c != nullptr && name_of(c) == segs[i] && walk_element(c, segs, i + 1);
    }
    case x::XSParticle::TERM_MODELGROUP: {
      x::XSModelGroup* g = p->getModelGroupTerm();
      x::XSParticleList* list = g != nullptr ? g->getParticles() : nullptr;
      if (list == nullptr) return false;
      for (XMLSize_t k = 0; k < list->size(); ++k) {
        if (walk_particle(list->elementAt(k), segs, i)) return true;
      }
      return false;
    }
    case x::XSParticle::TERM_WILDCARD:
      return true;  // xs:any: any element may appear here
    default:
      return false;
  }
}

bool walk_element(x::XSElementDeclaration* e, const std::vector<std::string_view>& segs, std::size_t i) {
  if (i == segs.size()) return true;
  x::XSTypeDefinition* t = e->getTypeDefinition();
  if (t == nullptr || t->getTypeCategory() != x::XSTypeDefinition::COMPLEX_TYPE) return false;
  return walk_particle(static_cast<x::XSComplexTypeDefinition*>(t)->getParticle(), segs, i);
}

}  // namespace

namespace {

// The compiled validator for a set whose roots are all in one namespace; anything it cannot compile keeps the
// set on xerces (the real StUF sets do: attributes, choices, xs:any). Logged once per set at load.
void compile_fast(schema_set& set, x::XSModel& model) {
  std::string ns;
  for (const auto& [rns, rname] : set.config.roots) {
    if (rns == "*" || (!ns.empty() && rns != ns)) {
      ns.clear();
      break;
    }
    ns = rns;
  }
  if (ns.empty()) {
    set.fast_status = "roots are not all in one namespace";
  } else if (auto g = compiled::compile(model, ns)) {
    set.fast = *g;
    set.fast_status = "compiled";
  } else {
    set.fast_status = g.error().message();
  }
  if (set.fast) {
    jubes::log::info("codecs", "schema_set_compiled", {{"set", set.config.name}});
  } else {
    jubes::log::info("codecs", "schema_set_uses_xerces", {{"set", set.config.name}, {"reason", set.fast_status}});
  }
}

}  // namespace

std::string schema_catalog::compiled_status(std::string_view set_name) const {
  for (const auto& s : sets_) {
    if (s->config.name == set_name) return s->fast_status;
  }
  return {};
}

result<std::shared_ptr<const schema_catalog>> schema_catalog::load(const std::vector<schema_set_config>& sets) {
  if (sets.empty()) return jubes::fail(errc::schema_load_failed, "the schema catalog has no schema sets");
  std::shared_ptr<schema_catalog> cat(new schema_catalog());
  for (const auto& cfg : sets) {
    auto fail = [&](const std::string& why) {
      return jubes::fail(errc::schema_load_failed, "schema set \"" + cfg.name + "\": " + why);
    };
    if (cfg.entry_points.empty()) return fail("no entry point XSD");
    if (cfg.roots.empty()) return fail("no accepted root elements");
    auto set = std::make_unique<schema_set>();
    set->config = cfg;
    try {
      set->pool = std::make_unique<x::XMLGrammarPoolImpl>(x::XMLPlatformUtils::fgMemoryManager);
      load_handler handler;
      {
        auto reader = std::make_unique<x::SAX2XMLReaderImpl>(x::XMLPlatformUtils::fgMemoryManager, set->pool.get());
        reader->setFeature(x::XMLUni::fgSAX2CoreNameSpaces, true);
        reader->setFeature(x::XMLUni::fgSAX2CoreValidation, true);
        reader->setFeature(x::XMLUni::fgXercesSchema, true);
        reader->setFeature(x::XMLUni::fgXercesSchemaFullChecking, true);
        reader->setFeature(x::XMLUni::fgXercesHandleMultipleImports, cfg.handle_multiple_imports);
        reader->setFeature(x::XMLUni::fgXercesUseCachedGrammarInParse, true);
        reader->setFeature(x::XMLUni::fgXercesLoadExternalDTD, false);
        reader->setErrorHandler(&handler);
        reader->setXMLEntityResolver(&handler);
        for (const auto& path : cfg.entry_points) {
          std::error_code ec;
          if (!std::filesystem::is_regular_file(path, ec))
            return fail("entry point " + path.string() + " is not a file");
          const std::string abs = std::filesystem::absolute(path, ec).lexically_normal().string();
          x::Grammar* g = reader->loadGrammar(abs.c_str(), x::Grammar::SchemaGrammarType, true);
          if (!handler.first_error.empty()) return fail(handler.first_error);
          if (g == nullptr) return fail("entry point " + abs + " did not load");
        }
      }
      set->pool->lockPool();
      bool changed = false;
      x::XSModel* model = set->pool->getXSModel(changed);
      if (model == nullptr) return fail("no schema model after loading");
      x::XSNamedMap<x::XSObject>* elems = model->getComponents(x::XSConstants::ELEMENT_DECLARATION);
      for (XMLSize_t i = 0; elems != nullptr && i < elems->getLength(); ++i) {
        const x::XSObject* o = elems->item(i);
        set->globals.insert(schema_set::key(detail::to_utf8(o->getNamespace()), name_of(o)));
      }
      compile_fast(*set, *model);
    } catch (const x::OutOfMemoryException&) {
      return fail("out of memory");
    } catch (const x::XMLException& e) {
      return fail(detail::to_utf8(e.getMessage()));
    } catch (const x::SAXException& e) {
      return fail(detail::to_utf8(e.getMessage()));
    } catch (const std::exception& e) {
      return fail(e.what());
    }
    cat->sets_.push_back(std::move(set));
  }
  return std::shared_ptr<const schema_catalog>(std::move(cat));
}

schema_catalog::~schema_catalog() = default;

bool schema_catalog::knows_message_type(std::string_view message_type) const {
  for (const auto& s : sets_) {
    for (const auto& k : s->globals) {
      const auto sep = k.find('\x1f');
      if (std::string_view(k).substr(sep + 1) == message_type && s->accepts(k.substr(0, sep), message_type)) {
        return true;
      }
    }
  }
  return false;
}

bool schema_catalog::can_supply(std::string_view message_type, std::string_view path) const {
  std::vector<std::string_view> segs;
  for (std::size_t b = 0; b <= path.size();) {
    std::size_t e = path.find('/', b);
    if (e == std::string_view::npos) e = path.size();
    if (e > b) segs.push_back(path.substr(b, e - b));
    b = e + 1;
  }
  std::lock_guard lock(walk_mutex_);
  for (const auto& s : sets_) {
    bool changed = false;
    x::XSModel* model = s->pool->getXSModel(changed);  // locked pool: the model built by lockPool()
    if (model == nullptr) continue;
    x::XSNamedMap<x::XSObject>* elems = model->getComponents(x::XSConstants::ELEMENT_DECLARATION);
    for (XMLSize_t i = 0; elems != nullptr && i < elems->getLength(); ++i) {
      auto* e = static_cast<x::XSElementDeclaration*>(elems->item(i));
      if (name_of(e) != message_type || !s->accepts(detail::to_utf8(e->getNamespace()), message_type)) continue;
      return walk_element(e, segs, 0);  // the first set that accepts and declares the type decides
    }
  }
  return false;
}

std::vector<std::string> schema_catalog::message_types(std::string_view set_name) const {
  std::vector<std::string> out;
  for (const auto& s : sets_) {
    if (s->config.name != set_name) continue;
    for (const auto& k : s->globals) {
      const auto sep = k.find('\x1f');
      const std::string local = k.substr(sep + 1);
      if (s->accepts(k.substr(0, sep), local)) out.push_back(local);
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<std::string> schema_catalog::set_names() const {
  std::vector<std::string> names;
  for (const auto& s : sets_) names.push_back(s->config.name);
  return names;
}

}  // namespace jubes::codecs
