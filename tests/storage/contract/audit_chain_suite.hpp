// SPDX-License-Identifier: EUPL-1.2
#pragma once
// The audit chain part of the backend contract (storage/audit_chain.hpp, docs/storage.md "Audit
// trail"): every backend seals every audit record onto one gapless hash chain, keeps its ends,
// records operator actions with the operator's identity, and lists and verifies through the
// backend-neutral functions. Included after contract_suite.hpp by every backend's test binary.
#include "contract_suite.hpp"
#include "storage/audit_chain.hpp"

namespace jubes::storage::contract {

namespace {

jubes::result<audit_record> audit_event_of(backend& b, audit_event e) {
  return await<audit_record>([&](completion<audit_record> d) { b.submit_audit(std::move(e), std::move(d)); });
}

}  // namespace

TEST_P(backend_contract, every_write_seals_one_gapless_chain_that_verifies) {
  auto a = ingest_ok(request("ch-1", {"rvdk", "idv"}));
  auto p = request("ch-2", {});
  p.park_reason = "no rule";
  auto parked = ingest_ok(p);
  ASSERT_TRUE(ack("rvdk", 1));
  ASSERT_TRUE(forward(a.rcpt.message_id, "rvdk", "3ro"));
  ASSERT_TRUE(await<void>([&](completion<void> d) {
    b().submit_reroute(parked.rcpt.message_id, {"gemeente:0363"}, "v2", std::move(d), {"operator", "wrong park"});
  }));
  auto op = audit_event_of(b(), {audit_kind::routes_reloaded, 0, "operator", operator_detail("version=v2", "fix")});
  ASSERT_TRUE(op) << op.error().message();
  auto all = b().audit(0);
  ASSERT_TRUE(all) << all.error().message();
  // accepted, parked, acked, forwarded, reroute_ordered, rerouted, routes_reloaded
  ASSERT_EQ(all->size(), 7u);
  digest prev{};
  for (std::size_t i = 0; i < all->size(); ++i) {
    const auto& r = (*all)[i];
    EXPECT_EQ(r.seq, i + 1);
    EXPECT_TRUE(r.chained);
    EXPECT_EQ(r.prev_hash, prev) << "seq " << r.seq;
    EXPECT_EQ(r.hash, audit_chain::hash_of(r)) << "seq " << r.seq;
    prev = r.hash;
  }
  EXPECT_EQ((*all)[4].kind, audit_kind::reroute_ordered);
  EXPECT_EQ((*all)[4].party, "operator");
  EXPECT_EQ((*all)[4].detail, "re-routed to gemeente:0363; reason: wrong park");
  EXPECT_EQ((*all)[5].kind, audit_kind::rerouted);
  EXPECT_EQ(op->seq, 7u);
  EXPECT_EQ(op->hash, prev);
  EXPECT_EQ(op->detail, "version=v2; reason: fix");
  auto st = b().audit_chain();
  ASSERT_TRUE(st) << st.error().message();
  EXPECT_EQ(st->head.seq, 7u);
  EXPECT_EQ(st->head.hash, prev);
  EXPECT_EQ(st->anchor.seq, 0u);
  auto v = audit_chain::verify(b());
  ASSERT_TRUE(v) << v.error().message();
  EXPECT_TRUE(v->ok) << v->problem;
  EXPECT_EQ(v->checked, 7u);
}

TEST_P(backend_contract, an_operator_action_needs_an_identity_and_a_checkpoint_does_not) {
  auto none = audit_event_of(b(), {audit_kind::purge_ordered, 0, "", "purged"});
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error(), errc::invalid_argument);
  auto cp = audit_event_of(b(), {audit_kind::checkpoint, 0, "", "seq=0"});
  ASSERT_TRUE(cp) << cp.error().message();
  EXPECT_EQ(cp->seq, 1u);
  EXPECT_GT(cp->at_ms, 0);
}

TEST_P(backend_contract, an_operators_forward_writes_its_override_record_with_the_forward_once) {
  const auto id = ingest_ok(request("fo-1", {"gemeente:0363/bij"})).rcpt.message_id;
  auto kinds = [&] {
    std::vector<audit_kind> k;
    auto au = b().audit(id);
    EXPECT_TRUE(au) << au.error().message();
    if (au)
      for (const auto& r : *au) k.push_back(r.kind);
    return k;
  };
  // Refused as a whole, nothing written: an operator without an identity, an identity that is no name.
  for (const auto& bad : {operator_action{"", "moved", ""}, operator_action{std::string("op\0x", 4), "moved", ""},
                          operator_action{std::string(256, 'o'), "moved", ""}}) {
    auto f = forward(id, "gemeente:0363/bij", "gemeente:0184/bij", bad);
    ASSERT_FALSE(f);
    EXPECT_EQ(f.error(), errc::invalid_argument);
  }
  EXPECT_TRUE(read("gemeente:0184/bij").empty());
  EXPECT_EQ(kinds(), (std::vector<audit_kind>{audit_kind::accepted}));

  // The operator's forward: the forwarded record, then the operator's, answered after both are stored.
  auto f = forward(id, "gemeente:0363/bij", "gemeente:0184/bij", {"operator", "verhuisd", "not a BIJ participant"});
  ASSERT_TRUE(f) << f.error().message();
  EXPECT_TRUE(*f);
  auto au = b().audit(id);
  ASSERT_TRUE(au) << au.error().message();
  ASSERT_EQ(au->size(), 3u);
  const auto& fw = (*au)[1];
  const auto& ov = (*au)[2];
  EXPECT_EQ(fw.kind, audit_kind::forwarded);
  EXPECT_EQ(fw.party, "gemeente:0363/bij");
  EXPECT_EQ(fw.detail, "gemeente:0184/bij");
  EXPECT_EQ(ov.kind, audit_kind::forward_override);
  EXPECT_EQ(ov.seq, fw.seq + 1);
  EXPECT_EQ(ov.message_id, id);
  EXPECT_EQ(ov.party, "operator");
  EXPECT_EQ(ov.detail,
            "forwarded from gemeente:0363/bij to gemeente:0184/bij (not a BIJ participant); reason: verhuisd");

  // A repeat adds nothing, so it records nothing, not even a second override.
  f = forward(id, "gemeente:0363/bij", "gemeente:0184/bij", {"operator", "again", ""});
  ASSERT_TRUE(f) << f.error().message();
  EXPECT_FALSE(*f);
  // A box's own forward is no operator action: its forwarded record alone.
  f = forward(id, "gemeente:0363/bij", "gemeente:0599/bij");
  ASSERT_TRUE(f) << f.error().message();
  EXPECT_TRUE(*f);
  EXPECT_EQ(kinds(), (std::vector<audit_kind>{audit_kind::accepted, audit_kind::forwarded, audit_kind::forward_override,
                                              audit_kind::forwarded}));
  auto by_operator = audit_chain::list(b(), audit_filter{0, "operator", 0, 0, SIZE_MAX});
  ASSERT_TRUE(by_operator);
  ASSERT_EQ(by_operator->size(), 1u);
  EXPECT_EQ((*by_operator)[0].seq, ov.seq);
  auto v = audit_chain::verify(b());
  ASSERT_TRUE(v) << v.error().message();
  EXPECT_TRUE(v->ok) << v->problem;
}

TEST_P(backend_contract, a_checkpoint_verifies_later_and_a_wrong_one_is_refused) {
  ingest_ok(request("cp-1", {"rvdk"}));
  ingest_ok(request("cp-2", {"rvdk"}));
  auto st = b().audit_chain();
  ASSERT_TRUE(st);
  const chain_point cp = st->head;
  ingest_ok(request("cp-3", {"rvdk"}));
  auto later = audit_chain::verify(b(), cp);
  ASSERT_TRUE(later);
  EXPECT_TRUE(later->ok) << later->problem;
  EXPECT_EQ(later->from.seq, cp.seq);
  chain_point wrong = cp;
  wrong.hash[31] ^= 0x80;
  auto bad = audit_chain::verify(b(), wrong);
  ASSERT_TRUE(bad);
  EXPECT_FALSE(bad->ok);
  EXPECT_EQ(bad->bad_seq, cp.seq);
  chain_point beyond = cp;
  beyond.seq = 99;
  auto gone = audit_chain::verify(b(), beyond);
  ASSERT_TRUE(gone);
  EXPECT_FALSE(gone->ok);
  EXPECT_NE(gone->problem.find("truncated"), std::string::npos) << gone->problem;
}

TEST_P(backend_contract, audit_list_filters_by_message_party_time_and_limit) {
  auto a = ingest_ok(request("ls-1", {"rvdk"}));
  auto c = ingest_ok(request("ls-2", {"idv"}));
  ASSERT_TRUE(ack("rvdk", 1));
  ASSERT_TRUE(audit_event_of(b(), {audit_kind::backup_taken, 0, "operator", "backup /x; reason: nightly"}));
  auto by_msg = audit_chain::list(b(), audit_filter{a.rcpt.message_id, "", 0, 0, SIZE_MAX});
  ASSERT_TRUE(by_msg);
  ASSERT_EQ(by_msg->size(), 2u);  // accepted, acked
  EXPECT_EQ((*by_msg)[1].kind, audit_kind::acked);
  auto by_party = audit_chain::list(b(), audit_filter{0, "operator", 0, 0, SIZE_MAX});
  ASSERT_TRUE(by_party);
  ASSERT_EQ(by_party->size(), 1u);
  EXPECT_EQ((*by_party)[0].kind, audit_kind::backup_taken);
  auto limited = audit_chain::list(b(), audit_filter{0, "", 0, 0, 2});
  ASSERT_TRUE(limited);
  EXPECT_EQ(limited->size(), 2u);
  auto future = audit_chain::list(b(), audit_filter{0, "", c.rcpt.accepted_at_ms + 86400000, 0, SIZE_MAX});
  ASSERT_TRUE(future);
  EXPECT_TRUE(future->empty());
  auto past = audit_chain::list(b(), audit_filter{0, "", 0, a.rcpt.accepted_at_ms, SIZE_MAX});
  ASSERT_TRUE(past);
  EXPECT_TRUE(past->empty());
  auto json = audit_chain::to_json(*by_party);
  EXPECT_NE(json.find("\"kind\":\"backup_taken\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"party\":\"operator\""), std::string::npos) << json;
}

}  // namespace jubes::storage::contract
