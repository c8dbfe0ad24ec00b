// SPDX-License-Identifier: EUPL-1.2
#include "pipeline.hpp"

#include <gtest/gtest.h>

#include "codecs/errc.hpp"
#include "gateway/errc.hpp"
#include "testing/testing.hpp"

namespace jubes::gateway::detail {
namespace {

namespace fs = std::filesystem;

// 2026-12-01T12:00:00Z: "today" for the plausibility checks (the examples' events are of November and December 2026).
constexpr std::int64_t k_now = 1'796'126'400'000;

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
    for (auto f : {"routes.yaml", "bij-deelnemers.yaml", "gemeente-splitsingen.yaml"})
      fs::copy_file(conf / f, dir_ / f);
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
  auto a = (*p)->admit(example("piBeeindiging"), party("tulp-gw"), k_now);
  ASSERT_TRUE(a) << a.error().error.message();
  EXPECT_EQ(a->request.party, "tulp-gw");
  EXPECT_EQ(a->request.referentienummer, "TULP-2026-0000184213");
  EXPECT_EQ(a->request.received_at_ms, k_now);
  EXPECT_EQ(a->request.recipients, std::vector<std::string>{"gemeente:0363/bij"});
  EXPECT_FALSE(a->parked);

  auto z = (*p)->admit(example("piBeeindiging"), party("selectie"), k_now);
  ASSERT_FALSE(z);
  EXPECT_EQ(z.error().error, errc::zender_mismatch);
  EXPECT_EQ(z.error().cross_ref, "TULP-2026-0000184213");

  auto bad = (*p)->admit("<x/>", party("tulp-gw"), k_now);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().error.code.category(), codecs::codecs_category());
  EXPECT_GT(bad.error().line, 0u);
}

TEST_F(pipeline_test, an_implausible_notice_is_refused_between_validation_and_routing_naming_the_field) {
  cfg_->plausibility.event_max_future_days = 30;
  auto p = pipeline::open(*cfg_);
  ASSERT_TRUE(p) << p.error().message();
  // The receive time is "today": the same notice is plausible on 2026-12-01 and its event too far ahead a year earlier.
  ASSERT_TRUE((*p)->admit(example("piVerlof"), party("tulp-gw"), k_now));
  auto early = (*p)->admit(example("piVerlof"), party("tulp-gw"), k_now - 365LL * 86'400'000);
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().error, errc::implausible);
  EXPECT_EQ(early.error().element_path, "gebeurtenisdatum");
  EXPECT_NE(early.error().error.detail.find("plausibility.event_max_future_days"), std::string::npos)
      << early.error().error.detail;
  EXPECT_EQ(early.error().cross_ref, "TULP-2026-0000184301") << "the Fo03 refers to the refused notice";
  // A birth date after the event.
  std::string xml = example("piVerlof");
  const auto at = xml.find("<dti:geboortedatum>") + std::string("<dti:geboortedatum>").size();
  xml.replace(at, 10, "2026-12-20");
  auto born = (*p)->admit(xml, party("tulp-gw"), k_now + 30LL * 86'400'000);
  ASSERT_FALSE(born);
  EXPECT_EQ(born.error().element_path, "persoon/geboortedatum");
  const auto reply = fault_reply(born.error(), k_now);
  EXPECT_EQ(reply.status, 400u);
  EXPECT_STREQ(reply.stuf_code, "StUF055");
  EXPECT_NE(reply.body.find("persoon/geboortedatum 2026-12-20 is after gebeurtenisdatum"), std::string::npos)
      << reply.body;
  // Authorisation comes first: a party that may not send the type learns nothing about the dates.
  auto z = (*p)->admit(xml, party("selectie"), k_now);
  ASSERT_FALSE(z);
  EXPECT_EQ(z.error().error, errc::zender_mismatch);
}

TEST_F(pipeline_test, a_reload_rereads_the_municipality_table_and_a_broken_one_keeps_the_old_snapshot) {
  const fs::path csv = dir_ / "gemeenten.csv";
  fs::copy_file(cfg_->gemeenten_file, csv);
  cfg_->gemeenten_file = csv;
  auto p = pipeline::open(*cfg_);
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_TRUE((*p)->gemeenten()->is_current("0363"));
  const auto before = (*p)->routes();
  EXPECT_EQ(before->gemeenten, (*p)->gemeenten());

  // A broken table: refused with file:line, the snapshot (routes and table) keeps serving.
  std::string text = jubes::testing::read_file(csv);
  jubes::testing::write_file(dir_.path(), "gemeenten.csv", text + "\"12\",\"Kapot\",\"\",\"\",\"\",\"\"\n");
  auto r = (*p)->reload_routes();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().detail.rfind("gemeenten_file: gemeenten.csv:", 0), 0u) << r.error().detail;
  EXPECT_EQ((*p)->routes(), before);

  // Ten Boer's successor Groningen (0014) dissolved into Het Hogeland (1966), for the test: the BIJ list names
  // 0014, which is then no current municipality, so the routes do not compile against that table either.
  std::string dissolved = text;
  const auto row = dissolved.find("\"0014\",\"Groningen\",\"\",\"\",\"\"");
  ASSERT_NE(row, std::string::npos);
  dissolved.replace(row, std::string("\"0014\",\"Groningen\",\"\",\"\",\"\"").size(),
                    "\"0014\",\"Groningen\",\"1966\",\"\",\"20260101\"");
  jubes::testing::write_file(dir_.path(), "gemeenten.csv", dissolved);
  r = (*p)->reload_routes();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().detail.find("bij-deelnemers.yaml"), std::string::npos) << r.error().detail;
  EXPECT_NE(r.error().detail.find("'0014' is not a current municipality"), std::string::npos) << r.error().detail;
  EXPECT_EQ((*p)->routes(), before);

  // Without 0014 in the list the reload succeeds and the new table is in service.
  std::string list = jubes::testing::read_file(dir_ / "bij-deelnemers.yaml");
  const auto entry = list.find("- \"0014\"");
  ASSERT_NE(entry, std::string::npos);
  list.erase(entry, list.find('\n', entry) + 1 - entry);
  jubes::testing::write_file(dir_.path(), "bij-deelnemers.yaml", list);
  r = (*p)->reload_routes();
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_FALSE((*p)->gemeenten()->is_current("0014"));
  EXPECT_EQ((*p)->gemeenten()->current("0009"), std::optional<std::string_view>("1966"));
  EXPECT_EQ((*r)->gemeenten, (*p)->gemeenten());
  EXPECT_EQ((*p)->route_generation(), 1u);
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
