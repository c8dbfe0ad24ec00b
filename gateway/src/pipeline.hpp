// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Private: the transport-free ingest pipeline. One object, built from the configuration, owns
// everything a message is checked and routed against, and offers the steps the API (jubesd) and
// the admin CLI (jubesctl) share:
//
//   validate (xerces against the locked grammar pools, semantic checks) → authorise (the party's
//   message types and zender) → route (the current table) → the store request; and the re-route
//   of parked messages.
//
// It owns xerces (an RAII guard), the municipality registry, the schema catalog, the route
// snapshot (table + the codec field set it needs, swapped atomically on reload; a bad file keeps
// the old one) and one validator per thread. No Asio here: every step returns a result value.
//
// Lifecycle: open() at start (the one place that loads the registry, the catalog and the routes
// file), then any number of calls, then destruction after every thread that validated with it has
// stopped (their validators die with the threads; the destroying thread's one here).
// Threading: validate(), admit(), explain(), routes(), plan_reroute() and reroute() are safe from any
// thread (each thread parses with its own validator; the snapshot is an atomic shared_ptr).
// reload_routes() is serialised by a mutex and may run concurrently with the rest.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "codecs/codecs.hpp"
#include "common/result.hpp"
#include "gateway/config.hpp"
#include "gateway/error_map.hpp"
#include "routing/plausibility.hpp"
#include "routing/table.hpp"
#include "storage/store.hpp"

namespace jubes::gateway::detail {

/// The routing table and the extraction set built from its field paths: always used together.
struct route_snapshot {
  /// The municipality table the routes were compiled against (reloaded with them: cfg.gemeenten_file).
  std::shared_ptr<const routing::gemeente_registry> gemeenten;
  std::shared_ptr<const routing::table> table;
  codecs::field_set fields;  ///< the table's field paths, then parameters/mutatiesoort unless the table uses it
  int mutatiesoort = -1;     ///< index of parameters/mutatiesoort in `fields`
  /// Index in `fields` of each routing::plausibility::field_paths() entry, in its order.
  std::vector<int> plausibility_fields;
  /// Need-to-know (issue 13): one codecs::projection per table->projections(), in the same order, and the
  /// stuurgegevens-only projection for a recipient the table declares none for.
  std::vector<codecs::projection> projections;
  std::optional<codecs::projection> withheld;

  /// What `party` may see of a message of `message_type` from `source`: nullptr = the message as sent (the
  /// source itself, or a table without projections); else the recipient's projection (its mailbox kind's, or
  /// `withheld` when the table declares none for it: the full message never goes to a recipient).
  const codecs::projection* view_for(std::string_view party, std::string_view message_type,
                                     std::string_view source) const;
};

/// A step of the ingest path: the value, or the refusal with what the Fo03 reply needs.
template <class T>
using admission = boost::system::result<T, refusal>;

/// A message that passed validation, authorisation and routing: the store request, and what the
/// reply needs of the message.
struct admitted {
  storage::ingest_request request;
  codecs::envelope env;
  bool parked = false;   ///< no rule routed it: the store parks it for operators
  bool partial = false;  ///< delivered, and parked for a missing recipient (issue 13)
};

/// A re-route decided, not yet done: one entry per message, in the order asked for.
struct reroute_plan {
  struct step {
    std::uint64_t id = 0;
    std::string outcome;        ///< decided already ("not found", "still unroutable: ..."); empty: to submit
    bool failed = false;        ///< counts as not rerouted
    bool still_parked = false;  ///< no rule routes it yet: it stays parked
    std::vector<std::string> recipients;
    std::string version;
    storage::entry_deadline deadline;  ///< what the deadline rule gives the message now
  };
  std::vector<step> steps;
  /// The operator who ordered it: each message's re-route is audited with this identity and
  /// reason in the same transaction (storage::backend::submit_reroute).
  storage::operator_action by;
};

/// What a re-route did: one line per message ("7: rerouted to rvdk", "8: still unroutable: ...").
struct reroute_report {
  struct item {
    std::uint64_t id = 0;
    std::string outcome;  ///< "rerouted to A,B", "still unroutable: ...", or why it failed
    bool rerouted = false;
  };
  std::string text;           ///< "nothing parked\n" when there was nothing to do
  std::vector<item> items;    ///< one per message, in order
  unsigned failed = 0;        ///< messages not found, unreadable or refused by the store
  unsigned still_parked = 0;  ///< messages no rule routes yet (they stay parked)
};

struct pipeline_options {
  bool load_routes = true;                        ///< false: validation only (jubesctl validate)
  std::vector<std::filesystem::path> adhoc_xsds;  ///< non-empty: these schemas only, no registry, no routes
  codecs::limits limits;
};

class pipeline {
 public:
  /// Loads the registry (cfg.gemeenten_file), the catalog (cfg.schemas or o.adhoc_xsds) and the
  /// routes file. @return the pipeline, or the first error with the key at fault in its detail
  /// ("schemas: ...", "gemeenten_file: ...", "routes_file: ...")
  static jubes::result<std::unique_ptr<pipeline>> open(const config& cfg, pipeline_options o = {});
  ~pipeline();
  pipeline(const pipeline&) = delete;
  pipeline& operator=(const pipeline&) = delete;

  /// Validates and extracts `fields` (none by default) in one pass.
  admission<codecs::parsed> validate(std::string_view body) const;
  admission<codecs::parsed> validate(std::string_view body, const codecs::field_set& fields) const;

  /// Validate → authorise `party` → plausibility of the dates → route.
  /// @param now_ms the receive time stored with the message; its date in Europe/Amsterdam is "today" for
  ///        the plausibility checks
  /// @return the store request (body moved in), or the refusal (400/403 family; an implausible notice is
  ///         errc::implausible with the field in element_path)
  admission<admitted> admit(std::string body, const party_config& party, std::int64_t now_ms) const;

  /// Explains how the current table routes `body` (jubesctl route explain), naming the source party
  /// found by the message's zender.
  admission<std::string> explain(std::string_view body) const;

  /// Decides the re-route of message `only_id`, or of every parked message if nullopt, against
  /// the current table (reads the store; parses on the calling thread).
  /// The deadline the current table's rule gives a stored message, from its own dates (an entry
  /// added after ingest: a forward, an assignment). None when its body is gone or no rule applies.
  storage::entry_deadline deadline_of(const storage::stored_message& m) const;
  jubes::result<reroute_plan> plan_reroute(const storage::backend& s, std::optional<std::uint64_t> only_id) const;
  /// Submits the plan's re-routes one after another; `done` runs once, on the store's writer thread
  /// (or on the caller's when nothing was submitted).
  static void reroute(storage::backend& s, reroute_plan plan, std::function<void(reroute_report)> done);

  /// @return the snapshot in service (never null once open() succeeded with routes).
  std::shared_ptr<const route_snapshot> routes() const { return routes_.load(); }
  /// Re-reads the municipality table (cfg.gemeenten_file), checks the configured municipal parties
  /// against it and recompiles the routes file against it; on any error ("gemeenten_file:
  /// gemeenten.csv:12: ...", "routes_file: ...") the old snapshot keeps serving. @return the new snapshot
  jubes::result<std::shared_ptr<const route_snapshot>> reload_routes();
  /// @return successful reloads since open().
  std::uint64_t route_generation() const noexcept { return generation_.load(); }

  /// @return the municipality table in service: the route snapshot's (swapped with it on reload), or
  ///         the one loaded at open() when no routes are loaded. Never null after open() (except adhoc XSDs).
  std::shared_ptr<const routing::gemeente_registry> gemeenten() const;

 private:
  explicit pipeline(const config& cfg, pipeline_options o);
  codecs::validator& validator() const;
  /// The plausibility of the message's dates (routing::plausibility) with today from `now_ms`.
  std::optional<refusal> implausible(const route_snapshot& snap, const codecs::parsed& p, std::int64_t now_ms) const;

  const config& cfg_;
  pipeline_options opts_;
  const std::uint64_t instance_;                                 ///< keys this thread's validator to this pipeline
  std::optional<codecs::xerces_guard> xerces_;                   ///< first: destroyed last
  std::shared_ptr<const routing::gemeente_registry> gemeenten_;  ///< as loaded at open(); see gemeenten()
  std::shared_ptr<const codecs::schema_catalog> catalog_;
  routing::compile_context cctx_;  ///< of the snapshot in service; written by open() and reload_routes() only
  std::atomic<std::shared_ptr<const route_snapshot>> routes_;
  std::atomic<std::uint64_t> generation_{0};
  std::mutex reload_mu_;
  routing::plausibility plausible_;
};

}  // namespace jubes::gateway::detail
