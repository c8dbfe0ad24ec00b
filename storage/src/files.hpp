// SPDX-License-Identifier: EUPL-1.2
#pragma once
// The files of a data directory around LMDB's own: the checks before LMDB may touch data.mdb (a
// damaged or missing file is refused, never mounted and never silently replaced by a new store),
// the marker that says a directory holds (or held) a store, and backups written under a temporary
// name with a manifest (size and SHA-256 of data.mdb) that a restore verifies. See
// docs/storage.md, "Damaged stores". Threading: any thread; no state.
#include <cstdint>
#include <filesystem>
#include <functional>

#include "common/result.hpp"
#include "lmdb.hpp"

namespace jubes::storage::files {

inline constexpr const char* data_name = "data.mdb";
/// Written when a store is created (and on any open that finds it missing): a directory with this
/// marker and no usable data.mdb lost its store, it is not new.
inline constexpr const char* marker_name = "jubes-store";
/// A backup's manifest: written last, so a directory without it is not a complete backup.
inline constexpr const char* manifest_name = "MANIFEST";

/// What a data directory holds before LMDB opens it.
enum class found { new_store, existing };

/// Decides, before LMDB opens `dir`, whether it holds an LMDB file or may become a new store.
/// A data.mdb that is empty or not an LMDB file is errc::corrupt; no data.mdb in a directory that
/// holds anything but our LOCK file is errc::not_found. `initialise` (never with `read_only`)
/// allows a new store where no data.mdb or an empty one is (it removes the empty file).
jubes::result<found> preflight(const std::filesystem::path& dir, bool initialise, bool read_only);

/// After mdb_env_open and before any transaction: data.mdb must hold every page its meta page
/// counts (last page number + 1) × page size), else a read would SIGBUS. errc::corrupt otherwise.
jubes::result<void> check_size(MDB_env* env, const std::filesystem::path& dir);

/// Writes the marker if it is missing (fsynced with the directory).
jubes::result<void> ensure_marker(const std::filesystem::path& dir);

/// Writes a backup to `dir` (which must not exist or be empty): `copy(tmp)` fills a temporary
/// sibling directory (mode 0700), then data.mdb is made 0600 and synced, the manifest written and
/// synced, and only then the directory renamed to `dir`. On failure the temporary one is removed;
/// a killed process leaves only a ".<name>.partial-<pid>" without a manifest.
jubes::result<void> write_backup(const std::filesystem::path& dir,
                                 const std::function<jubes::result<void>(const std::filesystem::path&)>& copy);

/// The temporary sibling directory write_backup fills before it renames it to `dir` (progress
/// reports watch its data.mdb grow).
std::filesystem::path partial_path(const std::filesystem::path& dir);

/// @return whether `dir` holds a backup manifest (then open and check verify it).
bool has_manifest(const std::filesystem::path& dir);
/// Verifies data.mdb in `dir` against its manifest: errc::not_found without one, errc::corrupt
/// when the size or the SHA-256 differs.
jubes::result<void> verify_backup(const std::filesystem::path& dir);
/// After a restore has been verified and opened for writing, the manifest no longer describes
/// data.mdb: it is renamed to MANIFEST.restored.
jubes::result<void> retire_manifest(const std::filesystem::path& dir);

}  // namespace jubes::storage::files
