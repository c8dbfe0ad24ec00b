// SPDX-License-Identifier: EUPL-1.2
#pragma once
// The backend contract (storage/backend.hpp) as one value-parameterised GoogleTest suite that
// every storage::backend implementation runs: the LMDB store (storage_tests, label storage) and
// the PostgreSQL store (pgstore_tests, label pg). Include this header in exactly one source file
// of a test binary and instantiate it there:
//
//   INSTANTIATE_TEST_SUITE_P(lmdb, backend_contract, ::testing::Values(contract_backend{"lmdb", open_fn}),
//                            contract_name);
//
// Every test opens fresh, empty storage through the parameter's `open`. Nothing here is timed:
// waits are on completions and wakes, which either come or let the test time out.
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <future>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "contract_util.hpp"
#include "storage/backend.hpp"

namespace jubes::storage::contract {

class backend_contract : public ::testing::TestWithParam<contract_backend> {
 protected:
  void SetUp() override {
    o_ = GetParam().open();
    ASSERT_TRUE(o_.b) << "cannot open " << GetParam().name;
  }
  void TearDown() override {
    if (o_.b) {
      auto rep = o_.b->check();
      EXPECT_TRUE(rep.ok()) << (rep.problems.empty() ? "" : rep.problems.front());
      o_.b->close();
    }
  }
  backend& b() { return *o_.b; }

  jubes::result<ingest_result> ingest(ingest_request r) {
    return await<ingest_result>([&](completion<ingest_result> d) { b().submit(std::move(r), std::move(d)); });
  }
  ingest_result ingest_ok(ingest_request r) {
    auto res = ingest(std::move(r));
    EXPECT_TRUE(res) << res.error().message();
    return res ? *res : ingest_result{};
  }
  jubes::result<std::uint64_t> ack(std::string r, std::uint64_t upto) {
    return await<std::uint64_t>([&](completion<std::uint64_t> d) { b().submit_ack(r, upto, std::move(d)); });
  }
  jubes::result<bool> forward(std::uint64_t id, std::string from, std::string to, operator_action by = {}) {
    return await<bool>([&](completion<bool> d) { b().submit_forward(id, from, to, std::move(d), by); });
  }
  jubes::result<void> reroute(std::uint64_t id, std::vector<std::string> to, operator_action by = {}) {
    return await<void>([&](completion<void> d) { b().submit_reroute(id, to, "v2", std::move(d), by); });
  }
  jubes::result<bool> decide(std::uint64_t id, park_decision::action a, std::string to, std::string why) {
    park_decision d{id, a, std::move(to), "operator", std::move(why), {}};
    return await<bool>([&](completion<bool> done) { b().submit_park_decision(d, std::move(done)); });
  }
  std::uint64_t park(const std::string& ref) {
    auto r = request(ref, {});
    r.park_reason = "no rule matched";
    return ingest_ok(r).rcpt.message_id;
  }
  std::vector<outbox_entry> read(const std::string& r, std::uint64_t after = 0, std::size_t max = 10000) {
    auto v = b().read_outbox(r, after, max);
    EXPECT_TRUE(v) << v.error().message();
    return v ? *v : std::vector<outbox_entry>{};
  }

  opened o_;
};

TEST_P(backend_contract, ingest_accepted_then_duplicate_with_the_same_receipt_then_conflict) {
  auto a = ingest_ok(request("ref-1", {"gemeente:0363", "rvdk"}));
  ASSERT_EQ(a.outcome, ingest_outcome::accepted);
  EXPECT_GT(a.rcpt.message_id, 0u);
  EXPECT_EQ(a.rcpt.referentienummer, "ref-1");
  EXPECT_GT(a.rcpt.accepted_at_ms, 0);

  auto d = ingest_ok(request("ref-1", {"gemeente:0363", "rvdk"}));
  ASSERT_EQ(d.outcome, ingest_outcome::duplicate);
  EXPECT_EQ(d.rcpt.message_id, a.rcpt.message_id);
  EXPECT_EQ(d.rcpt.referentienummer, a.rcpt.referentienummer);
  EXPECT_EQ(d.rcpt.accepted_at_ms, a.rcpt.accepted_at_ms);

  auto c = ingest_ok(request("ref-1", {"gemeente:0363"}, "<other/>"));
  EXPECT_EQ(c.outcome, ingest_outcome::conflict);

  auto m = b().get(a.rcpt.message_id);
  ASSERT_TRUE(m && m->has_value());
  EXPECT_EQ((*m)->body, request("ref-1", {}).body);
  EXPECT_EQ((*m)->source_party, "tulp-gw");
  EXPECT_EQ((*m)->referentienummer, "ref-1");
  EXPECT_EQ((*m)->message_type, "piBeeindiging");
  EXPECT_EQ((*m)->recipients, (std::vector<std::string>{"gemeente:0363", "rvdk"}));
  EXPECT_EQ((*m)->matched_rules, (std::vector<std::string>{"bij-pi", "rule \"2\""}));
  EXPECT_EQ((*m)->received_at_ms, 17);
  EXPECT_EQ((*m)->accepted_at_ms, a.rcpt.accepted_at_ms);
  EXPECT_FALSE((*m)->parked);
  EXPECT_EQ(read("rvdk").size(), 1u);
  auto none = b().get(a.rcpt.message_id + 1000);
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
}

TEST_P(backend_contract, a_key_repeated_inside_one_batch_is_a_duplicate_of_the_first) {
  std::vector<std::future<jubes::result<ingest_result>>> fs;
  std::vector<std::shared_ptr<std::promise<jubes::result<ingest_result>>>> ps;
  for (int i = 0; i < 20; ++i) {
    auto p = std::make_shared<std::promise<jubes::result<ingest_result>>>();
    fs.push_back(p->get_future());
    b().submit(request("same", {"rvdk"}), [p](jubes::result<ingest_result> r) { p->set_value(std::move(r)); });
    ps.push_back(p);
  }
  std::uint64_t id = 0;
  int accepted = 0;
  for (auto& f : fs) {
    auto r = f.get();
    ASSERT_TRUE(r) << r.error().message();
    if (r->outcome == ingest_outcome::accepted) ++accepted;
    if (id == 0) id = r->rcpt.message_id;
    EXPECT_EQ(r->rcpt.message_id, id);
  }
  EXPECT_EQ(accepted, 1);
  EXPECT_EQ(read("rvdk").size(), 1u);
}

TEST_P(backend_contract, invalid_ingest_requests_are_refused_and_change_nothing) {
  auto r = request("", {"rvdk"});
  auto e = ingest(r);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error(), errc::invalid_argument);
  r = request("ref", {std::string("rv\0dk", 5)});
  e = ingest(r);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error(), errc::invalid_argument);
  r = request("ref", {std::string(256, 'x')});
  e = ingest(r);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error(), errc::invalid_argument);
  EXPECT_TRUE(read("rvdk").empty());
  // The same key with a valid request is new: the refusals stored nothing.
  EXPECT_EQ(ingest_ok(request("ref", {"rvdk"})).outcome, ingest_outcome::accepted);
}

TEST_P(backend_contract, sequences_are_gapless_per_recipient_with_concurrent_submitters) {
  constexpr int threads = 4, each = 40;
  std::vector<std::thread> ts;
  std::atomic<int> failures{0};
  for (int t = 0; t < threads; ++t)
    ts.emplace_back([&, t] {
      std::vector<std::future<jubes::result<ingest_result>>> fs;
      for (int i = 0; i < each; ++i) {
        auto p = std::make_shared<std::promise<jubes::result<ingest_result>>>();
        fs.push_back(p->get_future());
        std::vector<std::string> to{"rvdk", "gemeente:0" + std::to_string(100 + t)};
        if (i % 3 == 0) to.push_back("idv");
        b().submit(request("t" + std::to_string(t) + "-" + std::to_string(i), to),
                   [p](jubes::result<ingest_result> r) { p->set_value(std::move(r)); });
      }
      for (auto& f : fs) {
        auto r = f.get();
        if (!r || r->outcome != ingest_outcome::accepted) ++failures;
      }
    });
  for (auto& t : ts) t.join();
  ASSERT_EQ(failures.load(), 0);
  auto expect_gapless = [&](const std::string& r, std::size_t n) {
    auto e = read(r);
    ASSERT_EQ(e.size(), n) << r;
    std::set<std::uint64_t> ids;
    for (std::size_t i = 0; i < e.size(); ++i) {
      EXPECT_EQ(e[i].seq, i + 1) << r;
      EXPECT_TRUE(ids.insert(e[i].message_id).second) << r << ": message twice";
    }
    auto st = b().outbox(r);
    ASSERT_TRUE(st);
    EXPECT_EQ(st->head, n);
  };
  expect_gapless("rvdk", threads * each);
  expect_gapless("idv", threads * ((each + 2) / 3));
  for (int t = 0; t < threads; ++t) expect_gapless("gemeente:0" + std::to_string(100 + t), each);
}

TEST_P(backend_contract, acks_are_monotonic_and_refused_beyond_the_head) {
  std::vector<std::int64_t> at;
  for (int i = 1; i <= 3; ++i) at.push_back(ingest_ok(request("a" + std::to_string(i), {"rvdk"})).rcpt.accepted_at_ms);
  auto a = ack("rvdk", 2);
  ASSERT_TRUE(a) << a.error().message();
  EXPECT_EQ(*a, 2u);
  a = ack("rvdk", 1);
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, 2u);
  a = ack("rvdk", 5);
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error(), errc::beyond_head);
  a = ack("nobody", 1);
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error(), errc::beyond_head);
  auto st = b().outbox("rvdk");
  ASSERT_TRUE(st);
  EXPECT_EQ(st->head, 3u);
  EXPECT_EQ(st->cursor, 2u);
  EXPECT_EQ(st->oldest_unacked_ms, at[2]);
  auto all = b().outboxes();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ(all->front().first, "rvdk");
  // One "acked" audit record per message acknowledged.
  auto au = b().audit(0);
  ASSERT_TRUE(au);
  int acked = 0;
  for (const auto& r : *au) acked += r.kind == audit_kind::acked && r.party == "rvdk";
  EXPECT_EQ(acked, 2);
  a = ack("rvdk", 3);
  ASSERT_TRUE(a);
  EXPECT_EQ(b().outbox("rvdk")->oldest_unacked_ms, 0);
}

TEST_P(backend_contract, forward_adds_the_message_to_the_target_outbox_once) {
  auto id = ingest_ok(request("f1", {"gemeente:0363"})).rcpt.message_id;
  auto f = forward(id, "gemeente:0363", "gemeente:0599");
  ASSERT_TRUE(f) << f.error().message();
  EXPECT_TRUE(*f);
  f = forward(id, "gemeente:0363", "gemeente:0599");
  ASSERT_TRUE(f);
  EXPECT_FALSE(*f);
  f = forward(id, "gemeente:0344", "gemeente:0599");
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error(), errc::not_recipient);
  f = forward(id + 1000, "gemeente:0363", "gemeente:0599");
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error(), errc::not_found);
  f = forward(id, "gemeente:0363", "tulp-gw");
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error(), errc::invalid_argument);
  auto e = read("gemeente:0599");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].message_id, id);
  auto m = b().get(id);
  ASSERT_TRUE(m && m->has_value());
  EXPECT_EQ((*m)->recipients, (std::vector<std::string>{"gemeente:0363", "gemeente:0599"}));
  EXPECT_EQ((*m)->route_version, "v1");  // a forward changes nothing else
  EXPECT_EQ((*m)->matched_rules, (std::vector<std::string>{"bij-pi", "rule \"2\""}));
}

TEST_P(backend_contract, a_parked_message_is_listed_and_rerouted_exactly_once) {
  auto r = request("p1", {});
  r.park_reason = "no rule matched";
  auto id = ingest_ok(r).rcpt.message_id;
  auto p = b().parked();
  ASSERT_TRUE(p);
  ASSERT_EQ(p->size(), 1u);
  EXPECT_EQ((*p)[0].message_id, id);
  EXPECT_EQ((*p)[0].park_reason, "no rule matched");
  EXPECT_EQ(b().metrics().parked, 1u);
  // An operator action no one is accountable for is refused, and changes nothing.
  for (const operator_action& nobody :
       {operator_action{"", "a reason", ""}, operator_action{std::string("op\0x", 4), "r", ""}}) {
    auto refused = reroute(id, {"rvdk"}, nobody);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error(), errc::invalid_argument);
  }
  EXPECT_EQ(b().parked()->size(), 1u);
  EXPECT_TRUE(read("rvdk").empty());
  auto rr = reroute(id, {"rvdk", "rvdk", "idv"});
  ASSERT_TRUE(rr) << rr.error().message();
  rr = reroute(id, {"rvdk"});
  ASSERT_FALSE(rr);
  EXPECT_EQ(rr.error(), errc::not_parked);
  rr = reroute(id + 1000, {"rvdk"});
  ASSERT_FALSE(rr);
  EXPECT_EQ(rr.error(), errc::not_found);
  EXPECT_TRUE(b().parked()->empty());
  EXPECT_EQ(read("rvdk").size(), 1u);
  EXPECT_EQ(read("idv").size(), 1u);
  auto m = b().get(id);
  ASSERT_TRUE(m && m->has_value());
  EXPECT_FALSE((*m)->parked);
  EXPECT_EQ((*m)->recipients, (std::vector<std::string>{"rvdk", "idv"}));
  EXPECT_EQ((*m)->route_version, "v2");
}

TEST_P(backend_contract, a_parked_message_assigned_goes_to_that_recipient_once_with_an_audit_record) {
  using a = park_decision::action;
  const auto id = park("p-assign");
  auto r = decide(id, a::assign, "gemeente:0363", "moved to Amsterdam");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(*r);
  r = decide(id, a::assign, "gemeente:0363", "again");  // a repeat: a no-op
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_FALSE(*r);
  EXPECT_EQ(read("gemeente:0363").size(), 1u);
  r = decide(id, a::assign, "rvdk", "other");  // decided already: not to another recipient
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::not_parked);
  r = decide(id, a::close, "", "too late");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::not_parked);
  EXPECT_TRUE(read("rvdk").empty());
  EXPECT_TRUE(b().parked()->empty());
  EXPECT_EQ(b().metrics().parked, 0u);
  auto m = b().get(id);
  ASSERT_TRUE(m && m->has_value());
  EXPECT_FALSE((*m)->parked);
  EXPECT_EQ((*m)->recipients, (std::vector<std::string>{"gemeente:0363"}));
  auto au = b().audit(id);
  ASSERT_TRUE(au);
  std::size_t assigned = 0;
  for (const auto& x : *au)
    if (x.kind == audit_kind::parked_assigned) {
      ++assigned;
      EXPECT_EQ(x.party, "operator");
      EXPECT_EQ(x.detail, "gemeente:0363: moved to Amsterdam");
    }
  EXPECT_EQ(assigned, 1u);
}

TEST_P(backend_contract, a_parked_message_closed_leaves_the_list_undelivered_with_its_reason) {
  using a = park_decision::action;
  const auto id = park("p-close");
  const auto other = park("p-other");
  auto r = decide(id, a::close, "", "test message, not for delivery");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(*r);
  r = decide(id, a::close, "", "again");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_FALSE(*r);
  r = decide(id, a::assign, "rvdk", "after all");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::not_parked);
  EXPECT_TRUE(read("rvdk").empty());
  auto p = b().parked();
  ASSERT_TRUE(p);
  ASSERT_EQ(p->size(), 1u);
  EXPECT_EQ((*p)[0].message_id, other);
  auto au = b().audit(id);
  ASSERT_TRUE(au);
  ASSERT_FALSE(au->empty());
  EXPECT_EQ(au->back().kind, audit_kind::parked_closed);
  EXPECT_EQ(au->back().detail, "test message, not for delivery");
  // Unknown ids and invalid decisions change nothing.
  r = decide(other + 1000, a::close, "", "x");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::not_found);
  r = decide(other, a::close, "", "");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::invalid_argument);
  r = decide(other, a::assign, "", "no recipient");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::invalid_argument);
  EXPECT_EQ(b().parked()->size(), 1u);
}

// Issue 13, no silent partial delivery: a message with recipients and a park reason is delivered to them and parked
// for the missing one; an operator's assignment delivers it there once, keeping the first recipients.
TEST_P(backend_contract, a_partial_delivery_is_delivered_and_parked_until_assigned_once) {
  using a = park_decision::action;
  auto r = request("p-partial", {"3ro"});
  r.park_reason = "partial delivery: reintegratie-gemeente: no BRP address outside a DJI institution";
  const auto id = ingest_ok(r).rcpt.message_id;
  EXPECT_EQ(read("3ro").size(), 1u);
  auto p = b().parked();
  ASSERT_TRUE(p);
  ASSERT_EQ(p->size(), 1u);
  EXPECT_EQ((*p)[0].message_id, id);
  EXPECT_EQ((*p)[0].park_reason, r.park_reason);
  EXPECT_EQ(b().metrics().parked, 1u);
  auto m = b().get(id);
  ASSERT_TRUE(m && m->has_value());
  EXPECT_TRUE((*m)->parked);
  EXPECT_EQ((*m)->recipients, std::vector<std::string>{"3ro"});
  EXPECT_TRUE(may_read(**m, "3ro"));

  auto d = decide(id, a::assign, "gemeente:0518/reintegratie", "found the address");
  ASSERT_TRUE(d) << d.error().message();
  EXPECT_TRUE(*d);
  d = decide(id, a::assign, "gemeente:0518/reintegratie", "again");
  ASSERT_TRUE(d) << d.error().message();
  EXPECT_FALSE(*d);
  EXPECT_EQ(read("gemeente:0518/reintegratie").size(), 1u);
  EXPECT_EQ(read("3ro").size(), 1u);  // not delivered twice
  EXPECT_TRUE(b().parked()->empty());
  EXPECT_EQ(b().metrics().parked, 0u);
  m = b().get(id);
  ASSERT_TRUE(m && m->has_value());
  EXPECT_FALSE((*m)->parked);
  EXPECT_EQ((*m)->recipients, (std::vector<std::string>{"3ro", "gemeente:0518/reintegratie"}));

  // Re-routing a partial delivery adds only the recipients it lacks.
  auto r2 = request("p-partial-2", {"3ro"});
  r2.park_reason = "partial delivery: x";
  const auto id2 = ingest_ok(r2).rcpt.message_id;
  auto rr = reroute(id2, {"3ro", "rvdk"});
  ASSERT_TRUE(rr) << rr.error().message();
  EXPECT_EQ(read("3ro").size(), 2u);
  EXPECT_EQ(read("rvdk").size(), 1u);
}

// Issue 13: a notice that is not BIJ-worthy is stored (exactly once) and audited, but neither delivered nor parked.
TEST_P(backend_contract, an_unrouted_message_is_stored_not_parked) {
  auto r = request("p-unrouted", {});
  r.unrouted = true;
  r.park_reason = "niet BIJ-waardig";
  const auto res = ingest_ok(r);
  EXPECT_EQ(res.outcome, ingest_outcome::accepted);
  EXPECT_TRUE(b().parked()->empty());
  EXPECT_EQ(b().metrics().parked, 0u);
  auto m = b().get(res.rcpt.message_id);
  ASSERT_TRUE(m && m->has_value());
  EXPECT_FALSE((*m)->parked);
  EXPECT_TRUE((*m)->recipients.empty());
  EXPECT_EQ(ingest_ok(r).outcome, ingest_outcome::duplicate);
  auto au = b().audit(res.rcpt.message_id);
  ASSERT_TRUE(au && !au->empty());
  EXPECT_EQ(au->front().kind, audit_kind::accepted);
  EXPECT_NE(au->front().detail.find("not routed: niet BIJ-waardig"), std::string::npos) << au->front().detail;
  // With recipients it is not a valid request.
  auto bad = request("p-unrouted-bad", {"rvdk"});
  bad.unrouted = true;
  auto refused = ingest(bad);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error(), errc::invalid_argument);
}

TEST_P(backend_contract, watch_wakes_once_on_the_commit_that_passes_it_and_at_once_if_passed) {
  std::promise<void> woke;
  std::atomic<int> wakes{0};
  auto token = b().watch("rvdk", 0, [&] {
    if (wakes.fetch_add(1) == 0) woke.set_value();
  });
  EXPECT_NE(token, 0u);
  ingest_ok(request("w1", {"rvdk"}));
  woke.get_future().wait();
  // Past the head: at once, on this thread, before watch returns.
  int now = 0;
  EXPECT_EQ(b().watch("rvdk", 0, [&] { ++now; }), 0u);
  EXPECT_EQ(now, 1);
  // Removed watchers are not woken: the next commit is later than the one that would wake them.
  bool removed_woke = false;
  auto t2 = b().watch("rvdk", 1, [&] { removed_woke = true; });
  b().unwatch(t2);
  ingest_ok(request("w2", {"rvdk"}));
  ingest_ok(request("w3", {"rvdk"}));
  EXPECT_FALSE(removed_woke);
  EXPECT_EQ(wakes.load(), 1);
}

TEST_P(backend_contract, close_completes_everything_once_and_later_submits_at_once_with_closed) {
  constexpr int n = 50;
  std::atomic<int> done{0}, stored{0};
  std::promise<void> woke;
  b().watch("nobody", 0, [&] { woke.set_value(); });
  for (int i = 0; i < n; ++i)
    b().submit(request("c" + std::to_string(i), {"rvdk"}), [&](jubes::result<ingest_result> r) {
      ++done;
      if (r)
        ++stored;
      else
        EXPECT_EQ(r.error(), errc::closed);
    });
  b().close();
  EXPECT_EQ(done.load(), n);
  woke.get_future().wait();  // close wakes every watcher
  bool at_once = false;
  b().submit(request("late", {"rvdk"}), [&](jubes::result<ingest_result> r) {
    at_once = true;
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::closed);
  });
  EXPECT_TRUE(at_once);
  // Reads keep working after close, and show exactly what was acknowledged as stored.
  EXPECT_EQ(read("rvdk").size(), static_cast<std::size_t>(stored.load()));
}

TEST_P(backend_contract, read_outbox_returns_entries_after_the_cursor_in_order_within_bounds) {
  std::vector<std::uint64_t> ids;
  for (int i = 1; i <= 5; ++i) ids.push_back(ingest_ok(request("r" + std::to_string(i), {"3ro"})).rcpt.message_id);
  auto e = read("3ro", 2, 2);
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].seq, 3u);
  EXPECT_EQ(e[0].message_id, ids[2]);
  EXPECT_EQ(e[1].seq, 4u);
  EXPECT_EQ(e[1].message_id, ids[3]);
  EXPECT_EQ(e[0].source_party, "tulp-gw");
  EXPECT_EQ(e[0].message_type, "piBeeindiging");
  EXPECT_EQ(e[0].body, request("r3", {}).body);
  EXPECT_FALSE(e[0].purged);
  EXPECT_EQ(read("3ro", 0).size(), 5u);
  EXPECT_TRUE(read("3ro", 5).empty());
  EXPECT_TRUE(read("3ro", 0, 0).empty());
  EXPECT_TRUE(read("3ro", UINT64_MAX).empty());
  EXPECT_TRUE(read("unknown").empty());
  auto ids_seen = b().read_outbox("3ro", 4, 100);
  ASSERT_TRUE(ids_seen);
  ASSERT_EQ(ids_seen->size(), 1u);
  EXPECT_EQ(ids_seen->front().seq, 5u);
}

TEST_P(backend_contract, read_batch_is_capped_in_bytes_the_first_entry_always_goes_and_says_more) {
  for (int i = 1; i <= 4; ++i) ingest_ok(request("b" + std::to_string(i), {"3rb"}));
  const std::size_t body = request("b1", {}).body.size();
  auto all = b().read_batch("3rb", 0, 100, SIZE_MAX);
  ASSERT_TRUE(all) << all.error().message();
  EXPECT_EQ(all->entries.size(), 4u);
  EXPECT_FALSE(all->more);
  auto two = b().read_batch("3rb", 0, 100, 2 * body);  // exactly two bodies fit
  ASSERT_TRUE(two);
  ASSERT_EQ(two->entries.size(), 2u);
  EXPECT_EQ(two->entries[1].seq, 2u);
  EXPECT_TRUE(two->more);
  auto one = b().read_batch("3rb", 1, 100, 1);  // smaller than any body: the first still goes
  ASSERT_TRUE(one);
  ASSERT_EQ(one->entries.size(), 1u);
  EXPECT_EQ(one->entries[0].seq, 2u);
  EXPECT_EQ(one->entries[0].body, request("b2", {}).body);
  EXPECT_TRUE(one->more);
  auto by_count = b().read_batch("3rb", 2, 1, SIZE_MAX);  // the entry cap too
  ASSERT_TRUE(by_count);
  ASSERT_EQ(by_count->entries.size(), 1u);
  EXPECT_TRUE(by_count->more);
  auto last = b().read_batch("3rb", 3, 100, 1);
  ASSERT_TRUE(last);
  ASSERT_EQ(last->entries.size(), 1u);
  EXPECT_FALSE(last->more);
  auto none = b().read_batch("3rb", 4, 100, 1);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->entries.empty());
  EXPECT_FALSE(none->more);
}

TEST_P(backend_contract, a_healthy_backend_says_writable) {
  EXPECT_EQ(b().health().st, store_health::state::writable) << b().health().reason;
}

TEST_P(backend_contract, stats_count_what_was_stored) {
  ingest_ok(request("s1", {"rvdk", "idv"}));
  ingest_ok(request("s2", {"rvdk"}));
  auto p = request("s3", {});
  p.park_reason = "none";
  ingest_ok(p);
  auto s = b().stats();
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(s->messages, 3u);
  EXPECT_EQ(s->parked, 1u);
  EXPECT_EQ(s->dedup, 3u);
  EXPECT_EQ(s->recipients, 2u);
  EXPECT_EQ(s->outbox_entries, 3u);
  EXPECT_EQ(s->unacked, 3u);
  EXPECT_EQ(s->audit, 3u);
  EXPECT_GT(s->last_message_id, 0u);
  auto m = b().metrics();
  EXPECT_EQ(m.accepted, 3u);
}

}  // namespace jubes::storage::contract
