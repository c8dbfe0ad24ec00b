// SPDX-License-Identifier: EUPL-1.2
#pragma once
// The compiled routing table: which parties receive a message, decided from a few fields that the
// codec extracted during validation. The rule language is documented in docs/routing.md.
//
// Data flow: the gateway compiles conf/routes.yaml once (table::compile), hands
// table::field_paths() to the codec so that extraction happens in the validation pass, fills a
// `facts` per message from the codec's output, and calls route(). Routing never depends on the
// codecs, storage or gateway libraries: `facts` is a plain struct of views.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "routing/errc.hpp"
#include "routing/gemeente_registry.hpp"

namespace jubes::routing {

/// What routing knows about one message. Views only; the caller keeps the data alive during route().
struct facts {
  std::string_view message_type;  ///< root element local name, e.g. "piVerlof"
  std::string_view source_party;  ///< certificate party id of the sender, e.g. "tulp-gw"
  /// fields[i] holds the values of table::field_paths()[i] in document order (empty if absent).
  /// May be null or shorter than field_paths(); missing entries count as absent fields.
  const std::vector<std::vector<std::string>>* fields = nullptr;
};

/// The outcome of route(). Deterministic: the same facts and table give the same decision.
struct decision {
  std::vector<std::string> recipients;     ///< sorted, deduplicated: "gemeente:0363", "rvdk", ...
  std::vector<std::string> matched_rules;  ///< ids of the rules whose predicates held, in file order
  std::string table_version;               ///< table::version() of the table that decided
  std::string park_reason;                 ///< non-empty iff recipients is empty: why nobody gets it
  /// The legal deadline of the message's outbox entries (the routes file's `deadlines:`), in
  /// milliseconds since the Unix epoch; 0: no deadline (no rule for the type, or its date is absent).
  std::int64_t deadline_ms = 0;
  /// From this time on an unacknowledged entry is at risk (deadline_ms less the rule's lead time).
  std::int64_t at_risk_from_ms = 0;
  std::string deadline_rule;  ///< the id of the deadline rule that set deadline_ms
  /// Non-empty when there are recipients but a rule that matched named none through one of its templates
  /// (e.g. 18a without a BRP address outside DJI: probation gets it, the municipality cannot be found): why.
  /// The gateway parks the message for the missing recipient besides delivering it (no silent partial delivery).
  std::string partial_reason;
  /// Non-empty when no rule matched and the routes file's `unrouted:` says that this type then needs no
  /// operator (a BIJ notice that is not BIJ-worthy): the reason. The gateway stores and counts the message,
  /// without parking it. park_reason still says why no rule matched.
  std::string unrouted_reason;

  bool parked() const noexcept { return recipients.empty(); }
  bool partial() const noexcept { return !partial_reason.empty(); }
};

/// What the compiler checks a routes file against. Filled by the gateway from its configuration and
/// the codec's schema catalog; unit tests fill what they need.
struct compile_context {
  /// The municipality table; required (templates resolve and check gemeentecodes with it).
  std::shared_ptr<const gemeente_registry> gemeenten;
  /// Non-municipal recipients that exist: "rvdk", "3ro", "idv", "hvh-almelo", ...
  /// "gemeente:NNNN" recipients are checked against `gemeenten` instead.
  std::set<std::string> named_recipients;
  /// Known message types. A rule naming another type is refused.
  std::set<std::string> message_types;
  /// Optional: the source parties allowed to send each type. If non-empty, a rule's `sources`
  /// must be known parties, and a rule whose sources may send none of its types never matches.
  std::map<std::string, std::set<std::string>> allowed_sources;
  /// Optional: can the schema of `type` supply field `path`? Empty: paths are checked for syntax only.
  std::function<bool(std::string_view type, std::string_view path)> schema_can_supply;
  /// Optional: the mailboxes a municipality has ("bij", "reintegratie"). Non-empty: every municipal recipient
  /// must name one of them (gemeente:0363/bij, gemeente:{...}/bij); empty: any box name, or none.
  std::set<std::string> municipal_boxes;
};

/// A need-to-know projection as the routes file declares it (`projections:`, docs/routing.md): the fields
/// that recipients of mailbox kind `boxes` (recipient::kind(): "gemeente/bij", "3ro") may see of `types`.
/// The gateway turns `fields` into a codecs::projection and delivers the projected message.
struct projection_spec {
  std::string id;
  int line = 0;                     ///< of the projection in the routes file
  std::vector<std::string> boxes;   ///< mailbox kinds, sorted
  std::vector<std::string> types;   ///< message types, sorted
  std::vector<std::string> fields;  ///< field paths as written (a last step may carry [brp_gemeente])
  std::filesystem::path schema;  ///< `schema:` resolved against the routes file's directory (not checked); may be empty
};

/// An immutable, compiled routing table.
///
/// Lifecycle: created by compile(), then never modified; shared as std::shared_ptr<const table>
/// and swapped as a whole by the gateway (its route snapshot holds the table together with the codec's
/// field set built from field_paths()). A message keeps the shared_ptr it started with.
/// Threading: route(), explain() and all accessors are const and safe from any number of threads.
/// Cost: dispatch on message type is one hash lookup; only the rules of that type are evaluated;
/// predicates have their field indexes and value sets resolved at compile time and recipient
/// templates are pre-tokenised, so route() does little more than compare strings and build its result.
///
/// Field indexes belong to one table: facts for table T must be laid out by T->field_paths().
/// On reload, take the table (and the extraction set built from its field_paths()) together,
/// before parsing a message, and route that message with the same table.
class table {
 public:
  /// Compiles a routes file (and the list files it references, relative to its directory).
  /// @param file the routes file, e.g. conf/routes.yaml
  /// @param ctx what names and fields exist
  /// @return the table, or an error whose code is one of errc io_error, bad_yaml, invalid_rule,
  ///         unknown_function, unknown_field, unknown_recipient, unknown_message_type, unknown_source,
  ///         never_matches, and whose detail is one line "routes.yaml:12: unknown function 'foo' in ..."
  static result<std::shared_ptr<const table>> compile(const std::filesystem::path& file, const compile_context& ctx);

  /// Same as compile(), from text in memory. `name` is used in error messages; list files are
  /// resolved relative to `base_dir`.
  static result<std::shared_ptr<const table>> compile_text(std::string_view yaml, std::string_view name,
                                                           const std::filesystem::path& base_dir,
                                                           const compile_context& ctx);

  /// @return the field paths the codec must extract, in index order of facts::fields.
  const std::vector<std::string>& field_paths() const noexcept { return field_paths_; }

  /// @return the index of `path` in field_paths(), or -1 if the table does not use it.
  int field_index(std::string_view path) const noexcept;

  /// Decides the recipients of one message. Never fails: unknown types, missing or malformed
  /// field values lead to fewer recipients and, if none remain, a park reason.
  decision route(const facts& f) const;

  /// Same decision as route(), described for an operator: the fields used and their values, each
  /// rule considered and why it matched or not (disabled rules included), the recipients.
  std::string explain(const facts& f) const;

  /// @return the first 12 hex digits of SHA-256 over the routes file and its list files.
  const std::string& version() const noexcept { return version_; }

  /// @return the number of rules compiled (enabled and disabled).
  std::size_t rule_count() const noexcept;

  /// @return true if a municipality may forward a message of this type to another municipality
  ///         (the routes file's `forwarding: {types: [...]}`; nothing may be forwarded without it).
  bool may_forward(std::string_view message_type) const noexcept;
  /// @return true if a notice may be forwarded to municipality `gemeentecode` (forwarding.participants: a list
  ///         of gemeentecodes, the BIJ participants by default; without it any current municipality).
  bool may_forward_to(std::string_view gemeentecode) const noexcept;
  /// @return the message types that may be forwarded, sorted.
  const std::vector<std::string>& forwardable_types() const noexcept;

  /// @return the lead time of the deadline rule for `message_type` in milliseconds (an entry is at
  ///         risk from deadline - lead time on), or 0 when the type has no deadline rule.
  std::int64_t deadline_lead_ms(std::string_view message_type) const noexcept;
  /// @return the message types that have a deadline rule, sorted.
  std::vector<std::string> deadline_types() const;
  /// @return the projections of the routes file, in file order; empty when it declares none (then every
  ///         recipient gets the message as sent; with projections, every (mailbox kind, type) that a rule can
  ///         deliver has exactly one, else the file is refused).
  const std::vector<projection_spec>& projections() const noexcept;
  /// @return the projection for a recipient of mailbox kind `box_kind` (recipient::kind()) and `message_type`,
  ///         or nullptr if none is declared.
  const projection_spec* projection_for(std::string_view box_kind, std::string_view message_type) const noexcept;

  ~table();
  table(const table&) = delete;
  table& operator=(const table&) = delete;

  struct impl;  // private to the library (routing/src)

 private:
  table();
  std::unique_ptr<impl> impl_;
  std::vector<std::string> field_paths_;
  std::string version_;
};

}  // namespace jubes::routing
