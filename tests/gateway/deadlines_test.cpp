// SPDX-License-Identifier: EUPL-1.2
// Legal deadlines through the gateway (docs/routing.md, "Deadlines"): a leave notice gets the
// deadline of the default routes, the poll shows it, and with the handlers' clock set (the
// injectable clock) the at-risk gauge rises within the lead time, the overdue gauge and the missed
// counter once it passed, each entry counted once; an ack clears the gauges. The late report that
// `jubesctl outbox late` prints lists the same entries. Entries added later (a forward, an
// operator's assignment, a re-route) get the deadline the rule gives the message's own dates.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <future>

#include "api_fixture.hpp"
#include "handlers/handler.hpp"
#include "late_view.hpp"

namespace jubes::gateway::detail {
namespace {

using v = http::verb;

// conf/examples/piVerlof.xml: leave from 2026-12-12 at an address in 's-Gravenhage (0518). Due
// when that day begins in Dutch time, 2026-12-11T23:00:00Z; the default lead time is 2 days.
constexpr std::int64_t k_deadline = 1797030000000;  // 2026-12-11T23:00:00Z
constexpr std::int64_t k_day = 86400000;

class deadlines : public api_fixture {
 protected:
  void at(std::int64_t ms) {
    now_ = ms;
    svc().now_ms = [this] { return now_; };
  }
  /// The value of one series in a fresh scrape (-1 if absent).
  double value(const std::string& series) {
    const std::string text = metrics_.render();
    auto p = text.find("\n" + series + " ");
    if (p == std::string::npos) return -1;
    return std::stod(text.substr(p + series.size() + 2));
  }
  static std::string series(const std::string& name, const std::string& recipient, const std::string& type) {
    return name + "{recipient=\"" + recipient + "\",type=\"" + type + "\"}";
  }
  std::int64_t now_ = 0;
};

TEST_F(deadlines, a_leave_notice_is_at_risk_before_its_deadline_and_missed_after_it) {
  const std::string box = "gemeente:0518/bij";
  const auto risk = series("jubes_outbox_deadline_at_risk", box, "piVerlof");
  const auto overdue = series("jubes_outbox_deadline_overdue", box, "piVerlof");
  const auto missed = series("jubes_outbox_deadlines_missed_total", box, "piVerlof");
  at(k_deadline - 10 * k_day);
  // Every configured recipient has its series for every type with a deadline rule, at 0.
  EXPECT_EQ(value(series("jubes_outbox_deadline_at_risk", "rvdk", "eersteInschrijving")), 0);
  EXPECT_EQ(value(series("jubes_outbox_deadlines_missed_total", "rvdk", "piVerlof")), 0);

  auto posted = run(handle_ingest, make_request(v::post, "/v1/messages", example("piVerlof")), who("tulp-gw"));
  ASSERT_EQ(posted.result_int(), 201u) << posted.body();
  auto batch = run(handle_poll, make_request(v::get, "/v1/outbox?after=0"), who(box));
  EXPECT_NE(batch.body().find("deadline=\"2026-12-11T23:00:00.000Z\""), std::string::npos) << batch.body();

  EXPECT_EQ(value(risk), -1);          // not late yet: a municipality's series come with its first late entry
  at(k_deadline - 2 * k_day - 60000);  // a minute before (the figures are read again after 5 s)
  EXPECT_EQ(value(risk), -1);
  at(k_deadline - 2 * k_day);  // the lead time begins
  EXPECT_EQ(value(risk), 1);
  EXPECT_EQ(value(overdue), 0);
  EXPECT_EQ(value(missed), 0);
  auto report = late_report_of(svc().store, now_, box);
  ASSERT_TRUE(report);
  EXPECT_EQ(report->at_risk, 1u);
  EXPECT_EQ(report->overdue, 0u);

  at(k_deadline);  // passed
  EXPECT_EQ(value(risk), 0);
  EXPECT_EQ(value(overdue), 1);
  EXPECT_EQ(value(missed), 1);
  at(k_deadline + k_day);  // still overdue: counted once
  EXPECT_EQ(value(missed), 1);
  report = late_report_of(svc().store, now_);
  ASSERT_TRUE(report);
  ASSERT_EQ(report->entries.size(), 1u);
  auto j = to_json(*report);
  EXPECT_EQ(j.at("overdue").as_uint64(), 1u);
  const auto& e = j.at("entries").at(0).as_object();
  EXPECT_EQ(e.at("recipient").as_string(), box);
  EXPECT_EQ(e.at("type").as_string(), "piVerlof");
  EXPECT_EQ(e.at("state").as_string(), "overdue");
  EXPECT_EQ(e.at("deadline").as_string(), "2026-12-11T23:00:00.000Z");
  EXPECT_EQ(e.find("body"), e.end());
  EXPECT_TRUE(j.at("due_for_purge").as_array().empty());  // no retention period given
  EXPECT_TRUE(j.at("purge_cut").is_null());
  // Bodies kept 9 days: 3 days after acceptance the entry is purged within the 7-day warning
  // (6 days later); kept 30 days it is not (judged against the store's acceptance time).
  constexpr std::int64_t day_ms = 86'400'000;
  const std::int64_t accepted = report->entries[0].accepted_at_ms;
  report = late_report_of(svc().store, accepted + 3 * day_ms, {}, 100, 9 * day_ms);
  ASSERT_TRUE(report);
  ASSERT_EQ(report->due_for_purge.size(), 1u);
  EXPECT_EQ(report->due_for_purge[0], (std::pair<std::string, std::uint64_t>{box, 1}));
  EXPECT_EQ(to_json(*report).at("due_for_purge").at(0).at("unacked").as_uint64(), 1u);
  report = late_report_of(svc().store, accepted + 3 * day_ms, {}, 100, 30 * day_ms);
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->due_for_purge.empty());

  auto ack = run(handle_ack, make_request(v::post, "/v1/outbox/ack?upto=1"), who(box));
  ASSERT_EQ(ack.result_int(), 200u) << ack.body();
  EXPECT_EQ(value(overdue), 0);
  EXPECT_EQ(value(missed), 1);
  report = late_report_of(svc().store, now_);
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->entries.empty());
}

TEST_F(deadlines, entries_added_later_by_forward_assign_and_reroute_get_the_rules_deadline) {
  // conf/examples/piBeeindiging.xml ends 2026-11-28: due 2026-11-27T23:00:00Z (00:00 Amsterdam).
  const std::string due = "deadline=\"2026-11-27T23:00:00.000Z\"";
  auto xml = example("piBeeindiging");
  ASSERT_EQ(run(handle_ingest, make_request(v::post, "/v1/messages", xml), who("tulp-gw")).result_int(), 201u);
  // A forward to another municipality's BIJ box.
  auto fwd = run(handle_forward, make_request(v::post, "/v1/messages/1/forward?to=gemeente:0599"),
                 who("gemeente:0363/bij"), 1);
  ASSERT_EQ(fwd.result_int(), 201u) << fwd.body();
  auto polled = run(handle_poll, make_request(v::get, "/v1/outbox?after=0"), who("gemeente:0599/bij"));
  EXPECT_NE(polled.body().find(due), std::string::npos) << polled.body();
  // Parked (for Urk, 0184, which does not take part in BIJ), then assigned by an operator.
  for (auto p = xml.find("<dti:gemeentecode>"); p != std::string::npos; p = xml.find("<dti:gemeentecode>", p + 1))
    xml.replace(p + 18, 4, "0184");
  xml.replace(xml.find("TULP-2026-0000184213"), 20, "TULP-2026-0000184299");
  ASSERT_EQ(run(handle_ingest, make_request(v::post, "/v1/messages", xml), who("tulp-gw")).result_int(), 201u);
  auto ok = run(handle_parked_assign, make_request(v::post, "/v1/admin/parked/2/assign?reason=x&to=gemeente:0014/bij"),
                who("operator"), 2);
  ASSERT_EQ(ok.result_int(), 200u) << ok.body();
  polled = run(handle_poll, make_request(v::get, "/v1/outbox?after=0"), who("gemeente:0014/bij"));
  EXPECT_NE(polled.body().find("count=\"1\""), std::string::npos) << polled.body();
  EXPECT_NE(polled.body().find(due), std::string::npos) << polled.body();
  // The same notice parked again, re-routed by the table: still nobody to route it to, so
  // stored with the deadline the plan computed (pipeline::plan_reroute).
  xml.replace(xml.find("TULP-2026-0000184299"), 20, "TULP-2026-0000184298");
  ASSERT_EQ(run(handle_ingest, make_request(v::post, "/v1/messages", xml), who("tulp-gw")).result_int(), 201u);
  auto stored = svc().store.get(3);
  ASSERT_TRUE(stored && *stored);
  const auto dl = svc().pipe.deadline_of(**stored);
  EXPECT_EQ(dl.deadline_ms, k_deadline - 14 * k_day);  // 2026-11-27T23:00:00Z
  EXPECT_EQ(dl.at_risk_from_ms, dl.deadline_ms - 2 * k_day);
  reroute_plan plan;
  plan.steps.push_back({3, "", false, false, {"rvdk"}, "v-test", dl});
  std::promise<reroute_report> done;
  pipeline::reroute(svc().store, plan, [&](reroute_report r) { done.set_value(std::move(r)); });
  auto report = done.get_future().get();
  EXPECT_EQ(report.failed, 0u) << report.text;
  auto es = svc().store.read_outbox("rvdk", 0, 10);
  ASSERT_TRUE(es && es->size() == 1u);
  EXPECT_EQ(es->front().message_id, 3u);
  EXPECT_EQ(es->front().deadline_ms, dl.deadline_ms);
}

TEST_F(deadlines, a_message_type_without_a_rule_has_no_deadline) {
  at(k_deadline);
  ASSERT_EQ(run(handle_ingest, make_request(v::post, "/v1/messages", example("idvDetentieverloop")), who("selectie"))
                .result_int(),
            201u);
  auto batch = run(handle_poll, make_request(v::get, "/v1/outbox?after=0"), who("idv"));
  EXPECT_NE(batch.body().find("count=\"1\""), std::string::npos) << batch.body();
  EXPECT_EQ(batch.body().find("deadline="), std::string::npos) << batch.body();
  auto report = late_report_of(svc().store, k_deadline + 365 * k_day);
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->entries.empty());
}

}  // namespace
}  // namespace jubes::gateway::detail
