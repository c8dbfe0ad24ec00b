// SPDX-License-Identifier: EUPL-1.2
#pragma once
// The deadline part of the backend contract (docs/storage.md, "Deadlines"): every backend stores
// an ingest request's deadline with each of its outbox entries, returns it with the entry, and
// lists the unacknowledged entries at risk at a given time (late_entries). Included after
// contract_suite.hpp by every backend's test binary.
#include "contract_suite.hpp"

namespace jubes::storage::contract {

TEST_P(backend_contract, deadlines_are_stored_per_entry_and_late_entries_lists_the_unacked_at_risk) {
  constexpr std::int64_t deadline = 1'800'000'000'000;  // 2027-01-15
  constexpr std::int64_t risk = deadline - 2 * 86'400'000;
  auto with = request("dl-1", {"rvdk", "idv"});
  with.message_type = "piVerlof";
  with.deadline_ms = deadline;
  with.at_risk_from_ms = risk;
  auto a = ingest_ok(with);
  ingest_ok(request("dl-2", {"rvdk"}));  // no deadline
  auto later = request("dl-3", {"rvdk"});
  later.deadline_ms = deadline + 86'400'000;
  later.at_risk_from_ms = deadline;
  ingest_ok(later);

  auto es = read("rvdk");
  ASSERT_EQ(es.size(), 3u);
  EXPECT_EQ(es[0].deadline_ms, deadline);
  EXPECT_EQ(es[0].at_risk_from_ms, risk);
  EXPECT_EQ(es[1].deadline_ms, 0);
  EXPECT_EQ(es[2].deadline_ms, deadline + 86'400'000);
  EXPECT_EQ(read("idv").at(0).deadline_ms, deadline);

  auto none = b().late_entries(risk - 1);
  ASSERT_TRUE(none) << none.error().message();
  EXPECT_TRUE(none->empty());

  auto at_risk = b().late_entries(risk);
  ASSERT_TRUE(at_risk) << at_risk.error().message();
  ASSERT_EQ(at_risk->size(), 2u);  // idv seq 1, rvdk seq 1, in recipient order
  EXPECT_EQ((*at_risk)[0].recipient, "idv");
  EXPECT_EQ((*at_risk)[1].recipient, "rvdk");
  EXPECT_EQ((*at_risk)[1].seq, 1u);
  EXPECT_EQ((*at_risk)[1].message_id, a.rcpt.message_id);
  EXPECT_EQ((*at_risk)[1].message_type, "piVerlof");
  EXPECT_EQ((*at_risk)[1].source_party, with.party);
  EXPECT_EQ((*at_risk)[1].deadline_ms, deadline);
  EXPECT_EQ((*at_risk)[1].at_risk_from_ms, risk);
  EXPECT_EQ((*at_risk)[1].accepted_at_ms, a.rcpt.accepted_at_ms);

  auto both = b().late_entries(deadline + 1);  // the first past, the third at risk
  ASSERT_TRUE(both);
  EXPECT_EQ(both->size(), 3u);
  auto capped = b().late_entries(deadline + 1, 1);
  ASSERT_TRUE(capped);
  EXPECT_EQ(capped->size(), 1u);

  // An acknowledged entry is no longer late.
  ASSERT_TRUE(ack("rvdk", 1));
  auto after_ack = b().late_entries(deadline + 1);
  ASSERT_TRUE(after_ack);
  ASSERT_EQ(after_ack->size(), 2u);
  EXPECT_EQ((*after_ack)[0].recipient, "idv");
  EXPECT_EQ((*after_ack)[1].recipient, "rvdk");
  EXPECT_EQ((*after_ack)[1].seq, 3u);
}

TEST_P(backend_contract, entries_added_later_carry_the_deadline_they_are_given) {
  constexpr std::int64_t deadline = 1'800'000'000'000;
  const entry_deadline dl{deadline, deadline - 86'400'000};
  // A forward.
  auto f = request("later-1", {"gemeente:0363/bij"});
  f.deadline_ms = dl.deadline_ms, f.at_risk_from_ms = dl.at_risk_from_ms;
  auto a = ingest_ok(f);
  auto fw = await<bool>([&](completion<bool> d) {
    b().submit_forward(a.rcpt.message_id, "gemeente:0363/bij", "gemeente:0599/bij", std::move(d), {}, dl);
  });
  ASSERT_TRUE(fw && *fw);
  auto es = read("gemeente:0599/bij");
  ASSERT_EQ(es.size(), 1u);
  EXPECT_EQ(es[0].deadline_ms, dl.deadline_ms);
  EXPECT_EQ(es[0].at_risk_from_ms, dl.at_risk_from_ms);
  // A re-route of a parked message.
  const auto p1 = park("later-2");
  auto rr = await<void>([&](completion<void> d) { b().submit_reroute(p1, {"rvdk"}, "v2", std::move(d), {}, dl); });
  ASSERT_TRUE(rr) << rr.error().message();
  es = read("rvdk");
  ASSERT_EQ(es.size(), 1u);
  EXPECT_EQ(es[0].message_id, p1);
  EXPECT_EQ(es[0].deadline_ms, dl.deadline_ms);
  // An operator's assignment.
  const auto p2 = park("later-3");
  park_decision pd{p2, park_decision::action::assign, "idv", "operator", "ticket 1", {}};
  pd.deadline = dl;
  auto as = await<bool>([&](completion<bool> d) { b().submit_park_decision(pd, std::move(d)); });
  ASSERT_TRUE(as && *as);
  es = read("idv");
  ASSERT_EQ(es.size(), 1u);
  EXPECT_EQ(es[0].deadline_ms, dl.deadline_ms);
  // All three are late once the deadline passed, with the entry the ingest gave the first.
  auto late = b().late_entries(deadline + 1);
  ASSERT_TRUE(late);
  EXPECT_EQ(late->size(), 4u);
}

}  // namespace jubes::storage::contract
