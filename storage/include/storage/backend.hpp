// SPDX-License-Identifier: EUPL-1.2
#pragma once
// What the gateway needs from a message store, apart from how it is stored. `store` (store.hpp,
// embedded LMDB) is the implementation today; a PostgreSQL backend for the high-availability mode
// is meant to implement the same interface with the same exactly-once guarantees.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.hpp"
#include "storage/errc.hpp"
#include "storage/types.hpp"

namespace jubes::storage {

/// The completion of a write: a value, or the error that kept it from happening.
template <class T>
using completion = std::function<void(jubes::result<T>)>;

/// A message store.
///
/// Completions: every submit_* calls `done` EXACTLY ONCE. When the request cannot be queued (the
/// queue is full: errc::overloaded; the store is closed: errc::closed; opened read-only:
/// errc::read_only) it is called at once, on the calling thread, before submit_* returns.
/// Otherwise it is called later on the backend's writer thread, after the transaction that holds
/// the request committed durably, or with the error that failed it. Completions must be short,
/// must not throw and must not call close(); they may call submit_* again.
///
/// Lifecycle: an implementation's open function creates it; close() (or destroying it) drains
/// what was queued, wakes every watcher and stops its threads; after close() every submit_*
/// completes at once with errc::closed, while reads keep working until it is destroyed.
///
/// Threading: every function may be called from any thread.
class backend {
 public:
  virtual ~backend() = default;

  // ---- writer side -------------------------------------------------------------------------

  /// Ingests one message exactly once. @return (through done) accepted, duplicate (the original
  /// receipt) or conflict; or errc::invalid_argument (empty party/referentienummer, a name with
  /// NUL or over 255 bytes), errc::store_full, errc::io_error: nothing stored.
  virtual void submit(ingest_request req, completion<ingest_result> done) = 0;

  /// Commits `recipient`'s cursor to `upto`. Idempotent and monotonic: upto <= cursor is a no-op.
  /// @return (through done) the cursor after the ack, or errc::beyond_head (upto > head; cursor
  ///         unchanged), errc::invalid_argument, errc::corrupt, errc::io_error.
  virtual void submit_ack(std::string recipient, std::uint64_t upto, completion<std::uint64_t> done) = 0;

  /// Forwards a message from one of its recipients to another: appends it to `to`'s outbox once
  /// and audits it (a forwarded record: party `from`, detail `to`). @return (through done) true if
  /// newly added, false for a repeat (no-op, no audit record); or errc::not_found,
  /// errc::not_recipient, errc::invalid_argument (to is empty or the source itself, `by` not
  /// valid()), errc::corrupt, errc::store_full, errc::io_error.
  /// `by`: the operator who forwarded on `from`'s behalf (identity non-empty): a forward that adds
  /// the entry also writes a forward_override record (party the operator's identity, detail
  /// operator_detail("forwarded from <from> to <to>", by)) in the same transaction, after the
  /// forwarded record: the forward is never stored without it. `dl`: the deadline of the new entry
  /// (entry_deadline).
  virtual void submit_forward(std::uint64_t message_id, std::string from_recipient, std::string to_recipient,
                              completion<bool> done, operator_action by = {}, entry_deadline dl = {}) = 0;

  /// Routes a parked message to `recipients` (non-empty), exactly once. @return (through done)
  /// errc::not_found, errc::not_parked (already re-routed or purged), errc::invalid_argument,
  /// errc::corrupt, errc::store_full, errc::io_error.
  /// `by`: the operator who ordered it (identity non-empty): a reroute_ordered audit record with
  /// the operator's identity and reason is written in the same transaction, before the
  /// rerouted records. `dl`: the deadline of the new entries (entry_deadline).
  virtual void submit_reroute(std::uint64_t message_id, std::vector<std::string> recipients, std::string route_version,
                              completion<void> done, operator_action by = {}, entry_deadline dl = {}) = 0;

  /// An operator's decision on a parked message, exactly once. assign: the message goes to
  /// d.recipient's outbox and leaves the parked list; close: it leaves the parked list undelivered.
  /// Either writes an audit record (parked_assigned, parked_closed) with the operator and reason.
  /// @return (through done) true if decided now; false for a repeat that changes nothing (assign to
  ///         a recipient the message already went to; close of a closed message); or
  ///         errc::not_found, errc::not_parked (decided otherwise already, or purged),
  ///         errc::invalid_argument (bad recipient/operator name, empty reason), errc::corrupt,
  ///         errc::store_full, errc::io_error.
  virtual void submit_park_decision(park_decision d, completion<bool> done) = 0;

  /// Runs retention to completion now (expired bodies, dedup and audit records). `done` must not
  /// be empty. @return (through done) what was purged, or errc::io_error.
  virtual void submit_purge(completion<purge_result> done) = 0;

  /// Records a "read" audit event (GET /v1/messages/{id}; the gateway coalesces repeats). Never
  /// refused for a full queue or a full store (docs/storage.md, "Audit trail").
  virtual void audit_read(std::uint64_t message_id, std::string party) = 0;

  /// Appends one audit record (an operator action, a checkpoint) on the chain in its own
  /// transaction. Never refused for a full store while space for audit remains (ingest stops
  /// first: docs/storage.md, "Never skipped for space"). @return (through done) the record as
  /// stored (seq, time, hashes), or errc::invalid_argument (a name with NUL or over 255 bytes,
  /// or an operator kind without the operator's identity), errc::io_error, errc::store_full.
  virtual void submit_audit(audit_event e, completion<audit_record> done) = 0;

  // ---- read side ---------------------------------------------------------------------------

  /// Up to `max` entries of `recipient`'s outbox with seq > after, in seq order, bodies included.
  /// An unknown recipient has an empty outbox. @return errc::corrupt for a damaged record.
  virtual jubes::result<std::vector<outbox_entry>> read_outbox(std::string_view recipient, std::uint64_t after,
                                                               std::size_t max) const = 0;
  /// A poll batch: entries of `recipient`'s outbox with seq > after, in seq order, bodies
  /// included, at most `max` of them and at most `max_bytes` of bodies together, except that the
  /// first entry is always included however large it is (so that no message is stuck behind the
  /// cap). The memory a poll needs is bounded here, before any reply is encoded.
  /// @return the entries and whether more are waiting; errc::corrupt for a damaged record.
  virtual jubes::result<outbox_batch> read_batch(std::string_view recipient, std::uint64_t after, std::size_t max,
                                                 std::size_t max_bytes) const = 0;
  /// State of one outbox (head 0 if unknown).
  virtual jubes::result<outbox_state> outbox(std::string_view recipient) const = 0;
  /// Every recipient that has an outbox, sorted by name.
  virtual jubes::result<std::vector<std::pair<std::string, outbox_state>>> outboxes() const = 0;
  /// Unacknowledged entries (seq > cursor) of every outbox that have a deadline and are at risk at
  /// `now_ms` (at_risk_from_ms <= now_ms; past ones included), in (recipient, seq) order, no bodies,
  /// at most `max`. @return errc::corrupt for a damaged record.
  virtual jubes::result<std::vector<late_entry>> late_entries(std::int64_t now_ms,
                                                              std::size_t max = SIZE_MAX) const = 0;
  /// The unacknowledged entries (not corrected or withdrawn) that hold a body accepted before
  /// `before_ms` that retention has not purged yet: what retention will purge undelivered once
  /// `before_ms` is its cutoff (docs/storage.md, "Retention"). Counted per recipient, all of them;
  /// listed, the first `max_entries`. @return errc::corrupt for a damaged record.
  virtual jubes::result<due_for_purge> unacked_due_for_purge(std::int64_t before_ms,
                                                             std::size_t max_entries = 0) const = 0;
  /// @return the message, std::nullopt if no message has that id; errc::corrupt if damaged.
  virtual jubes::result<std::optional<stored_message>> get(std::uint64_t message_id) const = 0;
  /// Parked messages in id order (at most `max`).
  virtual jubes::result<std::vector<parked_entry>> parked(std::size_t max = SIZE_MAX) const = 0;
  /// Audit records of one message in order (message_id 0: all, at most `max`).
  virtual jubes::result<std::vector<audit_record>> audit(std::uint64_t message_id,
                                                         std::size_t max = SIZE_MAX) const = 0;
  /// The audit chain's anchor and head as stored (storage/audit_chain.hpp).
  virtual jubes::result<audit_chain_state> audit_chain() const = 0;
  /// Calls `visit` with every stored audit record with seq >= from, in stored (seq) order, with
  /// its hashes; a record that cannot be decoded comes with `damage` set. Stops when visit
  /// returns false. Reads in pages, never the whole trail at once.
  /// @return errc::corrupt/io_error if the records cannot be read at all.
  virtual jubes::result<void> scan_audit(std::uint64_t from,
                                         const std::function<bool(const audit_record&)>& visit) const = 0;

  /// Long poll: `wake` is called exactly once when `recipient`'s committed head exceeds `after`
  /// (on the writer thread, right after the commit), or at close(); if the head already exceeds
  /// `after`, `wake` is called at once on the calling thread before watch returns.
  /// @return a token for unwatch (0 if wake already ran).
  virtual std::uint64_t watch(std::string recipient, std::uint64_t after, std::function<void()> wake) = 0;
  /// Removes a watch; `wake` will not be called after unwatch returns (unless it is running now).
  virtual void unwatch(std::uint64_t token) = 0;

  virtual metrics_snapshot metrics() const = 0;
  /// Whether writes are taken now (types.hpp, store_health). Cheap: one lock, no I/O.
  virtual store_health health() const = 0;
  virtual jubes::result<store_stats> stats() const = 0;
  /// Integrity check; a store that cannot be read at all is reported as a problem, not an error.
  virtual check_report check() const = 0;
  /// Hot consistent copy into `dir` (created; must not hold a store). @return errc::io_error,
  /// errc::invalid_argument (dir already holds a store).
  virtual jubes::result<void> backup(const std::filesystem::path& dir) const = 0;

  /// Drains the queue (completes pending requests), wakes all watchers, stops. Idempotent.
  /// `jubesctl keys rotate` (docs/storage.md, "Bodies at rest"): a new data key, wrapped under
  /// `kek`, becomes the active one; old bodies stay readable; with `reencrypt` older bodies are
  /// re-sealed with it in the background, in bounded transactions. Blocks for one durable commit.
  /// @return the new key id; errc::bad_key when `kek` does not unwrap the store's keys;
  ///         errc::invalid_argument from a backend without encryption at rest (the default).
  virtual jubes::result<std::uint32_t> rotate_key(const key_bytes& kek, bool reencrypt);

  virtual void close() = 0;
  virtual bool read_only() const noexcept = 0;
};

}  // namespace jubes::storage
