// SPDX-License-Identifier: EUPL-1.2
// Plausibility of a notice's dates: each rule on both sides of its boundary, with "today" chosen by the test.
#include "routing/plausibility.hpp"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace jubes::routing {
namespace {

constexpr int k_today = 20261201;

// The dates of one notice, by path; absent paths stay absent.
class notice {
 public:
  notice& set(const std::string& path, const std::string& date) {
    dates_[path] = {date};
    return *this;
  }
  notice& drop(const std::string& path) {
    dates_.erase(path);
    return *this;
  }
  std::optional<implausibility> check(const plausibility& p = plausibility{}, int today = k_today) const {
    std::vector<const std::vector<std::string>*> values;
    for (const auto& path : plausibility::field_paths()) {
      auto it = dates_.find(path);
      values.push_back(it == dates_.end() ? nullptr : &it->second);
    }
    return p.check(values, today);
  }

 private:
  std::map<std::string, std::vector<std::string>> dates_;
};

// A plausible leave notice: born 1990, detained since 2024, leave in December 2026.
notice leave() {
  notice n;
  n.set("gebeurtenisdatum", "2026-11-29")
      .set("persoon/geboortedatum", "1990-11-02")
      .set("detentie/begindatum", "2024-01-10")
      .set("detentie/geplandEinddatum", "2027-05-01")
      .set("verlof/begindatum", "2026-12-12")
      .set("verlof/einddatum", "2026-12-14");
  return n;
}

void expect_field(const std::optional<implausibility>& r, const std::string& field) {
  ASSERT_TRUE(r.has_value()) << "expected " << field << " to be implausible";
  EXPECT_EQ(r->field, field) << r->reason;
  EXPECT_NE(r->reason.find(field), std::string::npos) << r->reason;
}

TEST(plausibility, a_plausible_notice_passes_and_absent_dates_are_not_checked) {
  EXPECT_FALSE(leave().check().has_value());
  EXPECT_FALSE(notice{}.check().has_value());
  EXPECT_FALSE(leave().drop("detentie/begindatum").drop("persoon/geboortedatum").check().has_value());
  EXPECT_FALSE(leave().set("persoon/geboortedatum", "not a date").check().has_value()) << "the schema's business";
}

TEST(plausibility, the_birth_date_is_not_in_the_future) {
  // Also after the event date, but the future is named first.
  expect_field(leave().drop("gebeurtenisdatum").set("persoon/geboortedatum", "2026-12-02").check(),
               "persoon/geboortedatum");
  EXPECT_FALSE(leave()
                   .set("gebeurtenisdatum", "2026-12-01")
                   .set("persoon/geboortedatum", "2026-12-01")
                   .drop("detentie/begindatum")
                   .check()
                   .has_value())
      << "born today";
  auto r = leave().set("persoon/geboortedatum", "2030-01-01").check();
  expect_field(r, "persoon/geboortedatum");
  EXPECT_NE(r->reason.find("future"), std::string::npos) << r->reason;
}

TEST(plausibility, the_birth_date_is_not_after_the_event_date) {
  auto r = leave().set("gebeurtenisdatum", "2026-11-01").set("persoon/geboortedatum", "2026-11-02").check();
  expect_field(r, "persoon/geboortedatum");
  EXPECT_NE(r->reason.find("gebeurtenisdatum 2026-11-01"), std::string::npos) << r->reason;
  EXPECT_FALSE(leave()
                   .set("gebeurtenisdatum", "2026-11-02")
                   .set("persoon/geboortedatum", "2026-11-02")
                   .drop("detentie/begindatum")
                   .check()
                   .has_value());
}

TEST(plausibility, the_event_date_lies_in_the_configured_window_around_today) {
  const plausibility p(plausibility_limits{10, 5});
  EXPECT_FALSE(leave().set("gebeurtenisdatum", "2026-11-21").check(p).has_value()) << "10 days before";
  expect_field(leave().set("gebeurtenisdatum", "2026-11-20").check(p), "gebeurtenisdatum");
  EXPECT_FALSE(leave().set("gebeurtenisdatum", "2026-12-06").check(p).has_value()) << "5 days after";
  auto r = leave().set("gebeurtenisdatum", "2026-12-07").check(p);
  expect_field(r, "gebeurtenisdatum");
  EXPECT_NE(r->reason.find("event_max_future_days"), std::string::npos) << r->reason;
  // The defaults: five years back, a year ahead.
  EXPECT_FALSE(leave().set("gebeurtenisdatum", "2021-12-01").check().has_value());
  expect_field(leave().set("gebeurtenisdatum", "2021-11-30").check(), "gebeurtenisdatum");
  EXPECT_FALSE(leave().set("gebeurtenisdatum", "2027-12-02").check().has_value());
  expect_field(leave().set("gebeurtenisdatum", "2027-12-03").check(), "gebeurtenisdatum");
}

TEST(plausibility, the_detention_does_not_begin_before_the_birth) {
  expect_field(leave().set("detentie/begindatum", "1990-11-01").check(), "detentie/begindatum");
  EXPECT_FALSE(leave().set("detentie/begindatum", "1990-11-02").check().has_value());
}

TEST(plausibility, end_and_leave_dates_are_not_before_the_detention_began) {
  for (const std::string f : {"detentie/geplandEinddatum", "detentie/feitelijkeEinddatum", "verlof/begindatum"}) {
    expect_field(leave().set(f, "2024-01-09").set("verlof/einddatum", "2026-12-14").check(), f);
    EXPECT_FALSE(leave().set(f, "2024-01-10").check().has_value()) << f;
  }
  expect_field(leave().set("verlof/begindatum", "2024-01-08").set("verlof/einddatum", "2024-01-09").check(),
               "verlof/begindatum");
}

TEST(plausibility, a_leave_does_not_end_before_it_begins) {
  expect_field(leave().set("verlof/einddatum", "2026-12-11").check(), "verlof/einddatum");
  EXPECT_FALSE(leave().set("verlof/einddatum", "2026-12-12").check().has_value()) << "a leave of one day";
}

TEST(plausibility, today_is_the_calendar_date_in_amsterdam) {
  // 2026-12-01T22:59:59Z is 23:59:59 CET; 23:00:00Z is midnight of the 2nd.
  EXPECT_EQ(plausibility::date_in_amsterdam(1'796'165'999'000), 20261201);
  EXPECT_EQ(plausibility::date_in_amsterdam(1'796'166'000'000), 20261202);
  // Summer time: 2026-07-01T21:59:59Z is 23:59:59 CEST; 22:00:00Z is the 2nd.
  EXPECT_EQ(plausibility::date_in_amsterdam(1'782'943'199'000), 20260701);
  EXPECT_EQ(plausibility::date_in_amsterdam(1'782'943'200'000), 20260702);
}

}  // namespace
}  // namespace jubes::routing
