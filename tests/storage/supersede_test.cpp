// SPDX-License-Identifier: EUPL-1.2
// Corrections and withdrawals in the LMDB store (docs/MESSAGES.md, "Corrections and withdrawals"):
// a correction replaces the earlier notice where it is unacknowledged (its entry becomes a marker
// without body), is delivered as related where the earlier one was acknowledged, and reaches every
// recipient of the earlier one; a withdrawal likewise; unknown, foreign and already superseded
// references are refused and change nothing; a repeat is a duplicate (exactly once); the store
// stays consistent (check) and reopens with the markers intact.
#include <gtest/gtest.h>

#include "storage/store.hpp"
#include "test_util.hpp"

namespace jubes::storage {
namespace {

using test::ack;
using test::ingest;
using test::ingest_ok;
using test::make_req;
using test::temp_dir;

ingest_request mutation_req(std::string refnr, std::string cross, mutation m, std::vector<std::string> to,
                            std::string party = "tulp-gw") {
  auto r = make_req(std::move(party), refnr, std::move(to), "<dti:piBeeindiging>" + refnr + " new</dti:piBeeindiging>");
  r.mutation_kind = m;
  r.cross_ref = std::move(cross);
  return r;
}

std::vector<outbox_entry> read_all(store& s, const std::string& r) {
  auto v = s.read_outbox(r, 0, 100);
  EXPECT_TRUE(v) << v.error().message();
  return v ? *v : std::vector<outbox_entry>{};
}

class supersede : public ::testing::Test {
 protected:
  void SetUp() override { s_ = test::open_ok(test::test_options(dir_.path())); }
  void TearDown() override {
    if (s_) {
      auto rep = s_->check();
      EXPECT_TRUE(rep.ok()) << (rep.problems.empty() ? "" : rep.problems.front());
    }
  }
  temp_dir dir_{"supersede"};
  std::unique_ptr<store> s_;
};

TEST_F(supersede, a_correction_replaces_the_unacked_notice_and_relates_to_the_acked_one) {
  auto e = ingest_ok(*s_, make_req("tulp-gw", "E-1", {"gemeente:0363", "rvdk"}));
  ASSERT_TRUE(ack(*s_, "rvdk", 1));  // rvdk fetched it, gemeente:0363 did not
  auto n = ingest_ok(*s_, mutation_req("E-2", "E-1", mutation::correction, {"gemeente:0363"}));
  ASSERT_EQ(n.outcome, ingest_outcome::accepted);
  const auto eid = e.rcpt.message_id, nid = n.rcpt.message_id;

  auto g = read_all(*s_, "gemeente:0363");
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(g[0].message_id, eid);
  EXPECT_EQ(g[0].link, entry_link::superseded_by);
  EXPECT_EQ(g[0].link_id, nid);
  EXPECT_TRUE(g[0].body.empty());
  EXPECT_EQ(g[1].message_id, nid);
  EXPECT_EQ(g[1].link, entry_link::relates_to);
  EXPECT_EQ(g[1].link_id, eid);
  EXPECT_NE(g[1].body.find("E-2 new"), std::string::npos);

  // rvdk had fetched it: not routed to rvdk by the correction's own rules, it still gets the
  // correction (every recipient of the earlier notice does), as related.
  auto r = read_all(*s_, "rvdk");
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].link, entry_link::none);
  EXPECT_FALSE(r[0].body.empty());
  EXPECT_EQ(r[1].message_id, nid);
  EXPECT_EQ(r[1].link, entry_link::relates_to);

  // The same correction again: the original receipt, nothing changes.
  auto again = ingest_ok(*s_, mutation_req("E-2", "E-1", mutation::correction, {"gemeente:0363"}));
  EXPECT_EQ(again.outcome, ingest_outcome::duplicate);
  EXPECT_EQ(again.rcpt.message_id, nid);
  EXPECT_EQ(read_all(*s_, "gemeente:0363").size(), 2u);
  // The same referentienummer with other content: a conflict, nothing changes.
  auto other = mutation_req("E-2", "E-1", mutation::correction, {"gemeente:0363"});
  other.body = "<dti:piBeeindiging>other</dti:piBeeindiging>";
  EXPECT_EQ(ingest_ok(*s_, other).outcome, ingest_outcome::conflict);
  // A second, different correction of the same notice: refused; correct the correction instead.
  auto second = ingest(*s_, mutation_req("E-3", "E-1", mutation::correction, {"gemeente:0363"}));
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error(), errc::already_superseded);
  EXPECT_NE(second.error().detail.find("by message " + std::to_string(nid)), std::string::npos)
      << second.error().detail;
  auto chained = ingest_ok(*s_, mutation_req("E-3", "E-2", mutation::correction, {"gemeente:0363"}));
  ASSERT_EQ(chained.outcome, ingest_outcome::accepted);
  g = read_all(*s_, "gemeente:0363");
  ASSERT_EQ(g.size(), 3u);
  EXPECT_EQ(g[1].link, entry_link::superseded_by);  // E-2 unacked: replaced by E-3 in turn
  EXPECT_EQ(g[1].link_id, chained.rcpt.message_id);
  EXPECT_EQ(g[2].link, entry_link::relates_to);
  EXPECT_EQ(g[2].link_id, nid);
}

TEST_F(supersede, a_withdrawal_removes_the_unacked_notice_and_is_delivered) {
  auto e = ingest_ok(*s_, make_req("tulp-gw", "W-1", {"idv"}));
  auto w = ingest_ok(*s_, mutation_req("W-2", "W-1", mutation::withdrawal, {}));
  ASSERT_EQ(w.outcome, ingest_outcome::accepted);
  auto es = read_all(*s_, "idv");
  ASSERT_EQ(es.size(), 2u);
  EXPECT_EQ(es[0].link, entry_link::withdrawn_by);
  EXPECT_EQ(es[0].link_id, w.rcpt.message_id);
  EXPECT_TRUE(es[0].body.empty());
  EXPECT_EQ(es[1].link, entry_link::relates_to);
  EXPECT_EQ(es[1].link_id, e.rcpt.message_id);
  auto stored = s_->get(w.rcpt.message_id);
  ASSERT_TRUE(stored && *stored);
  EXPECT_FALSE((*stored)->parked);  // no rule of its own: it goes where the withdrawn notice went
  auto again = ingest(*s_, mutation_req("W-3", "W-1", mutation::correction, {"idv"}));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error(), errc::already_superseded);
  EXPECT_NE(again.error().detail.find("withdrawn"), std::string::npos) << again.error().detail;

  // Reopened: the markers are on disk.
  s_.reset();
  s_ = test::open_ok(test::test_options(dir_.path()));
  es = read_all(*s_, "idv");
  ASSERT_EQ(es.size(), 2u);
  EXPECT_EQ(es[0].link, entry_link::withdrawn_by);
}

TEST_F(supersede, unknown_foreign_and_mistyped_references_are_refused_and_change_nothing) {
  ingest_ok(*s_, make_req("tulp-gw", "U-1", {"rvdk"}));
  auto unknown = ingest(*s_, mutation_req("U-2", "NOPE", mutation::correction, {"rvdk"}));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error(), errc::unknown_reference);
  EXPECT_NE(unknown.error().detail.find("'NOPE'"), std::string::npos) << unknown.error().detail;
  // Another sender's referentienummer: the dedup key is (party, referentienummer), so it is unknown.
  auto foreign = ingest(*s_, mutation_req("U-3", "U-1", mutation::withdrawal, {"rvdk"}, "selectie"));
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.error(), errc::unknown_reference);
  auto typed = mutation_req("U-4", "U-1", mutation::correction, {"rvdk"});
  typed.message_type = "piVerlof";
  auto mistyped = ingest(*s_, typed);
  ASSERT_FALSE(mistyped);
  EXPECT_EQ(mistyped.error(), errc::unknown_reference);
  EXPECT_EQ(read_all(*s_, "rvdk").size(), 1u);
  // The refused referentienummers are free: nothing of them was stored.
  EXPECT_EQ(ingest_ok(*s_, make_req("tulp-gw", "U-2", {"rvdk"})).outcome, ingest_outcome::accepted);
  auto e1 = read_all(*s_, "rvdk");
  ASSERT_EQ(e1.size(), 2u);
  EXPECT_EQ(e1[0].link, entry_link::none);
}

}  // namespace
}  // namespace jubes::storage
