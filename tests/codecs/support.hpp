// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Shared fixtures of the codecs tests: xerces is initialised once per binary (a gtest environment), the catalogs
// are loaded once and dropped before xerces terminates.
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>

#include "codecs/catalog.hpp"
#include "codecs/validator.hpp"
#include "testing/testing.hpp"

namespace jubes::codecs::test {

using jubes::testing::read_file;
using jubes::testing::source_dir;

std::filesystem::path schema_dir();    // conf/schemas/jubes
std::filesystem::path examples_dir();  // conf/examples
std::filesystem::path stuf_dir();      // ../shared/stuf; a missing corpus fails the test that asks

/// The jubes set, the replies set and the outbox (delivery documents) set.
const std::shared_ptr<const schema_catalog>& jubes_catalog();
/// The municipality codes of RvIG table 33 (../shared/data); a missing table fails the test that asks.
const std::unordered_set<std::string>& gemeentecodes();
semantic_options test_semantics();

}  // namespace jubes::codecs::test
