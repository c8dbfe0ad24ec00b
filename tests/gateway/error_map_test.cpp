// SPDX-License-Identifier: EUPL-1.2
#include "gateway/error_map.hpp"

#include <gtest/gtest.h>

#include "codecs/errc.hpp"
#include "gateway/errc.hpp"
#include "storage/errc.hpp"

namespace jubes::gateway {
namespace {

TEST(error_map, codec_faults_are_client_errors) {
  EXPECT_EQ(map_error(codecs::errc::not_well_formed).status, 400u);
  EXPECT_EQ(map_error(codecs::errc::schema_invalid).status, 400u);
  EXPECT_EQ(map_error(codecs::errc::semantic_invalid).status, 400u);
  EXPECT_EQ(map_error(codecs::errc::dtd_forbidden).status, 400u);
  EXPECT_EQ(map_error(codecs::errc::too_large).status, 413u);
  EXPECT_EQ(map_error(codecs::errc::unsupported_encoding).status, 415u);
  EXPECT_STREQ(map_error(codecs::errc::schema_invalid).plek, "client");
  EXPECT_EQ(map_error(codecs::errc::internal).status, 500u);
}

TEST(error_map, gateway_refusals) {
  EXPECT_EQ(map_error(errc::unknown_party).status, 403u);
  EXPECT_EQ(map_error(errc::type_not_allowed).status, 403u);
  EXPECT_EQ(map_error(errc::zender_mismatch).status, 403u);
  EXPECT_EQ(map_error(errc::unsupported_media_type).status, 415u);
  EXPECT_EQ(map_error(errc::not_found).status, 404u);
  auto r = map_error(errc::rate_limited);
  EXPECT_EQ(r.status, 429u);
  EXPECT_GT(r.retry_after_s, 0u);
  auto c = map_error(errc::referentienummer_reused);
  EXPECT_EQ(c.status, 409u);
  EXPECT_STREQ(c.stuf_code, "StUF016");
  EXPECT_EQ(c.text, "Combinatie zender en referentienummer niet uniek");
}

TEST(error_map, storage_outcomes) {
  EXPECT_EQ(map_error(storage::errc::store_full).status, 507u);
  auto o = map_error(storage::errc::overloaded);
  EXPECT_EQ(o.status, 503u);
  EXPECT_GT(o.retry_after_s, 0u);
  EXPECT_EQ(map_error(storage::errc::not_recipient).status, 404u);
  // An outcome we cannot vouch for: retry; dedup absorbs the repeat.
  auto io = map_error(storage::errc::io_error);
  EXPECT_EQ(io.status, 503u);
  EXPECT_GT(io.retry_after_s, 0u);
}

TEST(error_map, unknown_category_is_a_server_fault) {
  auto f = map_error(std::make_error_code(std::errc::no_space_on_device));
  EXPECT_EQ(f.status, 500u);
  EXPECT_STREQ(f.plek, "server");
}

}  // namespace
}  // namespace jubes::gateway
