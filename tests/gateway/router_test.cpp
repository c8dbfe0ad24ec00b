// SPDX-License-Identifier: EUPL-1.2
#include "handlers/router.hpp"

#include <gtest/gtest.h>

#include "gateway/errc.hpp"

namespace jubes::gateway::detail {
namespace {

using v = http::verb;

TEST(router, matches_method_and_path_with_an_id) {
  auto r = api_routes();
  auto m = r.match(v::post, "/v1/messages", false);
  ASSERT_NE(m.found, nullptr);
  EXPECT_EQ(m.found->fn, &handle_ingest);
  m = r.match(v::post, "/v1/messages/42/forward", false);
  ASSERT_NE(m.found, nullptr);
  EXPECT_EQ(m.found->fn, &handle_forward);
  EXPECT_EQ(m.id, 42u);
  m = r.match(v::get, "/v1/messages/7", false);
  ASSERT_NE(m.found, nullptr);
  EXPECT_EQ(m.id, 7u);
}

TEST(router, another_method_is_405_an_unknown_path_404) {
  auto r = api_routes();
  EXPECT_EQ(r.match(v::get, "/v1/messages", false).error, errc::method_not_allowed);
  EXPECT_EQ(r.match(v::delete_, "/v1/messages/7", false).error, errc::method_not_allowed);
  EXPECT_EQ(r.match(v::get, "/v1/messages/x", false).error, errc::not_found);
  EXPECT_EQ(r.match(v::get, "/v1/messages/7/", false).error, errc::not_found);
  EXPECT_EQ(r.match(v::get, "/v1/messages/7/other", false).error, errc::not_found);
  EXPECT_EQ(r.match(v::get, "/", false).error, errc::not_found);
}

TEST(router, a_405_names_the_methods_the_path_has) {
  auto r = api_routes();
  EXPECT_EQ(r.match(v::get, "/v1/messages", false).allow, "POST");
  EXPECT_EQ(r.match(v::delete_, "/v1/messages/7", false).allow, "GET");
  EXPECT_EQ(r.match(v::post, "/v1/outbox", false).allow, "GET");
  EXPECT_EQ(r.match(v::get, "/nope", false).allow, "");
}

TEST(router, admin_paths_exist_only_for_operators) {
  auto r = api_routes();
  EXPECT_EQ(r.match(v::get, "/v1/admin/stats", false).error, errc::not_found);
  EXPECT_EQ(r.match(v::post, "/v1/admin/stats", false).error, errc::not_found);
  EXPECT_NE(r.match(v::get, "/v1/admin/stats", true).found, nullptr);
  EXPECT_EQ(r.match(v::post, "/v1/admin/stats", true).error, errc::method_not_allowed);
  // TLS reload (issue 16): operators only, POST only.
  EXPECT_EQ(r.match(v::post, "/v1/admin/tls/reload", false).error, errc::not_found);
  EXPECT_EQ(r.match(v::post, "/v1/admin/tls/reload", true).found->fn, &handle_tls_reload);
  EXPECT_EQ(r.match(v::get, "/v1/admin/tls/reload", true).error, errc::method_not_allowed);
}

TEST(router, split_target_decodes_the_query) {
  auto t = split_target("/v1/messages/1/forward?to=gemeente%3A0599&x=a+b&flag");
  EXPECT_EQ(t.path, "/v1/messages/1/forward");
  ASSERT_NE(t.query.get("to"), nullptr);
  EXPECT_EQ(*t.query.get("to"), "gemeente:0599");
  EXPECT_EQ(*t.query.get("x"), "a b");
  EXPECT_EQ(*t.query.get("flag"), "");
  EXPECT_EQ(t.query.get("y"), nullptr);
}

}  // namespace
}  // namespace jubes::gateway::detail
