// SPDX-License-Identifier: EUPL-1.2
#pragma once
// The audit trail's hash chain, defined once for every backend (docs/storage.md, "Audit trail"):
// the canonical encoding of a record, its hash, sealing a record onto the chain, checkpoints as
// text, and the verifier behind `jubesctl audit verify`.
//
// Canonical encoding (version 1), big-endian, no padding:
//   "jubes-audit-1" | be64 seq | be64 at_ms | u8 kind | be64 message_id
//   | be32 len | party bytes | be32 len | detail bytes | 32 bytes prev_hash
// hash = SHA-256 (OpenSSL EVP) of that. The first record's prev_hash is the anchor's hash (32
// zero bytes for a store that never purged). Changing this encoding breaks every stored chain.
//
// Lifecycle: plain functions and one value type. Threading: any thread.
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "storage/types.hpp"

namespace jubes::storage {
class backend;
}

namespace jubes::storage::audit_chain {

/// The canonical encoding of `r` (seq, at_ms, kind, message_id, party, detail, prev_hash).
std::string canonical(const audit_record& r);
/// SHA-256 of canonical(r). A zero digest if OpenSSL fails (then no stored hash matches).
digest hash_of(const audit_record& r);
/// Puts `r` on the chain after `prev`: sets r.prev_hash, r.hash and r.chained.
void seal(audit_record& r, const digest& prev);

/// Lower-case hex of a digest, and back (@return false unless exactly 64 hex digits).
std::string hex(const digest& d);
bool parse_hex(std::string_view s, digest& out);

/// A checkpoint as one JSON object: {"seq":N,"hash":"HEX","at":"ISO-8601","at_ms":N}.
std::string checkpoint_json(const chain_point& p);
/// Reads what checkpoint_json wrote (other keys ignored). @return errc::invalid_argument naming
/// what is wrong.
jubes::result<chain_point> parse_checkpoint(std::string_view json);

/// The outcome of a verification. `ok` is false when the chain is broken; then `bad_seq` is the
/// first record found bad and `problem` says why ("hash mismatch", "gap", "out of order",
/// "chain break", "truncated", "damaged", "checkpoint mismatch").
struct verify_report {
  bool ok = true;
  std::uint64_t checked = 0;    ///< chained records whose hashes were checked
  std::uint64_t pre_chain = 0;  ///< records at or below the anchor (written before the chain)
  chain_point anchor, head;     ///< as stored
  chain_point from;             ///< where verification started (anchor or checkpoint)
  std::uint64_t bad_seq = 0;
  std::string problem;
  std::uint64_t after_head = 0;    ///< the first record found after the head (a live store appends)
  std::vector<std::string> notes;  ///< e.g. "verified from the retention anchor at seq 120"
};

/// Verifies a stream of records (in stored order) against the stored anchor and head, and,
/// given a checkpoint, that the checkpointed record is still there with that hash. Feed every
/// record with seq >= start_seq(); stop when feed returns false.
class verifier {
 public:
  verifier(audit_chain_state st, std::optional<chain_point> checkpoint);
  /// The first seq to feed (records before it need not be read).
  std::uint64_t start_seq() const noexcept { return start_; }
  /// @return false once the chain is found broken (stop feeding).
  bool feed(const audit_record& r);
  /// Call after the last record: checks the end against the head.
  verify_report finish();

 private:
  bool broken(std::uint64_t seq, std::string why);
  verify_report rep_;
  std::optional<chain_point> cp_;
  std::uint64_t start_ = 1, expect_ = 1;
  digest running_{};
  bool at_checkpoint_ = false;  // the next record must be the checkpointed one
  bool done_ = false;
};

/// Runs a verifier over `b` (audit_chain(), then scan_audit from its start). @return the report,
/// or the error that kept the records from being read at all.
jubes::result<verify_report> verify(const backend& b, std::optional<chain_point> checkpoint = std::nullopt);

/// One line per fact for `jubesctl audit verify`: "ok: ..." or "broken: seq N: ...".
std::string to_text(const verify_report& r);
std::string to_json(const verify_report& r);

/// The records `f` selects, in seq order, read through scan_audit (backend-neutral).
jubes::result<std::vector<audit_record>> list(const backend& b, const audit_filter& f);

/// ISO-8601 UTC with milliseconds ("2026-11-30T18:27:00.000Z"), and back (also accepts a date
/// "2026-11-30", seconds without fraction, and a "+00:00" offset). @return false if unreadable.
std::string iso8601(std::int64_t ms);
bool parse_iso8601(std::string_view s, std::int64_t& ms);

/// One record as a JSON object (seq, at, at_ms, kind, message_id, party, detail, prev_hash,
/// hash), and a list as one JSON array.
std::string to_json(const audit_record& r);
std::string to_json(const std::vector<audit_record>& rs);
/// One aligned line per record.
std::string to_text(const std::vector<audit_record>& rs);

}  // namespace jubes::storage::audit_chain
