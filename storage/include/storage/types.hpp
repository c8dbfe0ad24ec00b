// SPDX-License-Identifier: EUPL-1.2
#pragma once
// The values the store takes and returns: requests, receipts, outbox entries, stored messages,
// audit records, metrics, reports. Plain data, shared by every storage backend (backend.hpp).
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jubes::storage {

/// The on-disk format this build writes and accepts. A store with another version is refused.
inline constexpr std::uint32_t format_version = 1;

/// Milliseconds since the Unix epoch; injectable so that retention can be tested without sleeping.
using clock_fn = std::function<std::int64_t()>;

/// How much of a store is verified, in a forked child, before it is mounted (docs/storage.md,
/// "Damaged stores"): none; structure (every page LMDB can reach, walked with cursors: garbage
/// pages are refused instead of crashing the process; the default); full (also check(): every
/// record decoded, dedup and message records agreeing, every body's SHA-256).
enum class open_check { none, structure, full };

/// A 256-bit key: the key-encryption key (KEK) or a data key.
using key_bytes = std::array<unsigned char, 32>;

/// Compression of bodies before they are encrypted (docs/storage.md, "Bodies at rest").
enum class compression { none, zstd };

/// How bodies are kept at rest (body_codec.hpp). Plain data, shared by both backends.
struct at_rest_options {
  compression comp = compression::none;
  /// The key-encryption key that wraps the store's data keys; empty: bodies are stored
  /// unencrypted, and a store that holds data keys is refused (it needs its KEK to be read).
  std::optional<key_bytes> kek;
  std::string kek_source;  ///< where the KEK came from (a file), named in refusals
  int zstd_level = 3;
};

/// Options of a writable store. Defaults suit a production gateway.
struct options {
  std::filesystem::path dir;  ///< data directory; created if absent
  /// Create a new, empty store even where `dir` is not empty but has no data.mdb (it held a store
  /// once, or other files) or has an empty data.mdb. Never over a non-empty data.mdb. An absent or
  /// empty directory is a new store without it. See docs/storage.md, "Damaged stores".
  bool initialise = false;
  /// Verification before mounting; see open_check and docs/storage.md for what each costs.
  open_check verify = open_check::structure;
  std::size_t map_size_initial = 1ull << 30;  ///< initial LMDB map size in bytes
  std::size_t map_size_max = 64ull << 30;     ///< the map grows up to this, then ingest gets store_full
  /// Space kept for acks and audit records: new messages (and forwards, re-routes) get
  /// store_full once the live data reaches map_size_max less this, so that the audit trail is
  /// never cut short for space (docs/storage.md, "Never skipped for space"). 0: map_size_max / 16,
  /// at least 256 KiB, at most 64 MiB.
  std::size_t audit_reserve_bytes = 0;
  std::size_t queue_capacity = 16384;        ///< bounded writer queue; full => errc::overloaded at once
  std::size_t queue_max_bytes = 256u << 20;  ///< also bounded by the bodies it holds (plans reach 8 MiB)
  /// Most requests in one write transaction. Groups are as large as the queue holds when the writer
  /// starts a commit, so this only bounds a group under heavy load (see docs/storage.md).
  std::size_t max_group = 1024;
  /// The bodies of one group are packed into values ("blobs") of at most about this many bytes
  /// (a larger single body gets a blob of its own). See docs/storage.md for the measurements.
  std::size_t blob_bytes = 64u << 10;
  std::chrono::seconds retention_bodies{std::chrono::hours(24 * 180)};      ///< message bodies kept this long
  std::chrono::seconds retention_dedup_extra{std::chrono::hours(24 * 30)};  ///< dedup kept this much longer
  std::chrono::seconds retention_audit{std::chrono::hours(24 * 365 * 2)};   ///< audit records kept this long
  std::chrono::milliseconds retention_interval{std::chrono::seconds(60)};   ///< how often the retention task runs;
                                                                            ///< zero disables the background task
  std::size_t retention_batch = 256;  ///< most bodies (or audit records) purged per write transaction
  /// How long the writer may wait for more requests before it starts a group, when the queue
  /// holds some but fewer than the previous group had (their senders are likely on their way
  /// back). Never when the queue is empty. Zero (the default) disables it: in storage_bench's
  /// 64-client closed loop 200 µs gained nothing measurable and cost 3-6 µs CPU per message
  /// (docs/storage.md); at most 1 ms is sensible.
  std::chrono::microseconds group_linger{0};
  bool durable = true;  ///< false only for tests: MDB_NOSYNC (a crash may lose the last commits)
  /// Tests only: runs on the writer right after a group's commit returned (its data synced, its
  /// meta page written but not flushed), after the groups before it were completed.
  std::function<void()> test_after_commit;
  clock_fn clock;           ///< empty => system clock
  at_rest_options at_rest;  ///< compression and encryption of bodies
};

/// What a notice does to an earlier one of the same source (docs/MESSAGES.md, "Corrections and
/// withdrawals"): nothing, replace it (StUF mutatiesoort C or W) or withdraw it (V).
enum class mutation : std::uint8_t { none = 0, correction = 1, withdrawal = 2 };

/// How an outbox entry relates to another message (outbox_entry::link).
enum class entry_link : std::uint8_t {
  none = 0,
  superseded_by = 1,  ///< this entry's message was corrected before it was acknowledged: no body
  withdrawn_by = 2,   ///< this entry's message was withdrawn before it was acknowledged: no body
  relates_to = 3,     ///< this entry corrects or withdraws link_id, which the recipient was sent
};

/// One message offered for ingest. The gateway has validated and routed it.
struct ingest_request {
  std::string party;                    ///< the authenticated source party (certificate identity)
  std::string referentienummer;         ///< with party: the exactly-once key
  std::string message_type;             ///< root element local name, e.g. "piBeeindiging"
  std::string body;                     ///< the XML as received
  std::vector<std::string> recipients;  ///< outboxes to append to; empty => the message is parked
  /// Why no rule matched (recipients empty), or, with recipients, why one is missing: a partial delivery, which
  /// is delivered to `recipients` and parked as well, until an operator assigns or closes it (issue 13).
  std::string park_reason;
  /// No recipients and nothing for an operator to do (issue 13: a notice that is not BIJ-worthy): stored,
  /// audited, counted by the gateway, never parked. Only with empty `recipients`.
  bool unrouted = false;
  std::string route_version;  ///< routing table version that decided
  std::vector<std::string> matched_rules;
  std::int64_t received_at_ms = 0;
  /// The legal deadline of every outbox entry of this message (routing's `deadlines:`), ms since
  /// the epoch; 0: none. At risk from at_risk_from_ms on while unacknowledged.
  std::int64_t deadline_ms = 0;
  std::int64_t at_risk_from_ms = 0;
  /// A correction or withdrawal of the party's earlier message with referentienummer cross_ref:
  /// it goes to the routed recipients and to every recipient of the earlier message; where that
  /// one is unacknowledged its entry becomes a marker (superseded_by / withdrawn_by, no body).
  mutation mutation_kind = mutation::none;
  std::string cross_ref;
};

/// The expected outcomes of an ingest. Failures (store full, I/O error, an invalid request) are
/// errors of the completion's result, not outcomes.
enum class ingest_outcome {
  accepted,   ///< new message, committed durably (201)
  duplicate,  ///< same party, referentienummer and body: the original receipt (200)
  conflict,   ///< same party and referentienummer, other body: nothing stored (409)
};

/// @return "accepted", "duplicate", ... for logs and metrics labels.
std::string_view to_string(ingest_outcome o) noexcept;

struct receipt {
  std::uint64_t message_id = 0;  ///< assigned by the store, increasing, never reused
  std::string referentienummer;
  std::int64_t accepted_at_ms = 0;  ///< the commit time of the transaction that stored it
};

struct ingest_result {
  ingest_outcome outcome = ingest_outcome::accepted;
  receipt rcpt;  ///< accepted: the new receipt; duplicate: the ORIGINAL receipt unchanged; conflict: empty
};

/// One entry of a recipient's outbox, as a poll returns it.
struct outbox_entry {
  std::uint64_t seq = 0;  ///< gapless per recipient, starting at 1, in commit order
  std::uint64_t message_id = 0;
  std::string message_type;
  std::string source_party;
  std::int64_t accepted_at_ms = 0;
  bool purged = false;  ///< the body is gone by retention (body empty)
  std::string body;
  std::int64_t deadline_ms = 0;        ///< the entry's legal deadline (ms since the epoch); 0: none
  std::int64_t at_risk_from_ms = 0;    ///< at risk from this time on while unacknowledged
  entry_link link = entry_link::none;  ///< superseded_by / withdrawn_by: delivered without body
  std::uint64_t link_id = 0;           ///< the message the link names
};

/// An unacknowledged outbox entry with a deadline that is at risk or past (backend::late_entries).
struct late_entry {
  std::string recipient;
  std::uint64_t seq = 0;
  std::uint64_t message_id = 0;
  std::string message_type;
  std::string source_party;
  std::int64_t accepted_at_ms = 0;
  std::int64_t deadline_ms = 0;
  std::int64_t at_risk_from_ms = 0;
};

/// What retention will purge undelivered once its cutoff reaches a time (backend::unacked_due_for_purge).
struct due_for_purge {
  /// Per recipient, in name order, how many entries are due; recipients with none are left out.
  std::vector<std::pair<std::string, std::uint64_t>> counts;
  /// The first of those entries, box by box in name order, oldest first (as many as were asked for).
  std::vector<late_entry> entries;
};

/// One poll's worth of an outbox: the entries and whether more are waiting after them.
struct outbox_batch {
  std::vector<outbox_entry> entries;
  bool more = false;  ///< entries after the last one are waiting (left out by a cap)
};

/// A message as stored, with everything needed to decide who may read it.
struct stored_message {
  std::uint64_t message_id = 0;
  std::string source_party;
  std::string referentienummer;
  std::string message_type;
  std::vector<std::string> recipients;  ///< routed recipients followed by forward targets
  std::int64_t received_at_ms = 0;
  std::int64_t accepted_at_ms = 0;
  std::string route_version;
  std::vector<std::string> matched_rules;
  bool parked = false;  ///< no recipients yet; waits for a re-route
  std::string park_reason;
  bool purged = false;  ///< body removed by retention; the record stays as the purge record
  std::string body;     ///< empty when purged
};

/// @return true if `party` is the source or a recipient (incl. forward targets) of the message.
bool may_read(const stored_message& m, std::string_view party) noexcept;

struct parked_entry {
  std::uint64_t message_id = 0;
  std::string source_party;
  std::string referentienummer;
  std::string message_type;
  std::string park_reason;
  std::int64_t accepted_at_ms = 0;
};

/// The legal deadline of an outbox entry (routing's `deadlines:`, docs/routing.md), ms since the
/// epoch; 0: none. At risk from at_risk_from_ms on while unacknowledged. Entries added after ingest
/// (a forward, a re-route, an assignment) get what the rule gives for the message's own dates.
struct entry_deadline {
  std::int64_t deadline_ms = 0;
  std::int64_t at_risk_from_ms = 0;
};

/// An operator's decision on a parked message (`jubesctl parked assign|close`).
struct park_decision {
  enum class action : std::uint8_t { assign, close };
  std::uint64_t message_id = 0;
  action act = action::assign;
  std::string recipient;       ///< assign: the one recipient that gets the message; close: empty
  std::string operator_party;  ///< who decided (the admin client's party), kept in the audit record
  std::string reason;          ///< why, kept in the audit record; must not be empty
  entry_deadline deadline;     ///< assign: the deadline of the new entry
};
/// Names of at most 255 bytes without NUL, a non-empty reason of at most 1,000 bytes without NUL,
/// a recipient for assign and none for close.
bool valid(const park_decision& d) noexcept;
/// The audit record's detail: "<recipient>: <reason>" (assign) or "<reason>" (close).
std::string audit_detail(const park_decision& d);

/// Outbox state of one recipient.
struct outbox_state {
  std::uint64_t head = 0;              ///< seq of the newest entry (0: empty)
  std::uint64_t cursor = 0;            ///< highest acked seq
  std::int64_t oldest_unacked_ms = 0;  ///< accepted_at of entry cursor+1; 0 when nothing is unacked
};

/// Audit event kinds; stored as one byte, never renumber.
enum class audit_kind : std::uint8_t {
  accepted = 1,   ///< party = source, detail = "<message type> to=<recipient>,<recipient>..." (routing)
  routed = 2,     ///< reserved (routing is recorded in the accepted record; one record per message)
  parked = 3,     ///< accepted without recipients: party = source, detail = "<type> parked: <reason>"
  acked = 4,      ///< party = recipient: the message was delivered and its receipt acknowledged
  forwarded = 5,  ///< party = forwarding recipient, detail = target
  read = 6,       ///< party = reader (GET /v1/messages/{id})
  purged = 7,     ///< party empty: the body was removed by retention
  rerouted = 8,   ///< party = new recipient after a parked message was re-routed
  // Operator actions (message id 0 unless the action concerns one message): party = the
  // operator's identity (client certificate party of the admin call, or "os:<user>" for a
  // jubesctl command that opened the store itself), detail = what was done, then "reason: ...".
  routes_reloaded = 9,    ///< detail: the new table version
  reroute_ordered = 10,   ///< an operator re-routed a parked message (the rerouted records follow)
  purge_ordered = 11,     ///< an operator ran retention now; detail: what it purged
  backup_taken = 12,      ///< detail: the backup directory
  forward_override = 13,  ///< an operator forwarded a message on a recipient's behalf (after the forwarded record)
  parked_assigned = 14,   ///< detail: "<recipient>: <reason>" (jubesctl parked assign)
  parked_closed = 15,     ///< detail: the reason (jubesctl parked close)
  checkpoint = 16,        ///< a chain checkpoint (periodic or on demand); detail: "seq=N hash=HEX"
  keys_rotated = 17,      ///< detail: the new data key id, and whether older bodies are re-encrypted
  tls_reloaded = 18,      ///< detail: the certificates now in use, or why the reload was refused
};
std::string_view to_string(audit_kind k) noexcept;

/// A SHA-256 digest (the audit chain's hashes).
using digest = std::array<unsigned char, 32>;

/// One audit record. Every record carries the hash of its predecessor and its own hash over the
/// canonical encoding (storage/audit_chain.hpp): altering, removing or reordering records breaks
/// the chain, which `jubesctl audit verify` detects (docs/storage.md, "Audit trail").
struct audit_record {
  std::uint64_t seq = 0;  ///< gapless, from 1
  std::int64_t at_ms = 0;
  audit_kind kind = audit_kind::accepted;
  std::uint64_t message_id = 0;
  std::string party;     ///< the party or operator the record is about (actor)
  std::string detail;    ///< what happened; for operator actions ends in "reason: ..."
  digest prev_hash{};    ///< the hash of record seq-1 (the anchor's for the first kept record)
  digest hash{};         ///< audit_chain::hash_of(*this)
  bool chained = false;  ///< false: written before the chain existed (no hashes stored)
  /// Set by scans only: why the stored record could not be read (then the other fields are
  /// what could be decoded, perhaps nothing but seq).
  std::string damage;
};

/// Who ordered an operator action, and why; recorded with it. Empty identity: not an operator
/// action (e.g. the gateway re-routing on its own).
struct operator_action {
  std::string identity;  ///< the operator's client-certificate party, or "os:<user>" offline
  std::string reason;
  /// What the caller knows of the action that the store does not, e.g. "not a BIJ participant"
  /// (a forward that overrode the participation check); recorded in parentheses after what was done.
  /// Initialised here so that {identity, reason} stays a complete initialiser.
  std::string note{};
};

/// An operator_action a store accepts: none at all (everything empty), or an identity (a name: 1
/// to 255 bytes without NUL) with a reason and a note without NUL. A reason or note without an
/// identity is refused: it would be an operator action nobody is accountable for.
bool valid(const operator_action& by) noexcept;

/// An audit record to append (submit_audit): seq, time and hashes are assigned by the store.
struct audit_event {
  audit_kind kind = audit_kind::checkpoint;
  std::uint64_t message_id = 0;
  std::string party;   ///< actor
  std::string detail;  ///< what, and "reason: ..."
};

/// "<what>; reason: <reason>" (or just what, without a reason): an operator record's detail.
std::string operator_detail(std::string_view what, std::string_view reason);
/// "<what> (<note>); reason: <reason>" (without " (<note>)" when there is none): the detail of
/// the operator record `by` is written with.
std::string operator_detail(std::string_view what, const operator_action& by);

/// A point of the chain: a record's seq and hash (and time). The anchor is the last record
/// retention removed (seq 0, zero hash before any), the head the newest record; a checkpoint is
/// a head exported to be kept elsewhere.
struct chain_point {
  std::uint64_t seq = 0;
  digest hash{};
  std::int64_t at_ms = 0;
};

/// Both ends of the stored chain.
struct audit_chain_state {
  chain_point anchor;  ///< records up to anchor.seq are gone (retention) or predate the chain
  chain_point head;    ///< the newest record (anchor when there is none after it)
};

/// What `jubesctl audit list` and GET /v1/admin/audit select; zero/empty fields select all.
struct audit_filter {
  std::uint64_t message_id = 0;
  std::string party;
  std::int64_t since_ms = 0;  ///< at_ms >= since_ms (0: no bound)
  std::int64_t until_ms = 0;  ///< at_ms < until_ms (0: no bound)
  std::size_t limit = SIZE_MAX;
};

/// Upper bounds of the histogram buckets in metrics_snapshot (Prometheus `le`); the last is +Inf.
inline constexpr std::array<double, 10> group_size_buckets{1, 2, 4, 8, 16, 32, 64, 128, 256, 512};
inline constexpr std::array<double, 12> commit_seconds_buckets{0.0005, 0.001, 0.002, 0.004, 0.008, 0.016,
                                                               0.032,  0.064, 0.128, 0.256, 0.512, 1.024};

struct metrics_snapshot {
  std::uint64_t queue_depth = 0;
  std::uint64_t queue_capacity = 0;
  std::uint64_t rejected_overloaded = 0;  ///< submits refused because the queue was full
  std::uint64_t commits = 0;              ///< successful write transactions
  std::uint64_t commit_failures = 0;
  std::uint64_t map_grows = 0;
  /// cumulative counts per bucket (index i counts groups <= bound i), last element: all groups
  std::array<std::uint64_t, group_size_buckets.size() + 1> group_size_hist{};
  std::uint64_t group_size_sum = 0;
  std::array<std::uint64_t, commit_seconds_buckets.size() + 1> commit_seconds_hist{};
  double commit_seconds_sum = 0;
  std::uint64_t map_size = 0;  ///< bytes
  std::uint64_t map_used = 0;  ///< bytes in use (last page number * page size)
  std::uint64_t parked = 0;
  std::uint64_t accepted = 0, duplicate = 0, conflict = 0, store_full = 0, io_error = 0;
  std::uint64_t acks = 0, forwards = 0, reroutes = 0;
  std::uint64_t purged_bodies = 0, purged_dedup = 0, purged_audit = 0;
  /// Bodies retention purged while some recipient had not acknowledged them (LMDB; 0 on PostgreSQL,
  /// whose audit records say it all the same).
  std::uint64_t purged_undelivered = 0;
  std::uint64_t last_message_id = 0;
};

/// Whether a store takes writes. Backend-neutral: /readyz and ingest read it.
///  - writable: commits succeed;
///  - full: the store is at its size limit (new messages get store_full; acks, polls and
///    duplicates still work); back to writable once a group with new messages commits again;
///  - failed: a commit or a flush to stable storage failed. After a failed fsync the kernel may
///    have dropped the dirty pages, so a later successful one proves nothing about them
///    ("fsyncgate"): the store stops taking writes for good, fails whatever was waiting for
///    durability (never acknowledged) and needs a restart, which reads what is really on disk.
struct store_health {
  enum class state { writable, full, failed };
  state st = state::writable;
  std::string reason;  ///< empty when writable
};
std::string_view to_string(store_health::state s) noexcept;

/// Result of one retention pass (or of admin purge).
struct purge_result {
  std::uint64_t bodies = 0;       ///< message bodies removed
  std::uint64_t dedup = 0;        ///< dedup records removed
  std::uint64_t audit = 0;        ///< audit records removed
  std::uint64_t undelivered = 0;  ///< bodies removed that some recipient had not acknowledged (audited)
  bool more = false;              ///< a batch limit was hit; another pass would purge more

  /// Adds the counts of another pass (not `more`, which says only what the last pass found).
  void add(const purge_result& o) noexcept {
    bodies += o.bodies;
    dedup += o.dedup;
    audit += o.audit;
    undelivered += o.undelivered;
  }
};

/// Result of check(): an empty `problems` means the store is consistent.
struct check_report {
  std::uint64_t messages = 0, purged = 0, parked = 0, dedup = 0, outbox_entries = 0, recipients = 0, audit = 0,
                blobs = 0;
  /// Blobs written without sealing (before compression/encryption were turned on).
  std::uint64_t plain_blobs = 0;
  std::vector<std::string> problems;  ///< one line each, e.g. "outbox rvdk: gap after seq 41 (next 43)"
  bool ok() const noexcept { return problems.empty(); }
};

/// Counts and sizes for `jubesctl stats`.
struct store_stats {
  std::uint32_t format_version = 0;
  std::uint64_t messages = 0, purged = 0, parked = 0, dedup = 0, recipients = 0, outbox_entries = 0, unacked = 0,
                audit = 0, blobs = 0, last_message_id = 0;
  std::uint64_t map_size = 0, map_used = 0, page_size = 0;
};

}  // namespace jubes::storage
