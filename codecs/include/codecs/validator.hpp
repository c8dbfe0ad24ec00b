// SPDX-License-Identifier: EUPL-1.2
#pragma once
// One-pass validation and extraction: for schema sets that compiled, a scanner driven by tables compiled from the
// schemas (accepts only what it is sure of); otherwise, and for every document it does not accept, a xerces SAX2
// parse validating against the catalog's locked grammar pools. Either collects the stuurgegevens (envelope), the
// configured body fields and runs the semantic checks of the jubes family. No DOM is built. docs/codecs.md.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "codecs/catalog.hpp"
#include "codecs/errc.hpp"
#include "common/bsn.hpp"

namespace jubes::codecs {

/// Where and why the input is at fault. line/column are 1-based (0: unknown, e.g. too_large).
struct fault {
  errc code = errc::internal;
  std::string text;  ///< one line, English, names the cause (never contains body data beyond names)
  std::uint64_t line = 0;
  std::uint64_t column = 0;
  std::string element_path;  ///< "/root/child/..." of local names; empty if not inside an element
};

/// Hostile-input limits, each a clear error when exceeded.
struct limits {
  std::size_t max_bytes = 12 * 1024 * 1024;       ///< whole body (plans carry base64 up to 8 MiB)
  std::size_t max_depth = 64;                     ///< element nesting
  std::size_t max_attributes = 64;                ///< per element (xmlns declarations not counted)
  std::size_t max_text_bytes = 12 * 1024 * 1024;  ///< one text node (between two tags)
  /// Use the validator compiled from the schemas for the sets that compiled (docs/codecs.md). false: xerces
  /// for every document (tests and benchmarks compare the two). Verdicts and fault codes are the same either way.
  bool compiled = true;
};

/// Which engine decided the last parse (for tests, benchmarks and metrics).
enum class engine { xerces, compiled };

/// The body field paths to extract, e.g. {"persoon/bsn", "persoon/brpAdressen/adres/gemeentecode"}: local names
/// relative to the root joined by '/'. Immutable after construction; build once per routing table and share
/// (const use is thread-safe). Paths are matched on local names, regardless of namespace.
class field_set {
 public:
  field_set() : field_set(std::vector<std::string>{}) {}
  /// @param paths the paths; index i of parsed::fields corresponds to paths[i]. Empty segments are ignored.
  explicit field_set(std::vector<std::string> paths);
  ~field_set();
  field_set(field_set&&) noexcept;
  field_set& operator=(field_set&&) noexcept;

  const std::vector<std::string>& paths() const { return paths_; }
  /// @return the index of `path`, or -1 if it is not in the set.
  int index_of(std::string_view path) const;

  struct trie;  // private (codecs/src)
  const trie& compiled() const { return *trie_; }

 private:
  std::vector<std::string> paths_;
  std::unique_ptr<trie> trie_;
};

/// The stuurgegevens and identity of one message. Strings are UTF-8, trimmed of XML whitespace;
/// empty when absent.
struct envelope {
  std::string message_type;  ///< root local name, e.g. "piBeeindiging", "zakLk01"
  std::string ns;            ///< root namespace URI
  std::string schema_set;    ///< name of the schema set that validated it
  std::string berichtcode;
  std::string zender_organisatie, zender_applicatie, zender_administratie, zender_gebruiker;
  std::string ontvanger_organisatie, ontvanger_applicatie, ontvanger_administratie, ontvanger_gebruiker;
  std::string referentienummer;
  std::string tijdstip_bericht;
  std::string cross_refnummer;
};

/// Result of a successful parse. `fields[i]` = the values of field_set path i, in document order.
struct parsed {
  envelope env;
  std::vector<std::vector<std::string>> fields;
  void clear();
};

/// Checks beyond the XSD that need data the codec does not own.
struct semantic_options {
  /// Does this 4-digit gemeentecode exist (today or as an old code of a merged municipality)? Injected by the
  /// gateway from routing's municipality table. Empty function: the check is skipped. Called on the parsing
  /// thread; must be thread-safe if validators on several threads share it.
  std::function<bool(std::string_view)> gemeentecode_exists;
};

/// Validates and extracts, one document at a time.
/// Lifecycle: create one per thread and reuse it for many documents (parsers are created lazily per schema set
/// and kept). Keeps the catalog alive. Threading: NOT thread-safe; never share one validator between threads.
class validator {
 public:
  validator(std::shared_ptr<const schema_catalog> catalog, limits lim = {}, semantic_options sem = {});
  ~validator();
  validator(const validator&) = delete;
  validator& operator=(const validator&) = delete;

  /// Validates `body` (any XML-allowed encoding: UTF-8 with/without BOM, UTF-16 with BOM, ISO-8859-1 declared)
  /// and extracts the envelope and `fields`, in one pass. Stops at the first fault. Never throws.
  /// Semantic checks (jubes namespace only): persoon/bsn eleven-test, geplandEinddatum/feitelijkeEinddatum/
  /// einddatum not before the sibling begindatum, every gemeentecode exists.
  /// @param body the raw request body
  /// @param fields the paths to extract
  /// @param out filled on success (cleared first; capacity reused)
  /// @param err filled on failure
  /// @return true if the document is valid
  bool parse(std::string_view body, const field_set& fields, parsed& out, fault& err);

  /// Convenience: parse without extracting body fields.
  bool parse(std::string_view body, parsed& out, fault& err);

  const limits& get_limits() const { return limits_; }

  /// The engine that gave the last parse's verdict: `compiled` only when the compiled validator accepted the
  /// document; every refusal (and anything it does not handle) is decided by xerces.
  engine last_engine() const;

  struct impl;  // private (codecs/src)

 private:
  std::shared_ptr<const schema_catalog> catalog_;
  limits limits_;
  semantic_options sem_;
  std::unique_ptr<impl> impl_;
};

/// The BSN eleven-test lives in common (one implementation for the codec and the load tool).
using jubes::bsn_eleven_test;

}  // namespace jubes::codecs
