// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Verifying a store's page structure before it is mounted (docs/storage.md, "Damaged stores").
//
// LMDB trusts its pages: a branch page with a garbage child number or node offset makes it read
// outside the page or the map, and a process that follows it dies of SIGSEGV (LMDB 0.9.24,
// mdb_page_search). So before a store is mounted, a forked child opens it read-only and walks
// everything LMDB will ever follow: every record of the main, free-list and named databases with a
// cursor (touching every key and value byte, so also every overflow page), each table's counts
// against its own statistics, every free-list page number against the file, and (depth full) the
// store's record-level check(). The parent mounts the store only when the child reports a clean
// walk; a child that dies, hangs or finds damage makes the open fail with errc::corrupt naming the
// cause, so a damaged store is refused, never a crash of jubesd or jubesctl.
//
// Threading: fork() from a process with threads is fine here: the child only uses LMDB, malloc
// and its own pipe, then _exit()s. Lifecycle: none; one call per open.
#include <filesystem>

#include "common/result.hpp"
#include "storage/types.hpp"

namespace jubes::storage::verify {

/// Runs the walk of `dir` (a store LMDB may open) in a forked child and waits for its verdict.
/// @param live the directory may have a running writer (open_readonly): the child then takes a
///        reader slot like any reader; otherwise (we hold the flock) it opens without LMDB's lock.
/// @return {} when clean; errc::corrupt with the cause (damage found, or the child died of signal
///         N), errc::io_error when no child could be run.
/// @param at_rest the keys for depth full (check() opens every sealed body)
jubes::result<void> isolated(const std::filesystem::path& dir, open_check depth, bool live,
                             const at_rest_options& at_rest = {});

}  // namespace jubes::storage::verify
