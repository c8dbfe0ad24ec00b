// SPDX-License-Identifier: EUPL-1.2
// Bad input never crashes routing: truncated and garbled routes files are refused with a
// positioned error, and arbitrary field values give a well-formed decision.
#include <gtest/gtest.h>

#include <random>

#include "common/recipient.hpp"
#include "routing/errc.hpp"
#include "routing/table.hpp"
#include "test_support.hpp"

namespace jubes::routing {
namespace {

std::string default_text() {
  return jubes::testing::read_file(test::conf_dir() / "routes.yaml");
}

TEST(robustness, every_truncation_of_the_default_file_compiles_or_is_refused_with_a_position) {
  const std::string text = default_text();
  ASSERT_FALSE(text.empty());
  const auto ctx = test::context();
  int refused = 0;
  for (std::size_t cut = 0; cut <= text.size(); cut += 29) {
    auto r = table::compile_text(text.substr(0, cut), "routes.yaml", test::conf_dir(), ctx);
    if (r) continue;
    ++refused;
    EXPECT_EQ(r.error().code.category(), routing_category());
    EXPECT_EQ(r.error().detail.rfind("routes.yaml:", 0), 0u) << "cut at " << cut << ": " << r.error().detail;
  }
  EXPECT_GT(refused, 0);
}

TEST(robustness, garbled_files_are_refused_not_crashed) {
  const std::string text = default_text();
  const auto ctx = test::context();
  std::mt19937 rng(12345);
  const std::string junk = "{}[]:-,'\"|&*!%@`#\n\t x";
  for (int i = 0; i < 100; ++i) {
    std::string t = text;
    for (int k = 0; k < 3; ++k) t[rng() % t.size()] = junk[rng() % junk.size()];
    auto r = table::compile_text(t, "routes.yaml", test::conf_dir(), ctx);
    if (!r) {
      EXPECT_EQ(r.error().code.category(), routing_category());
      EXPECT_FALSE(r.error().detail.empty());
    }
  }
}

TEST(robustness, arbitrary_field_values_give_well_formed_decisions) {
  auto compiled = table::compile(test::conf_dir() / "routes.yaml", test::context());
  ASSERT_TRUE(compiled) << compiled.error().message();
  const table& t = **compiled;
  const std::vector<std::string> types{"piBeeindiging",      "piVerlof", "melding18b", "einddetentie",
                                       "idvDetentieverloop", "",         "x"};
  const std::vector<std::string> sources{"tulp-gw", "jvs", "", "mits"};
  const std::vector<std::string> pool{
      "",           " ",          "0363",        "0518 ",     "0000",     "1999",
      "1034",       "0096",       "abcd",        "true",      "false",    "1",
      "0",          "zeden",      "overig",      "-5",        "365",      "99999999999999999999",
      "2010-01-01", "2026-13-45", "2026-12-12Z", "PI-ALM-01", "\xff\xfe", "2008-02-29"};
  std::mt19937 rng(4242);
  for (int i = 0; i < 3000; ++i) {
    std::vector<std::vector<std::string>> fields(rng() % (t.field_paths().size() + 2));
    for (auto& f : fields) {
      f.resize(rng() % 4);
      for (auto& v : f) v = pool[rng() % pool.size()];
    }
    facts f{types[rng() % types.size()], sources[rng() % sources.size()], &fields};
    decision d = t.route(f);
    EXPECT_TRUE(std::is_sorted(d.recipients.begin(), d.recipients.end()));
    EXPECT_EQ(std::adjacent_find(d.recipients.begin(), d.recipients.end()), d.recipients.end());
    EXPECT_EQ(d.recipients.empty(), !d.park_reason.empty());
    EXPECT_EQ(d.table_version, t.version());
    for (const auto& r : d.recipients) {
      const auto who = recipient::parse(r);
      bool ok = r == "rvdk" || r == "idv" || r == "hvh-almelo" || r == "3ro" ||
                (who && who->is_municipality() && test::registry()->is_current(who->gemeentecode()));
      EXPECT_TRUE(ok) << r;
    }
    decision again = t.route(f);
    EXPECT_EQ(again.recipients, d.recipients);
    EXPECT_EQ(again.park_reason, d.park_reason);
    std::string text = t.explain(f);
    EXPECT_NE(text.find("recipients: "), std::string::npos);
  }
}

}  // namespace
}  // namespace jubes::routing
