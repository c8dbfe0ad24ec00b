// SPDX-License-Identifier: EUPL-1.2
#pragma once
// The schema catalog: which XSDs validate which documents. Configuration, not code: each schema set names
// its entry-point XSDs and the (namespace, root element) pairs it accepts, so real StUF traffic can pass the
// gateway beside the jubes family. Each set has its own xerces grammar pool, because real StUF bundles
// (onderlaag patch 33 vs ZDS 1.2) define the same namespace differently and cannot share one pool.
#include <array>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "codecs/errc.hpp"
#include "common/result.hpp"

namespace jubes::codecs {

/// RAII guard for xerces-c's process-wide state: XMLPlatformUtils::Initialize() in the constructor,
/// Terminate() in the destructor. Create one in main() (and in each test binary) before any catalog or
/// validator, and destroy every catalog and validator before it. Nested guards are fine (xerces counts).
/// Lifecycle: process-wide. Threading: construct/destroy on one thread while no other xerces use runs.
class xerces_guard {
 public:
  xerces_guard();
  ~xerces_guard();
  xerces_guard(const xerces_guard&) = delete;
  xerces_guard& operator=(const xerces_guard&) = delete;
};

/// Namespace of the jubes detention message family (docs/MESSAGES.md).
inline constexpr std::string_view jubes_namespace = "http://www.justid.nl/jubes/detentie/0100";

/// The 14 jubes message types (root local names), in the order of docs/MESSAGES.md: the one list in the
/// code. conf/schemas/jubes declares exactly these global elements (tests/codecs/catalog_test.cpp checks
/// that against schema_catalog::message_types("jubes")); routing, the load tool and the benches use this.
inline constexpr std::array<std::string_view, 14> jubes_message_type_names = {"piBeeindiging",
                                                                              "piRegimefasering",
                                                                              "piVerlof",
                                                                              "tbsVoorwaardelijkeBeeindiging",
                                                                              "tbsVerlof",
                                                                              "pijBeeindiging",
                                                                              "pijVerlofmachtiging",
                                                                              "melding18b",
                                                                              "eersteInschrijving",
                                                                              "wijzigingEinddatum",
                                                                              "overplaatsing",
                                                                              "reintegratieplan",
                                                                              "einddetentie",
                                                                              "idvDetentieverloop"};
/// jubes_message_type_names as strings.
const std::vector<std::string>& jubes_message_types();

/// One schema set of the catalog.
struct schema_set_config {
  std::string name;                                 ///< e.g. "jubes", "stuf-zds-1.2"; appears in envelope::schema_set
  std::vector<std::filesystem::path> entry_points;  ///< XSD files loaded into this set's grammar pool
  bool handle_multiple_imports = true;              ///< xerces handle-multiple-imports (needed for real StUF)
  /// (namespace, root local name) pairs this set accepts; "*" matches any namespace / any name.
  /// A root that matches but that the loaded schemas do not declare as a global element is "unknown root".
  std::vector<std::pair<std::string, std::string>> roots;
};

/// The default set for the jubes family: <schema_dir>/jubes0100.xsd accepting the 14 message types.
/// @param schema_dir usually "<repo>/conf/schemas/jubes"
schema_set_config jubes_schema_set(const std::filesystem::path& schema_dir);
/// The set for our own Bv03/Fo03 replies (<schema_dir>/replies.xsd, roots Bv03Bericht and Fo03Bericht in the
/// jubes namespace). Not part of the gateway's ingest catalog; used to check replies (tests, jubesctl).
schema_set_config replies_schema_set(const std::filesystem::path& schema_dir);
/// The set for the delivery documents (<schema_dir>/outbox.xsd, roots outbox, ack and forward in the outbox
/// namespace; embedded jubes messages are validated too). Like the replies set, not part of the ingest catalog.
schema_set_config outbox_schema_set(const std::filesystem::path& schema_dir);
/// An ad-hoc set for `jubesctl validate --xsd A.xsd --xsd B.xsd`: all given entry points in one pool,
/// accepting any root the schemas declare (name "adhoc", handle_multiple_imports on).
schema_set_config adhoc_schema_set(std::vector<std::filesystem::path> entry_points);

struct schema_set;  // private (codecs/src)

/// Immutable after load(); share it among all threads as shared_ptr<const schema_catalog>.
/// Lifecycle: load at startup or reload; each validator keeps it alive. Must be destroyed before the
/// xerces_guard. Threading: all const member functions are thread-safe.
class schema_catalog {
 public:
  /// Loads every set's entry points into its own grammar pool (schema full checking on, file access only
  /// below the entry points' directories' trees as the schemas import them; no network) and locks the pools.
  /// @param sets the configured schema sets (at least one)
  /// @return the catalog, or errc::schema_load_failed with the detail: which set, which file, line:column
  ///         and the xerces message
  static result<std::shared_ptr<const schema_catalog>> load(const std::vector<schema_set_config>& sets);

  ~schema_catalog();
  schema_catalog(const schema_catalog&) = delete;
  schema_catalog& operator=(const schema_catalog&) = delete;

  /// For routing's compile-time check ("a field the schemas cannot supply").
  /// @param message_type a root local name (in any set; the first set declaring it as a global element wins)
  /// @param path local names relative to the root joined by '/', e.g. "persoon/brpAdressen/adres/gemeentecode"
  /// @return true if the schema of that root allows an element at that path
  bool can_supply(std::string_view message_type, std::string_view path) const;

  /// @return true if some set declares a global element with this local name (a known message type).
  bool knows_message_type(std::string_view message_type) const;

  /// @return the message types set `set_name` accepts: the local names of the global elements its schemas
  ///         declare in an accepted namespace, sorted; empty for an unknown set.
  std::vector<std::string> message_types(std::string_view set_name) const;

  /// @return "compiled" if set `set_name` validates with the compiled validator, else why it uses xerces
  ///         (the first unsupported construct); empty for an unknown set.
  std::string compiled_status(std::string_view set_name) const;

  /// @return the names of the sets, in configuration order.
  std::vector<std::string> set_names() const;

  // Internal (used by validator).
  const std::vector<std::unique_ptr<schema_set>>& sets() const { return sets_; }

 private:
  schema_catalog() = default;
  std::vector<std::unique_ptr<schema_set>> sets_;
  mutable std::mutex walk_mutex_;  // XSModel lookups in can_supply are not documented as thread-safe
};

}  // namespace jubes::codecs
