// SPDX-License-Identifier: EUPL-1.2
#include "group.hpp"

#include <gtest/gtest.h>

#include "codec.hpp"
#include "storage/errc.hpp"
#include "test_util.hpp"

namespace jubes::storage {
namespace {

/// Applies operations to one write transaction directly, without the writer thread, and checks
/// what each apply() answers: the inner result is the request's answer, the outer one the txn's.
class group_test : public ::testing::Test {
 protected:
  void SetUp() override {
    opt_ = test::test_options(dir_.path());
    ASSERT_TRUE(database::open(db_, dir_.path(), MDB_NOSYNC, opt_.map_size_initial));
    ASSERT_TRUE(db_.open_tables(true));
    auto t = db_.begin_write();
    ASSERT_TRUE(t);
    t_ = std::move(*t);
  }
  group make(level lvl = level::all) { return group(db_, opt_, ws_, t_, lvl, 1000); }
  static ingest_op ingest(std::string refnr, std::string body, std::vector<std::string> to) {
    ingest_op o;
    o.req = test::make_req("tulp-gw", std::move(refnr), std::move(to), std::move(body));
    o.sha_ok = codec::sha256(o.req.body, o.sha);
    return o;
  }
  /// The request's own answer; fails the test if the transaction failed.
  template <class T>
  static jubes::result<T> answer(applied<T> r) {
    EXPECT_TRUE(r) << r.error().message();
    return r ? std::move(*r) : jubes::result<T>(boost::system::in_place_error, r.error());
  }

  jubes::testing::temp_dir dir_{"group"};
  options opt_;
  database db_;
  writer_state ws_;
  lmdb::txn t_;
};

TEST_F(group_test, ingest_answers_accepted_duplicate_conflict_and_invalid) {
  auto g = make();
  auto a = ingest("A", "<a/>", {"rvdk", "rvdk"});
  auto first = answer(g.apply(a));
  ASSERT_TRUE(first);
  EXPECT_EQ(first->outcome, ingest_outcome::accepted);
  EXPECT_EQ(first->rcpt.message_id, 1u);
  EXPECT_EQ(first->rcpt.accepted_at_ms, 1000);
  auto dup = answer(g.apply(a));
  ASSERT_TRUE(dup);
  EXPECT_EQ(dup->outcome, ingest_outcome::duplicate);
  EXPECT_EQ(dup->rcpt.message_id, 1u);
  auto other = ingest("A", "<b/>", {"rvdk"});
  EXPECT_EQ(answer(g.apply(other))->outcome, ingest_outcome::conflict);
  auto bad = ingest("", "<c/>", {"rvdk"});
  EXPECT_EQ(answer(g.apply(bad)).error(), errc::invalid_argument);
  ASSERT_TRUE(g.finish());
  const auto& c = g.changes();
  EXPECT_EQ(c.accepted, 1u);
  EXPECT_EQ(c.duplicate, 1u);
  EXPECT_EQ(c.conflict, 1u);
  EXPECT_EQ(c.heads.at("rvdk"), 1u);  // a repeated recipient gets one entry
  EXPECT_EQ(c.next_id, 2u);
}

TEST_F(group_test, ack_answers_beyond_head_and_is_monotonic) {
  auto g = make();
  auto m = ingest("A", "<a/>", {"rvdk"});
  ASSERT_TRUE(answer(g.apply(m)));
  ack_op beyond{"rvdk", 2, {}};
  EXPECT_EQ(answer(g.apply(beyond)).error(), errc::beyond_head);
  ack_op ok{"rvdk", 1, {}};
  EXPECT_EQ(*answer(g.apply(ok)), 1u);
  ack_op below{"rvdk", 0, {}};
  EXPECT_EQ(*answer(g.apply(below)), 1u);
  ack_op unnamed{"", 1, {}};
  EXPECT_EQ(answer(g.apply(unnamed)).error(), errc::invalid_argument);
}

TEST_F(group_test, forward_and_reroute_answer_their_refusals) {
  auto g = make();
  auto routed = ingest("A", "<a/>", {"gemeente:0363"});
  auto parked = ingest("P", "<p/>", {});
  ASSERT_TRUE(answer(g.apply(routed)));
  ASSERT_TRUE(answer(g.apply(parked)));
  forward_op not_rcpt{1, "gemeente:0599", "gemeente:0014", {}, {}, {}};
  EXPECT_EQ(answer(g.apply(not_rcpt)).error(), errc::not_recipient);
  forward_op missing{9, "gemeente:0363", "gemeente:0014", {}, {}, {}};
  EXPECT_EQ(answer(g.apply(missing)).error(), errc::not_found);
  forward_op fwd{1, "gemeente:0363", "gemeente:0014", {}, {}, {}};
  EXPECT_TRUE(*answer(g.apply(fwd)));
  EXPECT_FALSE(*answer(g.apply(fwd)));  // once per target
  reroute_op not_parked{1, {"rvdk"}, "v2", {}, {}, {}};
  EXPECT_EQ(answer(g.apply(not_parked)).error(), errc::not_parked);
  reroute_op reroute{2, {"rvdk"}, "v2", {}, {}, {}};
  EXPECT_TRUE(answer(g.apply(reroute)));
  EXPECT_EQ(answer(g.apply(reroute)).error(), errc::not_parked);
  EXPECT_EQ(g.changes().parked_delta, 0);  // parked once, rerouted once
}

TEST_F(group_test, an_operators_forward_and_its_override_record_are_one_transaction) {
  auto g = make();
  auto routed = ingest("A", "<a/>", {"gemeente:0363"});
  ASSERT_TRUE(answer(g.apply(routed)));  // audit record 1: accepted
  forward_op nobody{1, "gemeente:0363", "gemeente:0014", {}, {"", "a reason without an operator", ""}, {}};
  EXPECT_EQ(answer(g.apply(nobody)).error(), errc::invalid_argument);
  forward_op fwd{1, "gemeente:0363", "gemeente:0014", {}, {"operator", "moved", ""}, {}};
  EXPECT_TRUE(*answer(g.apply(fwd)));
  ASSERT_TRUE(g.finish());
  // forwarded (2) and forward_override (3) went into this very transaction ...
  EXPECT_EQ(g.changes().audit_head.seq, 3u);
  auto last = db_.t().audit.last_seq(t_);
  ASSERT_TRUE(last && *last);
  EXPECT_EQ(**last, 3u);
  EXPECT_EQ(g.changes().heads.at("gemeente:0014"), 1u);
  // ... so a transaction that does not commit (a crash, a failed commit) leaves neither.
  t_.abort();
  auto t = db_.begin_write();
  ASSERT_TRUE(t);
  auto none = db_.t().audit.last_seq(*t);
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
  auto entry = db_.t().outbox.get(*t, {"gemeente:0014", 1});
  ASSERT_TRUE(entry);
  EXPECT_FALSE(*entry);
}

TEST_F(group_test, a_full_map_level_answers_store_full_but_lets_acks_through) {
  auto g = make(level::no_growth);
  auto m = ingest("A", "<a/>", {"rvdk"});
  EXPECT_EQ(answer(g.apply(m)).error(), errc::store_full);
  ack_op ack{"rvdk", 0, {}};
  EXPECT_EQ(*answer(g.apply(ack)), 0u);
}

TEST_F(group_test, a_damaged_record_fails_only_the_request_that_read_it) {
  codec::message_rec rec;
  ASSERT_EQ(lmdb::put(t_, db_.t().messages.dbi(), tables::messages_db::encode_key(1), "garbage"), 0);
  ASSERT_EQ(lmdb::put(t_, db_.t().cursors.dbi(), "rvdk", "x"), 0);
  auto g = make();
  forward_op fwd{1, "rvdk", "idv", {}, {}, {}};
  auto r = g.apply(fwd);
  ASSERT_TRUE(r);  // the transaction goes on
  EXPECT_EQ(r->error(), errc::corrupt);
  ack_op ack{"rvdk", 1, {}};
  EXPECT_EQ(answer(g.apply(ack)).error(), errc::corrupt);
  ws_.next_id = 2;
  auto g2 = make();
  auto m = ingest("B", "<b/>", {"idv"});
  EXPECT_EQ(answer(g2.apply(m))->outcome, ingest_outcome::accepted);
}

}  // namespace
}  // namespace jubes::storage
