// SPDX-License-Identifier: EUPL-1.2
#pragma once
// The PostgreSQL message store (`store.backend: postgresql`): the same storage::backend as the
// embedded LMDB store, on a PostgreSQL database that several gateway nodes may share. See
// docs/storage.md, "PostgreSQL backend", for the schema, the transactions and the wake-ups.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "common/result.hpp"
#include "storage/backend.hpp"

namespace jubes::pgstore {

/// The schema version this build writes and accepts (the number of pgstore/migrations/*.sql).
std::uint32_t schema_version() noexcept;

struct options {
  /// A libpq connection string ("host=a,b,c dbname=jubes target_session_attrs=read-write" or a
  /// postgresql:// URI). Every connection of the store uses it.
  std::string conninfo;
  std::size_t queue_capacity = 16384;        ///< bounded writer queue; full => errc::overloaded at once
  std::size_t queue_max_bytes = 256u << 20;  ///< also bounded by the bodies it holds
  std::size_t max_group = 100;               ///< most requests in one transaction
  std::size_t read_connections = 4;          ///< the read pool's size (reads wait for a free one)
  /// The listener re-reads the heads of every watched outbox this often, in case a notification
  /// was lost (and at once after it reconnected).
  std::chrono::milliseconds safety_poll{std::chrono::seconds(2)};
  std::chrono::seconds retention_bodies{std::chrono::hours(24 * 180)};
  std::chrono::seconds retention_dedup_extra{std::chrono::hours(24 * 30)};
  std::chrono::seconds retention_audit{std::chrono::hours(24 * 365 * 2)};
  std::chrono::milliseconds retention_interval{std::chrono::seconds(60)};  ///< zero: no background task
  std::size_t retention_batch = 256;
  storage::clock_fn clock;  ///< ms since the epoch; empty => system clock
  /// Compression and encryption of messages.body (docs/storage.md, "Bodies at rest"): the same
  /// options and KEK as the LMDB store; the data keys are in the data_keys table, shared by nodes.
  storage::at_rest_options at_rest;
};

/// What `jubesctl db migrate` did.
struct migrate_report {
  std::uint32_t from = 0;  ///< schema version before (0: empty database)
  std::uint32_t to = 0;    ///< schema version now (= schema_version())
};

/// Applies the missing migrations, each in its own transaction under an advisory lock (two
/// concurrent runs apply each migration once). @return errc::bad_version if the database has a
/// newer schema than this build knows; errc::io_error (cannot connect, a migration failed).
jubes::result<migrate_report> migrate(const std::string& conninfo);

/// Parses a connection string without connecting (`--check-config`). @return errc::invalid_argument
/// with libpq's reason.
jubes::result<void> check_conninfo(const std::string& conninfo);

/// The PostgreSQL store. open() connects the writer, the listener and the read pool, and refuses a
/// database whose schema is not this build's (errc::bad_version: older => run `jubesctl db
/// migrate`; newer => upgrade jubes). Completions follow storage::backend: at once with
/// overloaded/closed, else on the writer thread after the COMMIT returned (synchronous_commit on:
/// the WAL is flushed, on synchronous standbys too when the server says so). A COMMIT whose
/// outcome is unknown (the connection broke) completes with errc::io_error: the client retries
/// and dedup absorbs the repeat. Wakes run on the writer thread (this node's commits) or on the
/// listener thread (other nodes' commits, via LISTEN/NOTIFY and the safety poll).
class store final : public storage::backend {
 public:
  struct impl;
  static jubes::result<std::unique_ptr<store>> open(const options& o);
  ~store() override;
  store(const store&) = delete;
  store& operator=(const store&) = delete;

  void submit(storage::ingest_request req, storage::completion<storage::ingest_result> done) override;
  void submit_ack(std::string recipient, std::uint64_t upto, storage::completion<std::uint64_t> done) override;
  void submit_forward(std::uint64_t message_id, std::string from_recipient, std::string to_recipient,
                      storage::completion<bool> done, storage::operator_action by = {},
                      storage::entry_deadline dl = {}) override;
  void submit_reroute(std::uint64_t message_id, std::vector<std::string> recipients, std::string route_version,
                      storage::completion<void> done, storage::operator_action by = {},
                      storage::entry_deadline dl = {}) override;
  void submit_park_decision(storage::park_decision d, storage::completion<bool> done) override;
  void submit_purge(storage::completion<storage::purge_result> done) override;
  void audit_read(std::uint64_t message_id, std::string party) override;
  void submit_audit(storage::audit_event e, storage::completion<storage::audit_record> done) override;

  jubes::result<std::vector<storage::outbox_entry>> read_outbox(std::string_view recipient, std::uint64_t after,
                                                                std::size_t max) const override;
  jubes::result<storage::outbox_batch> read_batch(std::string_view recipient, std::uint64_t after, std::size_t max,
                                                  std::size_t max_bytes) const override;
  jubes::result<storage::outbox_state> outbox(std::string_view recipient) const override;
  jubes::result<std::vector<std::pair<std::string, storage::outbox_state>>> outboxes() const override;
  jubes::result<storage::due_for_purge> unacked_due_for_purge(std::int64_t before_ms,
                                                              std::size_t max_entries = 0) const override;
  jubes::result<std::vector<storage::late_entry>> late_entries(std::int64_t now_ms,
                                                               std::size_t max = SIZE_MAX) const override;
  jubes::result<std::optional<storage::stored_message>> get(std::uint64_t message_id) const override;
  jubes::result<std::vector<storage::parked_entry>> parked(std::size_t max = SIZE_MAX) const override;
  jubes::result<std::vector<storage::audit_record>> audit(std::uint64_t message_id,
                                                          std::size_t max = SIZE_MAX) const override;
  jubes::result<storage::audit_chain_state> audit_chain() const override;
  jubes::result<void> scan_audit(std::uint64_t from,
                                 const std::function<bool(const storage::audit_record&)>& visit) const override;

  std::uint64_t watch(std::string recipient, std::uint64_t after, std::function<void()> wake) override;
  void unwatch(std::uint64_t token) override;

  storage::metrics_snapshot metrics() const override;
  /// failed (with the cause) while this node has no connection to a read-write server (the
  /// LISTEN session, which reconnects on its own); writable otherwise. Transient, unlike LMDB's.
  storage::store_health health() const override;
  jubes::result<storage::store_stats> stats() const override;
  /// Gapless seqs, heads and cursors agree with the entries, dedup agrees with messages (and with
  /// the SHA-256 of every unpurged body), parked flags, bodies present.
  storage::check_report check() const override;
  /// Not by jubes: errc::invalid_argument (use pg_basebackup and WAL archiving, docs/storage.md).
  jubes::result<void> backup(const std::filesystem::path& dir) const override;

  /// `jubesctl keys rotate`: a new data key in data_keys, wrapped under `kek` (which must unwrap
  /// the existing ones), active for every batch that commits after it (on every node). With
  /// `reencrypt`, reseal() runs on a background thread that close() stops between transactions.
  jubes::result<std::uint32_t> rotate_key(const storage::key_bytes& kek, bool reencrypt) override;
  /// Re-seals every kept body not under the active data key, `batch` messages per transaction;
  /// an interrupted run resumes when started again. @return how many bodies it re-sealed
  jubes::result<std::uint64_t> reseal(std::size_t batch = 64);

  void close() override;
  bool read_only() const noexcept override { return false; }

 private:
  explicit store(std::unique_ptr<impl> i);
  std::unique_ptr<impl> impl_;
};

}  // namespace jubes::pgstore
