// SPDX-License-Identifier: EUPL-1.2
// The store through one fixture: ingest, dedup, the queue, outboxes, watch, forward, reroute, retention, readers.
#include "storage/store.hpp"

#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "test_util.hpp"

namespace jubes::storage {
namespace {

using namespace std::chrono_literals;
using test::make_req;
using test::temp_dir;

class store_test : public ::testing::Test {
 protected:
  void SetUp() override {
    opts_ = test::test_options(dir_.path());
    opts_.clock = clock_.fn();
    auto s = store::open(opts_);
    ASSERT_TRUE(s) << s.error().message();
    s_ = std::move(*s);
  }
  void reopen() {
    s_->close();
    s_.reset();
    auto s = store::open(opts_);
    ASSERT_TRUE(s) << s.error().message();
    s_ = std::move(*s);
  }
  std::vector<outbox_entry> outbox(const std::string& r, std::uint64_t after = 0, std::size_t max = 1000) {
    auto v = s_->read_outbox(r, after, max);
    EXPECT_TRUE(v) << v.error().message();
    return v ? *v : std::vector<outbox_entry>{};
  }
  void expect_check_ok() {
    auto r = s_->check();
    EXPECT_TRUE(r.ok()) << (r.problems.empty() ? "" : r.problems.front());
  }

  temp_dir dir_;
  test::fake_clock clock_;
  options opts_;
  std::unique_ptr<store> s_;
};

TEST_F(store_test, accepted_message_is_readable_with_its_outbox_entries) {
  auto r = test::ingest_ok(*s_, make_req("tulp-gw", "ref-1", {"gemeente:0363", "rvdk"}, "<body>één</body>"));
  ASSERT_EQ(r.outcome, ingest_outcome::accepted);
  EXPECT_EQ(r.rcpt.message_id, 1u);
  EXPECT_EQ(r.rcpt.referentienummer, "ref-1");
  EXPECT_EQ(r.rcpt.accepted_at_ms, clock_.now_ms());

  auto m = s_->get(1);
  ASSERT_TRUE(m);
  ASSERT_TRUE(m->has_value());
  EXPECT_EQ((*m)->body, "<body>één</body>");
  EXPECT_EQ((*m)->source_party, "tulp-gw");
  EXPECT_EQ((*m)->referentienummer, "ref-1");
  EXPECT_EQ((*m)->message_type, "piBeeindiging");
  EXPECT_EQ((*m)->recipients, (std::vector<std::string>{"gemeente:0363", "rvdk"}));
  EXPECT_EQ((*m)->matched_rules, (std::vector<std::string>{"bij-pi"}));
  EXPECT_FALSE((*m)->parked);
  EXPECT_FALSE((*m)->purged);

  for (const char* rc : {"gemeente:0363", "rvdk"}) {
    auto e = outbox(rc);
    ASSERT_EQ(e.size(), 1u) << rc;
    EXPECT_EQ(e[0].seq, 1u);
    EXPECT_EQ(e[0].message_id, 1u);
    EXPECT_EQ(e[0].source_party, "tulp-gw");
    EXPECT_EQ(e[0].body, "<body>één</body>");
  }
  EXPECT_TRUE(outbox("idv").empty());
  auto audit = s_->audit(1);
  ASSERT_TRUE(audit);
  ASSERT_EQ(audit->size(), 1u);
  EXPECT_EQ((*audit)[0].kind, audit_kind::accepted);
  EXPECT_EQ((*audit)[0].party, "tulp-gw");
  EXPECT_EQ((*audit)[0].detail, "piBeeindiging to=gemeente:0363,rvdk");
  EXPECT_EQ((*audit)[0].at_ms, r.rcpt.accepted_at_ms);
  auto missing = s_->get(99);
  ASSERT_TRUE(missing);
  EXPECT_FALSE(missing->has_value());
  expect_check_ok();
}

TEST_F(store_test, a_batch_is_capped_in_bytes_the_first_entry_always_goes_and_more_is_said) {
  for (int i = 0; i < 4; ++i)
    test::ingest_ok(
        *s_, make_req("tulp-gw", "big-" + std::to_string(i), {"rvdk"}, std::string(1000, static_cast<char>('a' + i))));
  auto two = s_->read_batch("rvdk", 0, 100, 2500);
  ASSERT_TRUE(two) << two.error().message();
  ASSERT_EQ(two->entries.size(), 2u);  // a third would make 3000 bytes
  EXPECT_EQ(two->entries[1].body, std::string(1000, 'b'));
  EXPECT_TRUE(two->more);
  auto first = s_->read_batch("rvdk", 2, 100, 10);  // under one body: the first goes anyway
  ASSERT_TRUE(first);
  ASSERT_EQ(first->entries.size(), 1u);
  EXPECT_EQ(first->entries[0].seq, 3u);
  EXPECT_TRUE(first->more);
  auto by_count = s_->read_batch("rvdk", 0, 3, SIZE_MAX);
  ASSERT_TRUE(by_count);
  EXPECT_EQ(by_count->entries.size(), 3u);
  EXPECT_TRUE(by_count->more);
  auto rest = s_->read_batch("rvdk", 3, 100, 2500);
  ASSERT_TRUE(rest);
  EXPECT_EQ(rest->entries.size(), 1u);
  EXPECT_FALSE(rest->more);
  auto none = s_->read_batch("rvdk", 4, 100, 2500);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->entries.empty());
  EXPECT_FALSE(none->more);
}

TEST_F(store_test, same_body_again_returns_the_original_receipt_and_stores_nothing) {
  auto first = test::ingest_ok(*s_, make_req("tulp-gw", "ref-1", {"rvdk"}));
  clock_.advance(5s);
  auto again = test::ingest_ok(*s_, make_req("tulp-gw", "ref-1", {"rvdk"}));
  ASSERT_EQ(again.outcome, ingest_outcome::duplicate);
  EXPECT_EQ(again.rcpt.message_id, first.rcpt.message_id);
  EXPECT_EQ(again.rcpt.accepted_at_ms, first.rcpt.accepted_at_ms);
  EXPECT_EQ(outbox("rvdk").size(), 1u);
  auto st = s_->stats();
  ASSERT_TRUE(st);
  EXPECT_EQ(st->messages, 1u);
  // The same referentienummer from another party is another message.
  auto other = test::ingest_ok(*s_, make_req("jvs", "ref-1", {"rvdk"}));
  EXPECT_EQ(other.outcome, ingest_outcome::accepted);
  EXPECT_EQ(other.rcpt.message_id, 2u);
}

TEST_F(store_test, other_body_is_a_conflict_and_stores_nothing) {
  test::ingest_ok(*s_, make_req("tulp-gw", "ref-1", {"rvdk"}, "<a/>"));
  auto c = test::ingest_ok(*s_, make_req("tulp-gw", "ref-1", {"rvdk", "idv"}, "<b/>"));
  EXPECT_EQ(c.outcome, ingest_outcome::conflict);
  EXPECT_EQ(c.rcpt.message_id, 0u);
  EXPECT_EQ(outbox("rvdk").size(), 1u);
  EXPECT_TRUE(outbox("idv").empty());
  EXPECT_EQ(s_->metrics().conflict, 1u);
  expect_check_ok();
}

TEST_F(store_test, same_key_twice_in_one_group_behaves_as_if_sequential) {
  std::vector<std::future<jubes::result<ingest_result>>> fs;
  std::vector<std::promise<jubes::result<ingest_result>>> ps(5);
  {
    test::writer_gate gate(*s_);
    auto sub = [&](std::size_t i, ingest_request r) {
      fs.push_back(ps[i].get_future());
      s_->submit(std::move(r), [&ps, i](jubes::result<ingest_result> x) { ps[i].set_value(std::move(x)); });
    };
    sub(0, make_req("tulp-gw", "A", {"rvdk"}, "<a/>"));
    sub(1, make_req("tulp-gw", "A", {"rvdk"}, "<a/>"));
    sub(2, make_req("tulp-gw", "B", {"rvdk"}, "<b/>"));
    sub(3, make_req("tulp-gw", "B", {"rvdk"}, "<other/>"));
    sub(4, make_req("tulp-gw", "C", {"rvdk", "idv"}, "<c/>"));
    EXPECT_EQ(s_->metrics().queue_depth, 5u);
  }
  std::vector<ingest_result> r;
  for (auto& f : fs) r.push_back(f.get().value());
  EXPECT_EQ(r[0].outcome, ingest_outcome::accepted);
  EXPECT_EQ(r[1].outcome, ingest_outcome::duplicate);
  EXPECT_EQ(r[1].rcpt.message_id, r[0].rcpt.message_id);
  EXPECT_EQ(r[1].rcpt.accepted_at_ms, r[0].rcpt.accepted_at_ms);
  EXPECT_EQ(r[2].outcome, ingest_outcome::accepted);
  EXPECT_EQ(r[3].outcome, ingest_outcome::conflict);
  EXPECT_EQ(r[4].outcome, ingest_outcome::accepted);
  auto e = outbox("rvdk");
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[0].body, "<a/>");
  EXPECT_EQ(e[1].body, "<b/>");
  EXPECT_EQ(e[2].body, "<c/>");
  EXPECT_EQ(e[2].seq, 3u);
  auto m = s_->metrics();
  EXPECT_EQ(m.accepted, 3u);
  EXPECT_EQ(m.duplicate, 1u);
  // The five requests went into one transaction (plus the gate's own group of one).
  EXPECT_EQ(m.group_size_sum, 6u);
  EXPECT_EQ(m.commits, 2u);
  expect_check_ok();
}

TEST_F(store_test, full_queue_is_refused_at_once_and_accepted_requests_still_complete) {
  opts_.queue_capacity = 3;
  reopen();
  std::atomic<int> done{0};
  const auto caller = std::this_thread::get_id();
  // A refusal completes exactly once, at once, on the calling thread.
  auto refused = [caller](int& calls, errc expected) {
    return [&calls, caller, expected](auto r) {
      ++calls;
      EXPECT_EQ(std::this_thread::get_id(), caller);
      ASSERT_FALSE(r);
      EXPECT_EQ(r.error(), expected);
    };
  };
  int overloaded_ingest = 0, overloaded_ack = 0, closed_ingest = 0;
  {
    test::writer_gate gate(*s_);
    for (int i = 0; i < 3; ++i)
      s_->submit(make_req("tulp-gw", "q" + std::to_string(i), {"rvdk"}), [&](jubes::result<ingest_result> r) {
        EXPECT_NE(std::this_thread::get_id(), caller);  // the writer thread
        ASSERT_TRUE(r);
        EXPECT_EQ(r->outcome, ingest_outcome::accepted);
        ++done;
      });
    s_->submit(make_req("tulp-gw", "q9", {"rvdk"}), refused(overloaded_ingest, errc::overloaded));
    EXPECT_EQ(overloaded_ingest, 1);
    s_->submit_ack("rvdk", 1, refused(overloaded_ack, errc::overloaded));
    EXPECT_EQ(overloaded_ack, 1);
    EXPECT_EQ(s_->metrics().rejected_overloaded, 2u);
  }
  s_->close();  // drains: the three queued requests complete
  EXPECT_EQ(done.load(), 3);
  s_->submit(make_req("tulp-gw", "late", {"rvdk"}), refused(closed_ingest, errc::closed));
  EXPECT_EQ(closed_ingest, 1);
  EXPECT_EQ(overloaded_ingest + overloaded_ack, 2);
}

TEST_F(store_test, queue_is_bounded_by_body_bytes_too) {
  opts_.queue_max_bytes = 10'000;
  reopen();
  std::atomic<int> done{0}, overloaded{0};
  auto cb = [&](jubes::result<ingest_result> r) {
    if (!r) {
      EXPECT_EQ(r.error(), errc::overloaded);
      ++overloaded;
      return;
    }
    EXPECT_EQ(r->outcome, ingest_outcome::accepted);
    ++done;
  };
  {
    test::writer_gate gate(*s_);
    s_->submit(make_req("tulp-gw", "big", {"rvdk"}, std::string(20'000, 'b')), cb);  // alone: taken
    s_->submit(make_req("tulp-gw", "b2", {"rvdk"}, std::string(100, 'b')), cb);
    EXPECT_EQ(overloaded.load(), 1);
  }
  s_->close();
  EXPECT_EQ(done.load(), 1);
  reopen();
  {
    test::writer_gate gate(*s_);
    s_->submit(make_req("tulp-gw", "m1", {"rvdk"}, std::string(4'000, 'm')), cb);
    s_->submit(make_req("tulp-gw", "m2", {"rvdk"}, std::string(4'000, 'm')), cb);
    s_->submit(make_req("tulp-gw", "m3", {"rvdk"}, std::string(4'000, 'm')), cb);
    EXPECT_EQ(overloaded.load(), 2);
  }
  s_->close();
  EXPECT_EQ(done.load(), 3);
}

TEST_F(store_test, outbox_seqs_are_gapless_and_the_cursor_is_monotonic) {
  for (int i = 1; i <= 5; ++i) {
    clock_.advance(1s);
    test::ingest_ok(*s_, make_req("tulp-gw", "r" + std::to_string(i), {"rvdk"}));
  }
  auto first = outbox("rvdk", 0, 3);
  ASSERT_EQ(first.size(), 3u);
  EXPECT_EQ(first[0].seq, 1u);
  EXPECT_EQ(first[2].seq, 3u);
  auto rest = outbox("rvdk", 3, 100);
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_EQ(rest[0].seq, 4u);
  EXPECT_EQ(rest[1].seq, 5u);
  EXPECT_TRUE(outbox("rvdk", 5).empty());

  auto a = test::ack(*s_, "rvdk", 3);
  ASSERT_TRUE(a) << a.error().message();
  EXPECT_EQ(*a, 3u);
  auto again = test::ack(*s_, "rvdk", 2);  // below the cursor: a no-op
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, 3u);
  auto beyond = test::ack(*s_, "rvdk", 9);
  ASSERT_FALSE(beyond);
  EXPECT_EQ(beyond.error(), errc::beyond_head);
  EXPECT_EQ(s_->outbox("rvdk")->cursor, 3u);  // unchanged
  EXPECT_EQ(test::ack(*s_, "nobody", 1).error(), errc::beyond_head);

  auto st = s_->outbox("rvdk");
  ASSERT_TRUE(st);
  EXPECT_EQ(st->head, 5u);
  EXPECT_EQ(st->cursor, 3u);
  EXPECT_EQ(st->oldest_unacked_ms, rest[0].accepted_at_ms);
  // Until acked, the same entries come again with the same seq and id.
  auto replay = outbox("rvdk", 3);
  ASSERT_EQ(replay.size(), 2u);
  EXPECT_EQ(replay[0].message_id, rest[0].message_id);

  auto audit = s_->audit(first[0].message_id);
  ASSERT_TRUE(audit);
  bool acked = false;
  for (auto& r : *audit) acked |= r.kind == audit_kind::acked && r.party == "rvdk";
  EXPECT_TRUE(acked);
  expect_check_ok();
}

TEST_F(store_test, heads_and_cursors_survive_a_reopen) {
  test::ingest_ok(*s_, make_req("tulp-gw", "r1", {"rvdk"}));
  test::ingest_ok(*s_, make_req("tulp-gw", "r2", {"rvdk"}));
  test::ack(*s_, "rvdk", 1);
  reopen();
  auto r = test::ingest_ok(*s_, make_req("tulp-gw", "r3", {"rvdk"}));
  EXPECT_EQ(r.rcpt.message_id, 3u);
  auto e = outbox("rvdk", 1);
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[1].seq, 3u);
  EXPECT_EQ(s_->outbox("rvdk")->cursor, 1u);
  EXPECT_EQ(test::ingest_ok(*s_, make_req("tulp-gw", "r1", {"rvdk"})).outcome, ingest_outcome::duplicate);
  expect_check_ok();
}

TEST_F(store_test, watch_is_woken_by_a_commit_and_not_before) {
  std::promise<void> woke;
  auto token = s_->watch("rvdk", 0, [&] { woke.set_value(); });
  EXPECT_NE(token, 0u);
  auto f = woke.get_future();
  test::ingest_ok(*s_, make_req("tulp-gw", "x", {"idv"}));  // another recipient: no wake
  EXPECT_EQ(f.wait_for(0s), std::future_status::timeout);
  test::ingest_ok(*s_, make_req("tulp-gw", "y", {"rvdk"}));
  f.get();  // woken by the commit (the test would hang, and time out, otherwise)

  // Head already past `after`: woken at once, on this thread.
  bool now = false;
  EXPECT_EQ(s_->watch("rvdk", 0, [&] { now = true; }), 0u);
  EXPECT_TRUE(now);

  // Unwatched: never woken.
  bool bad = false;
  auto t2 = s_->watch("rvdk", 1, [&] { bad = true; });
  s_->unwatch(t2);
  test::ingest_ok(*s_, make_req("tulp-gw", "z", {"rvdk"}));
  EXPECT_FALSE(bad);

  // Pending watchers are woken at close.
  bool closed = false;
  s_->watch("idv", 10, [&] { closed = true; });
  s_->close();
  EXPECT_TRUE(closed);
}

TEST_F(store_test, forward_adds_the_target_once_and_is_audited) {
  auto r = test::ingest_ok(*s_, make_req("tulp-gw", "f1", {"gemeente:0363"}));
  const auto id = r.rcpt.message_id;
  EXPECT_EQ(test::forward(*s_, id, "gemeente:0599", "gemeente:0014").error(), errc::not_recipient);
  EXPECT_EQ(test::forward(*s_, 42, "gemeente:0363", "gemeente:0014").error(), errc::not_found);
  EXPECT_EQ(test::forward(*s_, id, "gemeente:0363", "tulp-gw").error(), errc::invalid_argument);
  EXPECT_EQ(test::forward(*s_, id, "gemeente:0363", std::string("a\0b", 3)).error(), errc::invalid_argument);
  auto f = test::forward(*s_, id, "gemeente:0363", "gemeente:0014");
  ASSERT_TRUE(f) << f.error().message();
  EXPECT_TRUE(*f);
  auto again = test::forward(*s_, id, "gemeente:0363", "gemeente:0014");
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again);
  auto e = outbox("gemeente:0014");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].message_id, id);
  auto m = s_->get(id);
  ASSERT_TRUE(m && m->has_value());
  EXPECT_TRUE(may_read(**m, "gemeente:0014"));
  EXPECT_TRUE(may_read(**m, "gemeente:0363"));
  EXPECT_TRUE(may_read(**m, "tulp-gw"));
  EXPECT_FALSE(may_read(**m, "gemeente:0599"));
  EXPECT_FALSE(may_read(**m, ""));
  auto audit = s_->audit(id);
  ASSERT_TRUE(audit);
  int forwarded = 0;
  for (auto& a : *audit)
    if (a.kind == audit_kind::forwarded) {
      ++forwarded;
      EXPECT_EQ(a.party, "gemeente:0363");
      EXPECT_EQ(a.detail, "gemeente:0014");
    }
  EXPECT_EQ(forwarded, 1);
  expect_check_ok();
}

TEST_F(store_test, parked_message_is_rerouted_exactly_once) {
  auto in = make_req("mits", "p1", {});
  in.park_reason = "no rule matched tbsVerlof without verlof/adres";
  auto r = test::ingest_ok(*s_, in);
  ASSERT_EQ(r.outcome, ingest_outcome::accepted);
  auto p = s_->parked();
  ASSERT_TRUE(p);
  ASSERT_EQ(p->size(), 1u);
  EXPECT_EQ((*p)[0].message_id, r.rcpt.message_id);
  EXPECT_EQ((*p)[0].park_reason, in.park_reason);
  EXPECT_EQ(s_->metrics().parked, 1u);
  expect_check_ok();

  EXPECT_EQ(test::reroute(*s_, r.rcpt.message_id, {}).error(), errc::invalid_argument);
  EXPECT_TRUE(test::reroute(*s_, r.rcpt.message_id, {"gemeente:0363", "gemeente:0363"}));
  EXPECT_EQ(test::reroute(*s_, r.rcpt.message_id, {"rvdk"}).error(), errc::not_parked);
  EXPECT_EQ(test::reroute(*s_, 77, {"rvdk"}).error(), errc::not_found);
  EXPECT_TRUE(s_->parked()->empty());
  EXPECT_EQ(s_->metrics().parked, 0u);
  ASSERT_EQ(outbox("gemeente:0363").size(), 1u);
  EXPECT_TRUE(outbox("rvdk").empty());
  auto m = s_->get(r.rcpt.message_id);
  EXPECT_FALSE((*m)->parked);
  EXPECT_EQ((*m)->route_version, "v2");
  expect_check_ok();
}

TEST_F(store_test, invalid_requests_change_nothing) {
  EXPECT_EQ(test::ingest(*s_, make_req("", "r", {"rvdk"})).error(), errc::invalid_argument);
  EXPECT_EQ(test::ingest(*s_, make_req("tulp-gw", "", {"rvdk"})).error(), errc::invalid_argument);
  EXPECT_EQ(test::ingest(*s_, make_req("tulp-gw", "r", {std::string("rv\0dk", 5)})).error(), errc::invalid_argument);
  EXPECT_EQ(test::ingest(*s_, make_req("tulp-gw", std::string(300, 'x'), {"rvdk"})).error(), errc::invalid_argument);
  EXPECT_EQ(test::ingest(*s_, make_req(std::string(256, 'p'), "r", {"rvdk"})).error(), errc::invalid_argument);
  EXPECT_EQ(test::ack(*s_, "", 1).error(), errc::invalid_argument);
  EXPECT_EQ(s_->stats()->messages, 0u);
  EXPECT_TRUE(s_->read_outbox(std::string("a\0b", 3), 0, 10)->empty());
  EXPECT_TRUE(s_->read_outbox("rvdk", UINT64_MAX, 10)->empty());
  // A valid request in the same store still works afterwards.
  EXPECT_EQ(test::ingest_ok(*s_, make_req("tulp-gw", "r", {"rvdk"})).outcome, ingest_outcome::accepted);
  expect_check_ok();
}

// Retention never destroys an undelivered notice silently (issue 14): what it will purge
// unacknowledged is counted beforehand (unacked_due_for_purge), and the purge record names the
// recipients that had not acknowledged it.
TEST_F(store_test, retention_counts_undelivered_bodies_first_and_audits_their_purge) {
  opts_.retention_bodies = std::chrono::hours(24);
  reopen();
  auto a = test::ingest_ok(*s_, make_req("tulp-gw", "g1", {"rvdk", "idv"}));
  auto b = test::ingest_ok(*s_, make_req("tulp-gw", "g2", {"rvdk"}));
  ASSERT_TRUE(test::ack(*s_, "rvdk", 2));  // rvdk fetched both; idv did not fetch g1
  clock_.advance(std::chrono::hours(20));
  auto c = test::ingest_ok(*s_, make_req("tulp-gw", "g3", {"idv"}));
  // Due within 6 hours (cutoff = now - 24 h + 6 h): g1 at idv; g3 is newer.
  auto due = s_->unacked_due_for_purge(clock_.now_ms() - 18 * 3600 * 1000, 10);
  ASSERT_TRUE(due) << due.error().message();
  ASSERT_EQ(due->counts.size(), 1u);
  EXPECT_EQ(due->counts[0], (std::pair<std::string, std::uint64_t>{"idv", 1}));
  ASSERT_EQ(due->entries.size(), 1u);  // listed too: which message, in which box
  EXPECT_EQ(due->entries[0].recipient, "idv");
  EXPECT_EQ(due->entries[0].message_id, a.rcpt.message_id);
  EXPECT_EQ(due->entries[0].seq, 1u);
  EXPECT_EQ(due->entries[0].accepted_at_ms, a.rcpt.accepted_at_ms);
  EXPECT_TRUE(s_->unacked_due_for_purge(clock_.now_ms() - 18 * 3600 * 1000)->entries.empty());  // counted only

  clock_.advance(std::chrono::hours(5));
  auto p = test::purge(*s_);
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_EQ(p->bodies, 2u);
  EXPECT_EQ(p->undelivered, 1u);
  EXPECT_EQ(s_->metrics().purged_undelivered, 1u);
  auto audit_a = s_->audit(a.rcpt.message_id);
  ASSERT_TRUE(audit_a);
  ASSERT_FALSE(audit_a->empty());
  EXPECT_EQ(audit_a->back().kind, audit_kind::purged);
  EXPECT_EQ(audit_a->back().detail, "undelivered to idv");
  auto audit_b = s_->audit(b.rcpt.message_id);
  ASSERT_TRUE(audit_b);
  EXPECT_EQ(audit_b->back().kind, audit_kind::purged);
  EXPECT_EQ(audit_b->back().detail, "");  // delivered: an ordinary purge record
  // Purged bodies are due no more.
  due = s_->unacked_due_for_purge(clock_.now_ms(), 10);
  ASSERT_TRUE(due);
  ASSERT_EQ(due->counts.size(), 1u);
  EXPECT_EQ(due->counts[0], (std::pair<std::string, std::uint64_t>{"idv", 1}));  // g3, not yet purged
  ASSERT_EQ(due->entries.size(), 1u);
  EXPECT_EQ(due->entries[0].message_id, c.rcpt.message_id);
  expect_check_ok();
}

TEST_F(store_test, retention_purges_bodies_then_dedup_then_audit) {
  opts_.retention_bodies = std::chrono::hours(24);
  opts_.retention_dedup_extra = std::chrono::hours(24);
  opts_.retention_audit = std::chrono::hours(24 * 7);
  opts_.retention_batch = 2;  // forces several bounded transactions
  reopen();
  for (int i = 0; i < 5; ++i) test::ingest_ok(*s_, make_req("tulp-gw", "old" + std::to_string(i), {"rvdk"}));
  auto parked = make_req("tulp-gw", "old-parked", {});
  test::ingest_ok(*s_, parked);
  clock_.advance(std::chrono::hours(20));
  auto fresh = test::ingest_ok(*s_, make_req("tulp-gw", "fresh", {"rvdk"}));

  clock_.advance(std::chrono::hours(5));  // the first six are 25 h old
  auto p = test::purge(*s_);
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_EQ(p->bodies, 6u);
  EXPECT_EQ(p->dedup, 0u);
  auto m1 = s_->get(1);
  EXPECT_TRUE((*m1)->purged);
  EXPECT_TRUE((*m1)->body.empty());
  EXPECT_FALSE((*s_->get(fresh.rcpt.message_id))->purged);
  auto e = outbox("rvdk");
  ASSERT_EQ(e.size(), 6u);
  EXPECT_TRUE(e[0].purged);
  EXPECT_FALSE(e[5].purged);
  EXPECT_TRUE(s_->parked()->empty());
  EXPECT_EQ(s_->metrics().parked, 0u);
  // The dedup record outlives the body: a retry is still a duplicate.
  EXPECT_EQ(test::ingest_ok(*s_, make_req("tulp-gw", "old0", {"rvdk"})).outcome, ingest_outcome::duplicate);
  expect_check_ok();

  clock_.advance(std::chrono::hours(24));
  p = test::purge(*s_);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->dedup, 6u);
  auto again = test::ingest_ok(*s_, make_req("tulp-gw", "old0", {"rvdk"}));
  EXPECT_EQ(again.outcome, ingest_outcome::accepted);
  EXPECT_GT(again.rcpt.message_id, fresh.rcpt.message_id);
  auto a = s_->audit(1);
  ASSERT_TRUE(a);
  ASSERT_FALSE(a->empty());
  EXPECT_EQ(a->back().kind, audit_kind::purged);
  expect_check_ok();

  clock_.advance(std::chrono::hours(24 * 8));
  p = test::purge(*s_);
  ASSERT_TRUE(p);
  EXPECT_GT(p->audit, 0u);
  EXPECT_TRUE(s_->audit(1)->empty());
  auto st = s_->stats();
  EXPECT_EQ(st->purged, 8u);  // 6 + fresh + old0 again are all old by now; bodies run first
  expect_check_ok();
}

TEST_F(store_test, background_retention_runs_by_itself) {
  opts_.retention_bodies = std::chrono::hours(1);
  opts_.retention_interval = 5ms;
  reopen();
  test::ingest_ok(*s_, make_req("tulp-gw", "old", {"rvdk"}));
  clock_.advance(std::chrono::hours(2));
  // Wait (bounded by the test timeout) until the background task has purged the body.
  while (s_->metrics().purged_bodies == 0) std::this_thread::sleep_for(2ms);
  EXPECT_TRUE((*s_->get(1))->purged);
}

TEST_F(store_test, a_second_writer_is_refused_and_a_reader_sees_committed_data) {
  auto second = store::open(opts_);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error(), errc::locked);
  EXPECT_NE(second.error().message().find("another process"), std::string::npos);

  test::ingest_ok(*s_, make_req("tulp-gw", "r1", {"rvdk"}));
  auto ro = store::open_readonly(dir_.path());
  ASSERT_TRUE(ro) << ro.error().message();
  EXPECT_TRUE((*ro)->read_only());
  EXPECT_EQ((*ro)->read_outbox("rvdk", 0, 10)->size(), 1u);
  test::ingest_ok(*s_, make_req("tulp-gw", "r2", {"rvdk"}));
  EXPECT_EQ((*ro)->read_outbox("rvdk", 0, 10)->size(), 2u);
  auto refused = test::ingest((**ro), make_req("tulp-gw", "r3", {"rvdk"}));
  EXPECT_EQ(refused.error(), errc::read_only);
  EXPECT_TRUE((*ro)->check().ok());
}

}  // namespace
}  // namespace jubes::storage
