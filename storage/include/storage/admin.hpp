// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Operator functions behind jubesctl: each returns data, plus a to_text that renders it as the
// lines jubesctl prints. They work on any backend: a store from store::open_readonly (a live data
// directory while jubesd runs) or from store::open. None of them ever prints message bodies.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "storage/store.hpp"

namespace jubes::storage::admin {

/// One row of `jubesctl outbox list`.
struct outbox_row {
  std::string recipient;
  std::uint64_t head = 0;
  std::uint64_t cursor = 0;
  std::uint64_t backlog = 0;              ///< head - cursor
  std::int64_t oldest_unacked_age_s = 0;  ///< 0 when backlog is 0
};

/// @param now_ms the current time (ms since the epoch), for the age column.
jubes::result<std::vector<outbox_row>> outbox_list(const backend& s, std::int64_t now_ms);
/// A header line and one aligned line per recipient.
std::string to_text(const std::vector<outbox_row>& rows);

/// `jubesctl parked list`.
jubes::result<std::vector<parked_entry>> parked_list(const backend& s);
std::string to_text(const std::vector<parked_entry>& rows);

/// `jubesctl check`: "ok: ..." counts, or one line per problem. Exit non-zero when !r.ok().
std::string to_text(const check_report& r);

/// `jubesctl check`, crash-proof: opens `dir` read-only and runs check() in a forked child, so
/// that pages damaged in a way LMDB itself does not survive (it follows page pointers without
/// bounds checks) end the child, not jubesctl; that is reported as a problem. Call it from a
/// process with no other threads running (fork copies only the calling thread).
check_report check_isolated(const std::filesystem::path& dir, const at_rest_options& at_rest = {});

/// `jubesctl stats`: key=value lines.
std::string to_text(const store_stats& s);

/// `jubesctl backup DIR`: hot compacting copy, complete with its manifest or not there at all.
/// `progress` (if set) is called about every 200 ms from another thread with the bytes copied so far.
jubes::result<void> backup(const backend& s, const std::filesystem::path& dir,
                           const std::function<void(std::uint64_t bytes)>& progress = {});

/// @return whether a process (jubesd, or jubesctl writing) holds the store directory `dir`: the
/// flock on dir/LOCK is taken. Quiet: logs nothing. errc::io_error if LOCK cannot be opened.
jubes::result<bool> held(const std::filesystem::path& dir);

/// What restore did.
struct restore_result {
  std::uint64_t bytes = 0;           ///< size of the restored data.mdb
  std::filesystem::path kept_aside;  ///< with `force`: where the store that was in `dir` went; else empty
};
/// `jubesctl restore BACKUP`: verifies the backup against its manifest first, then copies it to
/// the store directory `dir` under a temporary name and renames it into place (complete or not at
/// all). Refuses while a process holds `dir` (errc::locked) and when `dir` holds anything unless
/// `force` (errc::invalid_argument; with force the old directory is renamed to DIR.replaced-MS).
/// The next open verifies the manifest again and retires it (docs/operations.md, "Restore").
jubes::result<restore_result> restore(const std::filesystem::path& backup, const std::filesystem::path& dir,
                                      bool force);

/// `jubesctl backup verify DIR`: data.mdb matches the backup's manifest (size, SHA-256).
/// @return errc::not_found without a manifest (an incomplete backup), errc::corrupt on a mismatch.
jubes::result<void> verify_backup(const std::filesystem::path& dir);

/// `jubesctl init`: creates a new, empty store in o.dir where store::open would refuse to (the
/// directory held a store or other files, or data.mdb is empty); refuses over a non-empty data.mdb
/// (errc::corrupt, bad_version) and while jubesd holds the directory (errc::locked). Opening an
/// existing store is a no-op. See docs/storage.md, "Damaged stores".
jubes::result<void> initialise(const options& o);

/// `jubesctl purge` when jubesd is NOT running: opens the store exclusively (errc::locked if jubesd
/// holds it: the running gateway purges on its own schedule), runs retention to completion, closes.
/// `by` (identity non-empty): a purge_ordered audit record with what was purged follows.
jubes::result<purge_result> purge_offline(const options& o, const operator_action& by = {});

/// Appends one audit record to `s` and waits until it is durable (jubesctl's offline actions).
jubes::result<audit_record> record(backend& s, audit_event e);
std::string to_text(const purge_result& r);

}  // namespace jubes::storage::admin
