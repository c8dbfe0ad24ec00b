// SPDX-License-Identifier: EUPL-1.2
#pragma once
// The corrections and withdrawals part of the backend contract (docs/MESSAGES.md, "Corrections
// and withdrawals"): every backend gives the same outcome per outbox. A correction before the
// recipient acknowledged the earlier notice turns that entry into a marker (superseded_by, no
// body, no deadline) and delivers the new one as related; after the acknowledgement the new one is
// delivered as related; a withdrawal likewise; unknown, foreign and mistyped references and a
// second correction of the same notice are refused and change nothing; the same correction twice
// is one. Requests submitted together (one batch or group) give the outcome of their order.
// Included after contract_suite.hpp by every backend's test binary.
#include <future>

#include "contract_suite.hpp"
#include "storage/errc.hpp"

namespace jubes::storage::contract {

inline ingest_request mutation_request(std::string refnr, std::string cross, mutation m, std::vector<std::string> to,
                                       std::string party = "tulp-gw") {
  auto r = request(refnr, std::move(to), "<dti:piBeeindiging>" + refnr + " new</dti:piBeeindiging>");
  r.party = std::move(party);
  r.mutation_kind = m;
  r.cross_ref = std::move(cross);
  return r;
}

/// Submits all requests back to back (so that a backend may take them in one batch) and waits
/// for every completion, in submission order.
template <class Backend>
std::vector<jubes::result<ingest_result>> submit_together(Backend& b, std::vector<ingest_request> rs) {
  std::vector<std::future<jubes::result<ingest_result>>> fs;
  for (auto& r : rs) {
    auto p = std::make_shared<std::promise<jubes::result<ingest_result>>>();
    fs.push_back(p->get_future());
    b.submit(std::move(r), [p](jubes::result<ingest_result> x) { p->set_value(std::move(x)); });
  }
  std::vector<jubes::result<ingest_result>> out;
  for (auto& f : fs) out.push_back(f.get());
  return out;
}

TEST_P(backend_contract, a_correction_replaces_the_unacked_notice_and_relates_to_the_acked_one) {
  auto e = request("E-1", {"gemeente:0363/bij", "rvdk"});
  e.deadline_ms = 1'800'000'000'000;
  e.at_risk_from_ms = 1'799'000'000'000;
  auto earlier = ingest_ok(e);
  ASSERT_TRUE(ack("rvdk", 1));  // rvdk fetched it, the municipality did not
  auto corr = mutation_request("E-2", "E-1", mutation::correction, {"gemeente:0363/bij"});
  corr.deadline_ms = 1'800'100'000'000;
  corr.at_risk_from_ms = 1'799'100'000'000;
  auto n = ingest_ok(corr);
  ASSERT_EQ(n.outcome, ingest_outcome::accepted);
  const auto eid = earlier.rcpt.message_id, nid = n.rcpt.message_id;

  auto g = read("gemeente:0363/bij");
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(g[0].message_id, eid);
  EXPECT_EQ(g[0].link, entry_link::superseded_by);
  EXPECT_EQ(g[0].link_id, nid);
  EXPECT_TRUE(g[0].body.empty());
  EXPECT_EQ(g[0].deadline_ms, 0);  // a marker is no longer due
  EXPECT_EQ(g[1].message_id, nid);
  EXPECT_EQ(g[1].link, entry_link::relates_to);
  EXPECT_EQ(g[1].link_id, eid);
  EXPECT_NE(g[1].body.find("E-2 new"), std::string::npos);
  EXPECT_EQ(g[1].deadline_ms, corr.deadline_ms);
  // rvdk had acknowledged it: not routed there by the correction's own rules, it still gets the
  // correction (every recipient of the earlier notice does), as related.
  auto r = read("rvdk");
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].link, entry_link::none);
  EXPECT_FALSE(r[0].body.empty());
  EXPECT_EQ(r[1].message_id, nid);
  EXPECT_EQ(r[1].link, entry_link::relates_to);
  EXPECT_EQ(r[1].link_id, eid);
  // A marker is not late (no deadline) and holds no body to lose to retention.
  auto late = b().late_entries(e.deadline_ms + 1);
  ASSERT_TRUE(late);
  for (const auto& l : *late) EXPECT_NE(l.message_id, eid) << l.recipient;
  // The marker counts no bytes: the two fit in the correction's size.
  auto batch = b().read_batch("gemeente:0363/bij", 0, 10, g[1].body.size());
  ASSERT_TRUE(batch);
  EXPECT_EQ(batch->entries.size(), 2u);

  // The same correction again: the original receipt, nothing changes.
  auto again = ingest_ok(corr);
  EXPECT_EQ(again.outcome, ingest_outcome::duplicate);
  EXPECT_EQ(again.rcpt.message_id, nid);
  EXPECT_EQ(read("gemeente:0363/bij").size(), 2u);
  // The same referentienummer with other content: a conflict, nothing changes.
  auto other = corr;
  other.body = "<dti:piBeeindiging>other</dti:piBeeindiging>";
  EXPECT_EQ(ingest_ok(other).outcome, ingest_outcome::conflict);
  // A second, different correction of the same notice: refused; correct the correction instead.
  auto second = ingest(mutation_request("E-3", "E-1", mutation::correction, {"gemeente:0363/bij"}));
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error(), errc::already_superseded);
  EXPECT_NE(second.error().detail.find("by message " + std::to_string(nid)), std::string::npos)
      << second.error().detail;
  auto chained = ingest_ok(mutation_request("E-3", "E-2", mutation::correction, {"gemeente:0363/bij"}));
  ASSERT_EQ(chained.outcome, ingest_outcome::accepted);
  g = read("gemeente:0363/bij");
  ASSERT_EQ(g.size(), 3u);
  EXPECT_EQ(g[1].link, entry_link::superseded_by);  // E-2 unacked: replaced by E-3 in turn
  EXPECT_EQ(g[1].link_id, chained.rcpt.message_id);
  EXPECT_EQ(g[2].link, entry_link::relates_to);
  EXPECT_EQ(g[2].link_id, nid);
  r = read("rvdk");  // rvdk has E-2 unacked now: it becomes a marker there too
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[1].link, entry_link::superseded_by);
  EXPECT_EQ(r[2].link, entry_link::relates_to);
}

TEST_P(backend_contract, a_withdrawal_removes_the_unacked_notice_and_reaches_forward_targets) {
  auto e = ingest_ok(request("W-1", {"idv"}));
  auto fw = forward(e.rcpt.message_id, "idv", "3ro");
  ASSERT_TRUE(fw && *fw);
  auto w = ingest_ok(mutation_request("W-2", "W-1", mutation::withdrawal, {}));
  ASSERT_EQ(w.outcome, ingest_outcome::accepted);
  for (const char* box : {"idv", "3ro"}) {
    auto es = read(box);
    ASSERT_EQ(es.size(), 2u) << box;
    EXPECT_EQ(es[0].link, entry_link::withdrawn_by) << box;
    EXPECT_EQ(es[0].link_id, w.rcpt.message_id);
    EXPECT_TRUE(es[0].body.empty());
    EXPECT_EQ(es[1].link, entry_link::relates_to);
    EXPECT_EQ(es[1].link_id, e.rcpt.message_id);
  }
  auto stored = b().get(w.rcpt.message_id);
  ASSERT_TRUE(stored && *stored);
  EXPECT_FALSE((*stored)->parked);  // no rule of its own: it goes where the withdrawn notice went
  EXPECT_EQ((*stored)->recipients, (std::vector<std::string>{"idv", "3ro"}));
  auto again = ingest(mutation_request("W-3", "W-1", mutation::correction, {"idv"}));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error(), errc::already_superseded);
  EXPECT_NE(again.error().detail.find("withdrawn"), std::string::npos) << again.error().detail;
}

TEST_P(backend_contract, unknown_foreign_and_mistyped_references_are_refused_and_change_nothing) {
  ingest_ok(request("U-1", {"rvdk"}));
  auto unknown = ingest(mutation_request("U-2", "NOPE", mutation::correction, {"rvdk"}));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error(), errc::unknown_reference);
  EXPECT_NE(unknown.error().detail.find("'NOPE'"), std::string::npos) << unknown.error().detail;
  // Another sender's referentienummer: the dedup key is (party, referentienummer), so it is unknown.
  auto foreign = ingest(mutation_request("U-3", "U-1", mutation::withdrawal, {"rvdk"}, "selectie"));
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.error(), errc::unknown_reference);
  auto typed = mutation_request("U-4", "U-1", mutation::correction, {"rvdk"});
  typed.message_type = "piVerlof";
  auto mistyped = ingest(typed);
  ASSERT_FALSE(mistyped);
  EXPECT_EQ(mistyped.error(), errc::unknown_reference);
  EXPECT_NE(mistyped.error().detail.find("piBeeindiging"), std::string::npos) << mistyped.error().detail;
  EXPECT_EQ(read("rvdk").size(), 1u);
  // The refused referentienummers are free: nothing of them was stored.
  EXPECT_EQ(ingest_ok(request("U-2", {"rvdk"})).outcome, ingest_outcome::accepted);
  auto es = read("rvdk");
  ASSERT_EQ(es.size(), 2u);
  EXPECT_EQ(es[0].link, entry_link::none);
  EXPECT_FALSE(es[0].body.empty());
}

TEST_P(backend_contract, a_notice_and_its_corrections_submitted_together_give_the_outcome_of_their_order) {
  // The notice, its correction, the same correction again, a conflicting second correction and
  // an ack, back to back: a backend that batches them must decide them in order.
  auto out = submit_together(
      b(), {request("T-1", {"rvdk", "idv"}), mutation_request("T-2", "T-1", mutation::correction, {"rvdk"}),
            mutation_request("T-2", "T-1", mutation::correction, {"rvdk"}),
            mutation_request("T-3", "T-1", mutation::withdrawal, {"rvdk"})});
  ASSERT_EQ(out.size(), 4u);
  ASSERT_TRUE(out[0] && out[1] && out[2]);
  EXPECT_EQ(out[1]->outcome, ingest_outcome::accepted);
  EXPECT_EQ(out[2]->outcome, ingest_outcome::duplicate);
  EXPECT_EQ(out[2]->rcpt.message_id, out[1]->rcpt.message_id);
  ASSERT_FALSE(out[3]);
  EXPECT_EQ(out[3].error(), errc::already_superseded);
  for (const char* box : {"rvdk", "idv"}) {
    auto es = read(box);
    ASSERT_EQ(es.size(), 2u) << box;
    EXPECT_EQ(es[0].message_id, out[0]->rcpt.message_id);
    EXPECT_EQ(es[0].link, entry_link::superseded_by) << box;
    EXPECT_TRUE(es[0].body.empty());
    EXPECT_EQ(es[1].message_id, out[1]->rcpt.message_id);
    EXPECT_EQ(es[1].link, entry_link::relates_to) << box;
  }
}

TEST_P(backend_contract, an_ack_racing_a_correction_leaves_one_consistent_outcome) {
  // Each round: an ack of the notice and its correction at once. Either the ack came first (the
  // notice stays delivered, the correction is related) or the correction (the notice, a marker,
  // is what the recipient acknowledged); never a marker the ack skipped or a lost correction.
  constexpr int rounds = 20;
  for (int i = 0; i < rounds; ++i) {
    const std::string box = "box" + std::to_string(i), n = "R" + std::to_string(i);
    auto e = ingest_ok(request(n + "-1", {box}));
    auto acked = std::async(std::launch::async, [&] { return ack(box, 1); });
    auto c = ingest(mutation_request(n + "-2", n + "-1", mutation::correction, {box}));
    ASSERT_TRUE(acked.get());
    ASSERT_TRUE(c) << c.error().message();
    auto es = read(box);
    ASSERT_EQ(es.size(), 2u);
    EXPECT_TRUE(es[0].link == entry_link::none || es[0].link == entry_link::superseded_by);
    EXPECT_EQ(es[0].body.empty(), es[0].link == entry_link::superseded_by);
    EXPECT_EQ(es[1].message_id, c->rcpt.message_id);
    EXPECT_EQ(es[1].link, entry_link::relates_to);
    EXPECT_EQ(es[1].link_id, e.rcpt.message_id);
  }
}

}  // namespace jubes::storage::contract
