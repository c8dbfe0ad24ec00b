// SPDX-License-Identifier: EUPL-1.2
#pragma once
// The jubes message store: one LMDB environment under the data directory holding messages,
// the dedup index, per-recipient outboxes with cursors, parked messages, an audit trail and
// metadata. See docs/storage.md for the layout, the source files and the measurements.
#include <filesystem>
#include <memory>

#include "storage/backend.hpp"

namespace jubes::storage {

/// The embedded LMDB store.
///
/// Lifecycle: create with open() (exclusive, takes an flock on <dir>/LOCK and starts one writer
/// thread and, unless disabled, the retention thread) or open_readonly() (no lock, no threads,
/// for jubesctl on a live data directory). close() (or the destructor) drains the queue: every
/// request already queued by a submit_* call completes before the writer stops. After close()
/// every submit_* completes at once with errc::closed.
///
/// Threading: every public function may be called from any thread. submit_* never block; their
/// completions follow the contract of backend (exactly once: at once on the calling thread with
/// errc::overloaded, errc::closed or errc::read_only, else on the writer thread after the durable
/// commit of the group that held the request, or with its failure).
/// Reads (read_outbox, get, outboxes, parked, check, stats, backup) run on their own LMDB read
/// transactions concurrently with each other and with the writer; the writer only waits for them
/// in the rare moment it grows the map.
class store final : public backend {
 public:
  struct impl;

  /// Opens (creating if needed) the store in options.dir for exclusive writing. An existing store
  /// is first verified as options.verify says (a forked child walks it; docs/storage.md).
  /// @return the store, or errc::locked (another process holds the directory), errc::bad_version,
  ///         errc::corrupt (damaged: refused, the cause named), errc::io_error (cannot
  ///         create/open; the cause is logged), errc::invalid_argument.
  static jubes::result<std::unique_ptr<store>> open(const options& o);

  /// Opens an existing store read-only, without the exclusive lock, e.g. while jubesd runs, after
  /// verifying it as `check` says (structure: its page walk, in a forked child).
  /// Every submit_* completes with errc::read_only. @return errc::not_found if `dir` holds no
  /// store, errc::bad_version, errc::corrupt (damaged: refused).
  /// `at_rest` must name the KEK of a store with encrypted bodies (else errc::bad_key).
  static jubes::result<std::unique_ptr<store>> open_readonly(const std::filesystem::path& dir,
                                                             open_check check = open_check::structure,
                                                             const at_rest_options& at_rest = {});

  ~store() override;
  store(const store&) = delete;
  store& operator=(const store&) = delete;

  void submit(ingest_request req, completion<ingest_result> done) override;
  void submit_ack(std::string recipient, std::uint64_t upto, completion<std::uint64_t> done) override;
  void submit_forward(std::uint64_t message_id, std::string from_recipient, std::string to_recipient,
                      completion<bool> done, operator_action by = {}, entry_deadline dl = {}) override;
  void submit_reroute(std::uint64_t message_id, std::vector<std::string> recipients, std::string route_version,
                      completion<void> done, operator_action by = {}, entry_deadline dl = {}) override;
  void submit_park_decision(park_decision d, completion<bool> done) override;
  void submit_purge(completion<purge_result> done) override;
  void audit_read(std::uint64_t message_id, std::string party) override;
  void submit_audit(audit_event e, completion<audit_record> done) override;

  jubes::result<std::vector<outbox_entry>> read_outbox(std::string_view recipient, std::uint64_t after,
                                                       std::size_t max) const override;
  jubes::result<outbox_batch> read_batch(std::string_view recipient, std::uint64_t after, std::size_t max,
                                         std::size_t max_bytes) const override;
  jubes::result<outbox_state> outbox(std::string_view recipient) const override;
  jubes::result<std::vector<std::pair<std::string, outbox_state>>> outboxes() const override;
  jubes::result<std::vector<late_entry>> late_entries(std::int64_t now_ms, std::size_t max = SIZE_MAX) const override;
  jubes::result<due_for_purge> unacked_due_for_purge(std::int64_t before_ms,
                                                     std::size_t max_entries = 0) const override;
  jubes::result<std::optional<stored_message>> get(std::uint64_t message_id) const override;
  jubes::result<std::vector<parked_entry>> parked(std::size_t max = SIZE_MAX) const override;
  jubes::result<std::vector<audit_record>> audit(std::uint64_t message_id, std::size_t max = SIZE_MAX) const override;
  jubes::result<audit_chain_state> audit_chain() const override;
  jubes::result<void> scan_audit(std::uint64_t from,
                                 const std::function<bool(const audit_record&)>& visit) const override;

  std::uint64_t watch(std::string recipient, std::uint64_t after, std::function<void()> wake) override;
  void unwatch(std::uint64_t token) override;

  metrics_snapshot metrics() const override;
  /// A read-only store reports failed ("opened read-only").
  store_health health() const override;
  jubes::result<store_stats> stats() const override;
  /// Every outbox entry points at a message (or its purge record), seqs are gapless from 1,
  /// cursors are not past the head, dedup and messages agree, bodies present.
  check_report check() const override;
  /// Hot, compacting copy (mdb_env_copy2 with MDB_CP_COMPACT); the copy is a store open() accepts.
  jubes::result<void> backup(const std::filesystem::path& dir) const override;

  /// `jubesctl keys rotate`: a new data key, wrapped under `kek` (which must unwrap the existing
  /// ones), becomes the active one; new blobs are sealed with it, old ones stay readable.
  /// Its own durable transaction beside the writer's. @return the new key id; errc::bad_key.
  /// With `reencrypt`, reseal() runs on a background thread that close() stops between batches.
  jubes::result<std::uint32_t> rotate_key(const key_bytes& kek, bool reencrypt) override;
  /// `--reencrypt`: re-seals every blob not sealed with the active key (plain ones too) in
  /// transactions of at most `batch` blobs; interrupted, it simply runs again. @return blobs rewritten.
  jubes::result<std::uint64_t> reseal(std::size_t batch = 64);
  /// The active data key's id (0: bodies are not encrypted) and how many keys the store holds.
  std::pair<std::uint32_t, std::size_t> keys() const;

  void close() override;
  bool read_only() const noexcept override;
  const std::filesystem::path& dir() const noexcept;

 private:
  explicit store(std::unique_ptr<impl> i);
  std::unique_ptr<impl> impl_;
};

}  // namespace jubes::storage
