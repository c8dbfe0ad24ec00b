// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Private: how the configuration becomes the libraries' own settings. Shared by the pipeline, the
// API (api.cpp) and jubesctl (ctl.cpp) so that all open the same store and compile routes the same way.
#include <memory>
#include <string>
#include <vector>

#include "codecs/catalog.hpp"
#include "gateway/config.hpp"
#include "pgstore/pgstore.hpp"
#include "routing/table.hpp"
#include "storage/store.hpp"

namespace jubes::pgstore {
struct options;  // pgstore/pgstore.hpp: a private dependency of the gateway
}  // namespace jubes::pgstore

namespace jubes::gateway::detail {

/// @return the store options of `cfg` (directory <data_dir>/store).
storage::options store_options(const config& cfg);
/// Compression and the KEK (store.compression, store.encryption.*): the KEK is read here.
/// @return storage::errc::bad_key naming the file or credential when it is missing or unusable.
jubes::result<storage::at_rest_options> at_rest_options(const config& cfg);
/// store_options() with at_rest_options(): what opening the LMDB store needs.
/// @return the error of at_rest_options(), its detail prefixed with the store directory.
jubes::result<storage::options> lmdb_options(const config& cfg);

/// @return the PostgreSQL store options of `cfg` (store.backend: postgresql).
jubes::result<pgstore::options> pg_options(const config& cfg);

/// @return true if `cfg` stores messages in PostgreSQL (store.backend: postgresql)
bool uses_postgresql(const config& cfg);

/// Opens the store `cfg` chooses (store.backend): the embedded LMDB store in <data_dir>/store or
/// the PostgreSQL store. @return the store, or the error with a detail naming which store failed
jubes::result<std::unique_ptr<storage::backend>> open_backend(const config& cfg);

/// @return the codec schema sets of `cfg`.
std::vector<codecs::schema_set_config> schema_sets(const config& cfg);

/// @return what a routes file may name under `cfg`, checked against `catalog` and `gemeenten`.
routing::compile_context compile_context(const config& cfg, std::shared_ptr<const codecs::schema_catalog> catalog,
                                         std::shared_ptr<const routing::gemeente_registry> gemeenten);

/// Checks every `gemeente:NNNN` party against the municipality table.
/// @return errc::config_invalid naming the party entry's position, or nothing
jubes::result<void> check_parties(const config& cfg, const routing::gemeente_registry& gemeenten);

/// @return `e` with the position of the key it names ("routes_file: ...") in front, if it names one
jubes::error located(const config& cfg, const jubes::error& e);

/// @return the source party whose configured zender is organisatie/applicatie, or "" if none.
std::string source_for_zender(const config& cfg, const std::string& organisatie, const std::string& applicatie);

}  // namespace jubes::gateway::detail
