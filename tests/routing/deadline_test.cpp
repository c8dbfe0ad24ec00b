// SPDX-License-Identifier: EUPL-1.2
// Deadlines (docs/routing.md, "Deadlines"): the `deadlines:` section of the routes file, what
// route() computes from a message's own dates, what explain() says, and each compile error.
#include <gtest/gtest.h>

#include "routing/errc.hpp"
#include "routing/table.hpp"
#include "test_support.hpp"

namespace jubes::routing {
namespace {

using test::conf_dir;
using test::context;
using test::message;

// Unix milliseconds of a UTC time, written out so that the tests do not share the code under test.
constexpr std::int64_t ms(std::int64_t days_since_epoch, int hour) {
  return (days_since_epoch * 86400 + hour * 3600) * 1000;
}
// Day numbers (days since 1970-01-01) of the dates the tests use.
constexpr std::int64_t d_2026_12_19 = 20806;
constexpr std::int64_t d_2026_06_30 = 20634;
constexpr std::int64_t d_2027_01_04 = 20822;
constexpr std::int64_t d_2026_12_03 = 20790;

std::shared_ptr<const table> default_table() {
  static std::shared_ptr<const table> t = [] {
    auto r = table::compile(conf_dir() / "routes.yaml", context());
    EXPECT_TRUE(r) << r.error().message();
    return r ? *r : nullptr;
  }();
  return t;
}

decision route(message& m, const table& t = *default_table()) {
  return t.route(m.facts_for(t));
}

TEST(deadlines, a_leave_notice_is_due_when_the_leave_begins_in_dutch_time) {
  message m("piVerlof");
  m.set("verlof/begindatum", {"2026-12-20"});
  auto d = route(m);
  ASSERT_FALSE(d.parked());
  EXPECT_EQ(d.deadline_rule, "verlof-voor-aanvang");
  EXPECT_EQ(d.deadline_ms, ms(d_2026_12_19, 23));                  // 2026-12-20T00:00 CET
  EXPECT_EQ(d.at_risk_from_ms, d.deadline_ms - 2 * 86400 * 1000);  // lead_time: 2d
  EXPECT_EQ(default_table()->deadline_lead_ms("piVerlof"), 2 * 86400 * 1000);

  m.set("verlof/begindatum", {"2026-07-01"});  // summer time: CEST, UTC+2
  EXPECT_EQ(route(m).deadline_ms, ms(d_2026_06_30, 22));
}

TEST(deadlines, end_of_detention_takes_the_actual_end_date_before_the_planned_one) {
  message m("piBeeindiging");
  m.set("detentie/geplandEinddatum", {"2026-12-20"});
  auto d = route(m);
  EXPECT_EQ(d.deadline_rule, "einde-voor-einddatum");
  EXPECT_EQ(d.deadline_ms, ms(d_2026_12_19, 23));
  m.set("detentie/feitelijkeEinddatum", {"2026-12-04"});
  EXPECT_EQ(route(m).deadline_ms, ms(d_2026_12_03, 23));
  // A malformed first date falls through to the next one.
  m.set("detentie/feitelijkeEinddatum", {"2026-02-30"});
  EXPECT_EQ(route(m).deadline_ms, ms(d_2026_12_19, 23));
}

TEST(deadlines, working_days_skip_weekends_and_the_configured_holidays) {
  // Thursday 24 December 2026; Christmas, the weekend and New Year's Day do not count:
  // Mon 28, Tue 29, Wed 30, Thu 31, Mon 4 January. Due when Tuesday 5 January begins (CET).
  message m("eersteInschrijving");
  m.set("gebeurtenisdatum", {"2026-12-24"});
  auto d = route(m);
  EXPECT_EQ(d.deadline_rule, "reintegratie-werkdagen");
  EXPECT_EQ(d.deadline_ms, ms(d_2027_01_04, 23));
}

TEST(deadlines, types_without_a_rule_or_without_the_date_have_none) {
  message idv("idvDetentieverloop");
  auto d = route(idv);
  EXPECT_EQ(d.deadline_ms, 0);
  EXPECT_TRUE(d.deadline_rule.empty());
  EXPECT_EQ(default_table()->deadline_lead_ms("idvDetentieverloop"), 0);

  message end("piBeeindiging");  // neither end date
  EXPECT_EQ(route(end).deadline_ms, 0);
}

TEST(deadlines, explain_shows_the_rule_the_date_and_the_deadline) {
  message m("piVerlof");
  m.set("verlof/begindatum", {"2026-12-20"});
  auto text = default_table()->explain(m.facts_for(*default_table()));
  EXPECT_NE(text.find("deadline rule verlof-voor-aanvang (routes.yaml:"), std::string::npos) << text;
  EXPECT_NE(text.find("verlof/begindatum = 2026-12-20"), std::string::npos) << text;
  EXPECT_NE(text.find("deadline: 2026-12-19T23:00:00Z (00:00 Europe/Amsterdam); at risk from 2026-12-17T23:00:00Z"),
            std::string::npos)
      << text;

  message idv("idvDetentieverloop");
  text = default_table()->explain(idv.facts_for(*default_table()));
  EXPECT_NE(text.find("deadline: none (no deadline rule for message type 'idvDetentieverloop')"), std::string::npos)
      << text;
}

TEST(deadlines, a_reload_with_other_rules_changes_the_deadline) {
  auto r = table::compile_text(
      "version: 1\n"
      "rules:\n"
      "  - {id: r, types: [piVerlof], recipients: [idv]}\n"
      "deadlines:\n"
      "  rules:\n"
      "    - {id: d, types: [piVerlof], working_days: 1, lead_time: 12h}\n",
      "t.yaml", conf_dir(), context());
  ASSERT_TRUE(r) << r.error().message();
  message m("piVerlof");
  m.set("gebeurtenisdatum", {"2026-12-18"});  // a Friday: due when Tuesday begins
  auto d = route(m, **r);
  EXPECT_EQ(d.deadline_ms, ms(d_2026_12_19 + 2, 23));
  EXPECT_EQ(d.at_risk_from_ms, d.deadline_ms - 12 * 3600 * 1000);
}

struct refused {
  errc code;
  std::string where, what, yaml;
};

TEST(deadlines, errors_name_the_file_and_line) {
  const std::string head =
      "version: 1\n"
      "rules:\n"
      "  - {id: r, types: [piVerlof, idvDetentieverloop], recipients: [idv]}\n"
      "deadlines:\n";
  const std::vector<refused> cases{
      {errc::invalid_rule, "t.yaml:7:", "already has deadline rule 'a' (line 6)",
       "  rules:\n    - {id: a, types: [piVerlof], before: verlof/begindatum}\n"
       "    - {id: b, types: [piVerlof], before: verlof/begindatum}\n"},
      {errc::unknown_field, "t.yaml:8:", "cannot be supplied by the schema of message type 'idvDetentieverloop'",
       "  rules:\n    - id: a\n      types: [idvDetentieverloop]\n      before: verlof/begindatum\n"},
      {errc::invalid_rule, "t.yaml:6:", "needs exactly one of 'before' or 'working_days'",
       "  rules:\n    - {id: a, types: [piVerlof], before: gebeurtenisdatum, working_days: 3}\n"},
      {errc::invalid_rule, "t.yaml:5:", "lead_time must be a duration", "  lead_time: soon\n  rules: []\n"},
      {errc::invalid_rule, "t.yaml:5:", "holiday '2026-02-30' is not a date",
       "  holidays: [2026-02-30]\n  rules: []\n"},
      {errc::invalid_rule, "t.yaml:6:", "unknown deadline rule key 'befor'",
       "  rules:\n    - {id: a, types: [piVerlof], befor: gebeurtenisdatum}\n"},
      {errc::unknown_message_type, "t.yaml:6:", "unknown message type or type group 'piVerlofje'",
       "  rules:\n    - {id: a, types: [piVerlofje], before: gebeurtenisdatum}\n"},
      {errc::invalid_rule, "t.yaml:6:", "working_days must be a whole number",
       "  rules:\n    - {id: a, types: [piVerlof], working_days: 0}\n"},
      {errc::invalid_rule, "t.yaml:5:", "unknown deadlines key 'rule'", "  rule: []\n"},
  };
  for (const refused& c : cases) {
    auto r = table::compile_text(head + c.yaml, "t.yaml", conf_dir(), context());
    ASSERT_FALSE(r) << c.yaml;
    EXPECT_EQ(r.error().code, make_error_code(c.code)) << r.error().detail;
    EXPECT_EQ(r.error().detail.rfind(c.where, 0), 0u) << r.error().detail;
    EXPECT_NE(r.error().detail.find(c.what), std::string::npos) << r.error().detail;
  }
}

}  // namespace
}  // namespace jubes::routing
