// SPDX-License-Identifier: EUPL-1.2
// Issue 14, legal deadlines, against the real jubesd over mTLS: leave notices whose leave begins
// the day after tomorrow (at risk now: within the default 2-day lead time), yesterday (missed) and
// in a month (not late); /metrics shows the at-risk gauge, the overdue gauge and the missed
// counter; the poll carries the deadline; `jubesctl outbox late --json` lists what is late (the
// same entries the metrics count); `route explain` prints the deadline. The dates are relative to
// today, so this test needs no clock of its own (the transitions in time are tested with an
// injected clock in tests/gateway/deadlines_test.cpp).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <regex>

#include "fixture.hpp"
#include "support.hpp"

namespace jubes::e2e {
namespace {
namespace json = boost::json;

/// Today + `days` (UTC) as YYYY-MM-DD.
std::string date_in(int days) {
  using namespace std::chrono;
  const year_month_day d{floor<std::chrono::days>(system_clock::now()) + std::chrono::days(days)};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", int(d.year()), unsigned(d.month()), unsigned(d.day()));
  return buf;
}

/// conf/examples/piVerlof.xml (to gemeente:0518) with its referentienummer and leave dates set.
std::string leave(const std::string& ref, const std::string& begins) {
  std::string xml = with_ref(example("piVerlof"), ref);
  static const std::regex dates(
      "<dti:begindatum>2026-12-12</dti:begindatum>\\s*<dti:einddatum>2026-12-13</dti:einddatum>");
  std::string out = std::regex_replace(
      xml, dates, "<dti:begindatum>" + begins + "</dti:begindatum><dti:einddatum>" + begins + "</dti:einddatum>");
  EXPECT_NE(out, xml) << "the example's leave dates changed";
  return out;
}

/// The value of one series in `text` (-1 if absent).
double value(const std::string& text, const std::string& series) {
  auto p = text.find("\n" + series + " ");
  return p == std::string::npos ? -1 : std::stod(text.substr(p + series.size() + 2));
}

class deadlines : public started_gateway {
 protected:
  unsigned post(const std::string& xml) {
    auto c = d_->client_for("tulp-gw");
    auto r = c.request("POST", "/v1/messages", xml);
    return r ? r->status : 0;
  }
  run_result ctl(std::vector<std::string> args) {
    std::vector<std::string> argv{JUBESCTL_PATH, "--config", cfg_.string(), "--data-dir",
                                  (dir_.path() / "data").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv);
  }
};

TEST_F(deadlines, late_leave_notices_show_in_metrics_in_the_poll_and_in_jubesctl_outbox_late) {
  const std::string box = "gemeente:0518/bij";
  ASSERT_EQ(post(leave("DL-SOON", date_in(2))), 201u);
  ASSERT_EQ(post(leave("DL-PAST", date_in(-1))), 201u);
  ASSERT_EQ(post(leave("DL-LATER", date_in(30))), 201u);

  const std::string labels = "{recipient=\"" + box + "\",type=\"piVerlof\"}";
  const std::string m = d_->metrics();
  EXPECT_EQ(value(m, "jubes_outbox_deadline_at_risk" + labels), 1) << m;
  EXPECT_EQ(value(m, "jubes_outbox_deadline_overdue" + labels), 1) << m;
  EXPECT_EQ(value(m, "jubes_outbox_deadlines_missed_total" + labels), 1) << m;
  EXPECT_EQ(value(d_->metrics(), "jubes_outbox_deadlines_missed_total" + labels), 1);  // counted once

  auto c = d_->client_for(box);
  auto batch = c.request("GET", "/v1/outbox?after=0&max=10");
  ASSERT_TRUE(batch);
  EXPECT_EQ(batch->status, 200u);
  static const std::regex deadline_attr("deadline=\"\\d{4}-\\d\\d-\\d\\dT2[23]:00:00\\.000Z\"");
  EXPECT_EQ(std::distance(std::sregex_iterator(batch->body.begin(), batch->body.end(), deadline_attr),
                          std::sregex_iterator()),
            3)
      << batch->body;

  auto r = ctl({"outbox", "late", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.err, "");
  auto doc = json::parse(r.out).as_object();
  EXPECT_EQ(doc.at("at_risk").to_number<std::uint64_t>(), 1u);
  EXPECT_EQ(doc.at("overdue").to_number<std::uint64_t>(), 1u);
  const auto& es = doc.at("entries").as_array();
  ASSERT_EQ(es.size(), 2u) << r.out;
  EXPECT_EQ(es[0].at("recipient").as_string(), box);
  EXPECT_EQ(es[0].at("seq").to_number<std::uint64_t>(), 1u);
  EXPECT_EQ(es[0].at("state").as_string(), "at_risk");
  EXPECT_EQ(es[1].at("seq").to_number<std::uint64_t>(), 2u);
  EXPECT_EQ(es[1].at("state").as_string(), "overdue");
  EXPECT_EQ(es[1].at("type").as_string(), "piVerlof");
  EXPECT_EQ(r.out.find("Weimarstraat"), std::string::npos);  // never contents

  r = ctl({"outbox", "late", "--recipient", "rvdk", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(json::parse(r.out).at("entries").as_array().empty());
  r = ctl({"outbox", "late"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.out.find("1 at risk, 1 overdue"), std::string::npos) << r.out;
  EXPECT_EQ(ctl({"outbox", "late", "--at", "yesterday"}).exit_code, 2);

  // Acknowledged in time or not, an acked entry is late no more; the missed counter keeps its count.
  auto ack = c.request("POST", "/v1/outbox/ack?upto=2");
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->status, 200u);
  const std::string after = d_->metrics();
  EXPECT_EQ(value(after, "jubes_outbox_deadline_at_risk" + labels), 0) << after;
  EXPECT_EQ(value(after, "jubes_outbox_deadline_overdue" + labels), 0) << after;
  EXPECT_EQ(value(after, "jubes_outbox_deadlines_missed_total" + labels), 1) << after;

  auto file = write_file(dir_.path(), "soon.xml", leave("DL-X", date_in(2)));
  r = ctl({"route", "explain", file.string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.out.find("deadline rule verlof-voor-aanvang"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("verlof/begindatum = " + date_in(2)), std::string::npos) << r.out;
}

}  // namespace
}  // namespace jubes::e2e
