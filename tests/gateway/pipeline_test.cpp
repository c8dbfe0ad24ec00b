// SPDX-License-Identifier: EUPL-1.2
#include "pipeline.hpp"

#include <gtest/gtest.h>

#include "codecs/errc.hpp"
#include "gateway/errc.hpp"
#include "testing/testing.hpp"

namespace jubes::gateway::detail {
namespace {

namespace fs = std::filesystem;

class pipeline_test : public ::testing::Test {
 protected:
  void SetUp() override {
    auto conf = jubes::testing::source_dir() / "conf";
    config_overrides ov;
    ov.data_dir = dir_.path().string();
    ov.require_tls_files = false;
    auto c = load_config(conf / "jubes.yaml", ov);
    ASSERT_TRUE(c) << c.error().message();
    cfg_.emplace(std::move(*c));
    // A routes file of our own, so that a test can break it.
    for (auto f : {"routes.yaml", "bij-deelnemers.yaml"}) fs::copy_file(conf / f, dir_ / f);
    cfg_->routes_file = dir_ / "routes.yaml";
  }
  const party_config& party(std::string_view id) const {
    for (const auto& p : cfg_->parties)
      if (p.id == id) return p;
    throw std::runtime_error("no party");
  }
  static std::string example(const std::string& name) {
    return jubes::testing::read_file(jubes::testing::source_dir() / "conf" / "examples" / (name + ".xml"));
  }

  jubes::testing::temp_dir dir_{"pipeline"};
  std::optional<config> cfg_;
};

TEST_F(pipeline_test, admits_validates_authorises_and_routes) {
  auto p = pipeline::open(*cfg_);
  ASSERT_TRUE(p) << p.error().message();
  auto a = (*p)->admit(example("piBeeindiging"), party("tulp-gw"), 1234);
  ASSERT_TRUE(a) << a.error().error.message();
  EXPECT_EQ(a->request.party, "tulp-gw");
  EXPECT_EQ(a->request.referentienummer, "TULP-2026-0000184213");
  EXPECT_EQ(a->request.received_at_ms, 1234);
  EXPECT_EQ(a->request.recipients, std::vector<std::string>{"gemeente:0363/bij"});
  EXPECT_FALSE(a->parked);

  auto z = (*p)->admit(example("piBeeindiging"), party("selectie"), 0);
  ASSERT_FALSE(z);
  EXPECT_EQ(z.error().error, errc::zender_mismatch);
  EXPECT_EQ(z.error().cross_ref, "TULP-2026-0000184213");

  auto bad = (*p)->admit("<x/>", party("tulp-gw"), 0);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().error.code.category(), codecs::codecs_category());
  EXPECT_GT(bad.error().line, 0u);
}

TEST_F(pipeline_test, explain_names_the_source_and_the_rules) {
  auto p = pipeline::open(*cfg_);
  ASSERT_TRUE(p) << p.error().message();
  auto text = (*p)->explain(example("piBeeindiging"));
  ASSERT_TRUE(text) << text.error().error.message();
  EXPECT_EQ(text->rfind("source: tulp-gw\n", 0), 0u) << *text;
}

TEST_F(pipeline_test, a_bad_routes_file_is_refused_and_the_old_table_keeps_serving) {
  auto p = pipeline::open(*cfg_);
  ASSERT_TRUE(p) << p.error().message();
  auto before = (*p)->routes();
  jubes::testing::write_file(dir_.path(), "routes.yaml", "rules: [\n");
  auto r = (*p)->reload_routes();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().detail.rfind("routes_file: ", 0), 0u) << r.error().detail;
  EXPECT_EQ((*p)->routes(), before);
  EXPECT_EQ((*p)->route_generation(), 0u);

  // And at open() the same file is the error, naming its key.
  auto q = pipeline::open(*cfg_);
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error().detail.rfind("routes_file: ", 0), 0u) << q.error().detail;
}

TEST_F(pipeline_test, validation_only_needs_no_routes) {
  jubes::testing::write_file(dir_.path(), "routes.yaml", "rules: [\n");
  pipeline_options o;
  o.load_routes = false;
  auto p = pipeline::open(*cfg_, o);
  ASSERT_TRUE(p) << p.error().message();
  auto v = (*p)->validate(example("piVerlof"));
  ASSERT_TRUE(v) << v.error().error.message();
  EXPECT_EQ(v->env.message_type, "piVerlof");
}

TEST_F(pipeline_test, a_missing_municipality_table_names_its_key) {
  cfg_->gemeenten_file = dir_ / "absent.csv";
  auto p = pipeline::open(*cfg_);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().detail.rfind("gemeenten_file: ", 0), 0u) << p.error().detail;
}

}  // namespace
}  // namespace jubes::gateway::detail
