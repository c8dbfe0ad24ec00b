// SPDX-License-Identifier: EUPL-1.2
// What only the PostgreSQL store has: several instances (gateway nodes) on one database,
// migrations, connections that break.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <future>
#include <set>
#include <thread>

#include "contract/contract_util.hpp"
#include "pg_util.hpp"
#include "storage/errc.hpp"

namespace jubes::pgstore {
namespace {

using storage::ingest_outcome;
using storage::ingest_result;
using storage::contract::await;
using storage::contract::request;

jubes::result<ingest_result> ingest(storage::backend& b, storage::ingest_request r) {
  return await<ingest_result>([&](storage::completion<ingest_result> d) { b.submit(std::move(r), std::move(d)); });
}

/// Runs one SQL statement on `conninfo` (the test's own connection). @return its first value
std::string sql(const std::string& conninfo, const std::string& q) {
  std::unique_ptr<PGconn, void (*)(PGconn*)> c(PQconnectdb(conninfo.c_str()), PQfinish);
  std::unique_ptr<PGresult, void (*)(PGresult*)> r(PQexec(c.get(), q.c_str()), PQclear);
  auto s = PQresultStatus(r.get());
  EXPECT_TRUE(s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) << q << ": " << PQerrorMessage(c.get());
  return PQntuples(r.get()) > 0 ? PQgetvalue(r.get(), 0, 0) : "";
}

class two_nodes : public ::testing::Test {
 protected:
  void SetUp() override {
    ci_ = pgtest::migrated_database();
    auto o = pgtest::test_options(ci_);
    // Only a notification can wake a watcher on the other node within this test.
    o.safety_poll = std::chrono::hours(1);
    a_ = pgtest::open_ok(o);
    b_ = pgtest::open_ok(o);
    ASSERT_TRUE(a_ && b_);
  }
  void TearDown() override {
    if (a_) {
      auto rep = a_->check();
      EXPECT_TRUE(rep.ok()) << (rep.problems.empty() ? "" : rep.problems.front());
    }
  }
  std::string ci_;
  std::unique_ptr<store> a_, b_;
};

TEST_F(two_nodes, the_same_message_on_both_at_once_is_accepted_once_and_the_other_gets_the_same_receipt) {
  constexpr int rounds = 30;
  for (int i = 0; i < rounds; ++i) {
    // Each round: both nodes get the message at the same moment, as a client retrying on the
    // other node after a timeout would. Recipients vary so that head locks do not always order them.
    auto req =
        request("both-" + std::to_string(i), i % 2 ? std::vector<std::string>{"rvdk"} : std::vector<std::string>{});
    req.park_reason = "none";
    std::promise<void> go;
    auto start = go.get_future().share();
    auto on = [&](store& s) {
      return std::async(std::launch::async, [&s, req, start] {
        start.wait();
        return ingest(s, req);
      });
    };
    auto fa = on(*a_), fb = on(*b_);
    go.set_value();
    auto ra = fa.get(), rb = fb.get();
    ASSERT_TRUE(ra) << ra.error().message();
    ASSERT_TRUE(rb) << rb.error().message();
    std::multiset<ingest_outcome> outcomes{ra->outcome, rb->outcome};
    EXPECT_EQ(outcomes, (std::multiset<ingest_outcome>{ingest_outcome::accepted, ingest_outcome::duplicate}))
        << "round " << i;
    EXPECT_EQ(ra->rcpt.message_id, rb->rcpt.message_id);
    EXPECT_EQ(ra->rcpt.referentienummer, rb->rcpt.referentienummer);
    EXPECT_EQ(ra->rcpt.accepted_at_ms, rb->rcpt.accepted_at_ms);
  }
  auto e = b_->read_outbox("rvdk", 0, 1000);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->size(), static_cast<std::size_t>(rounds / 2));
  EXPECT_EQ(sql(ci_, "SELECT count(*) FROM messages"), std::to_string(rounds));
}

/// A correction (or withdrawal) of `cross` by the same party as request().
storage::ingest_request correction(const std::string& ref, const std::string& cross, storage::mutation m,
                                   std::vector<std::string> to) {
  auto r = request(ref, std::move(to), "<dti:piBeeindiging>" + ref + " corrects " + cross + "</dti:piBeeindiging>");
  r.mutation_kind = m;
  r.cross_ref = cross;
  return r;
}

/// Runs a(*x) and b(*y) at the same moment on two threads. @return both results
template <class A, class B>
auto at_once(A a, B b) {
  std::promise<void> go;
  auto start = go.get_future().share();
  auto fa = std::async(std::launch::async, [a, start] {
    start.wait();
    return a();
  });
  auto fb = std::async(std::launch::async, [b, start] {
    start.wait();
    return b();
  });
  go.set_value();
  return std::pair{fa.get(), fb.get()};
}

TEST_F(two_nodes, corrections_racing_on_both_nodes_keep_exactly_once_and_one_current_notice) {
  constexpr int rounds = 15;
  for (int i = 0; i < rounds; ++i) {
    const std::string n = "C" + std::to_string(i), box = "box" + std::to_string(i);
    auto e = ingest(*a_, request(n + "-1", {box, "rvdk"}));
    ASSERT_TRUE(e) << e.error().message();
    // The same correction on both nodes at once (a client retrying on the other): one correction.
    auto same = correction(n + "-2", n + "-1", storage::mutation::correction, {box});
    auto [r1, r2] = at_once([&] { return ingest(*a_, same); }, [&] { return ingest(*b_, same); });
    ASSERT_TRUE(r1) << r1.error().message();
    ASSERT_TRUE(r2) << r2.error().message();
    EXPECT_EQ((std::multiset<ingest_outcome>{r1->outcome, r2->outcome}),
              (std::multiset<ingest_outcome>{ingest_outcome::accepted, ingest_outcome::duplicate}))
        << "round " << i;
    EXPECT_EQ(r1->rcpt.message_id, r2->rcpt.message_id);
    // Two different corrections of that one at once: exactly one wins, the other is told which.
    auto [w1, w2] =
        at_once([&] { return ingest(*a_, correction(n + "-3", n + "-2", storage::mutation::correction, {box})); },
                [&] { return ingest(*b_, correction(n + "-4", n + "-2", storage::mutation::withdrawal, {box})); });
    ASSERT_NE(bool(w1), bool(w2)) << "round " << i;
    const auto& lost = w1 ? w2 : w1;
    EXPECT_EQ(lost.error(), storage::errc::already_superseded) << lost.error().message();
    const auto winner = w1 ? w1->rcpt.message_id : w2->rcpt.message_id;
    // One current notice per outbox: every earlier entry a marker, the winner's entry last.
    for (const auto& rc : {box, std::string("rvdk")}) {
      auto es = b_->read_outbox(rc, 0, 1000);
      ASSERT_TRUE(es);
      std::size_t current = 0;
      for (const auto& x : *es) {
        if (x.message_id != e->rcpt.message_id && x.message_id != r1->rcpt.message_id && x.message_id != winner)
          continue;
        if (x.link == storage::entry_link::superseded_by || x.link == storage::entry_link::withdrawn_by) {
          EXPECT_TRUE(x.body.empty());
        } else {
          ++current;
          EXPECT_EQ(x.message_id, winner) << rc;
        }
      }
      EXPECT_EQ(current, 1u) << rc << " round " << i;
    }
  }
}

TEST_F(two_nodes, an_ack_on_one_node_racing_a_correction_on_the_other_leaves_one_consistent_outcome) {
  constexpr int rounds = 15;
  for (int i = 0; i < rounds; ++i) {
    const std::string n = "A" + std::to_string(i), box = "abox" + std::to_string(i);
    auto e = ingest(*a_, request(n + "-1", {box}));
    ASSERT_TRUE(e) << e.error().message();
    auto [acked, c] = at_once(
        [&] {
          return storage::contract::await<std::uint64_t>(
              [&](storage::completion<std::uint64_t> d) { b_->submit_ack(box, 1, std::move(d)); });
        },
        [&] { return ingest(*a_, correction(n + "-2", n + "-1", storage::mutation::correction, {box})); });
    ASSERT_TRUE(acked) << acked.error().message();
    ASSERT_TRUE(c) << c.error().message();
    auto es = a_->read_outbox(box, 0, 10);
    ASSERT_TRUE(es);
    ASSERT_EQ(es->size(), 2u);
    // Acked first: the notice stays delivered; corrected first: the recipient acknowledged a marker.
    EXPECT_TRUE((*es)[0].link == storage::entry_link::none || (*es)[0].link == storage::entry_link::superseded_by);
    EXPECT_EQ((*es)[0].body.empty(), (*es)[0].link == storage::entry_link::superseded_by);
    EXPECT_EQ((*es)[1].message_id, c->rcpt.message_id);
    EXPECT_EQ((*es)[1].link, storage::entry_link::relates_to);
  }
}

TEST_F(two_nodes, a_message_ingested_on_one_node_wakes_a_watcher_on_the_other) {
  std::promise<void> woke;
  auto token = b_->watch("gemeente:0363", 0, [&] { woke.set_value(); });
  ASSERT_NE(token, 0u);
  auto r = ingest(*a_, request("n1", {"gemeente:0363"}));
  ASSERT_TRUE(r) << r.error().message();
  woke.get_future().wait();  // pg_notify -> B's LISTEN session -> the watcher
  auto e = b_->read_outbox("gemeente:0363", 0, 10);
  ASSERT_TRUE(e);
  ASSERT_EQ(e->size(), 1u);
  EXPECT_EQ(e->front().message_id, r->rcpt.message_id);
}

TEST_F(two_nodes, sequences_stay_gapless_with_writers_on_both_nodes) {
  constexpr int each = 60;
  auto load = [&](store& s, const std::string& tag) {
    std::vector<std::future<jubes::result<ingest_result>>> fs;
    for (int i = 0; i < each; ++i) {
      auto p = std::make_shared<std::promise<jubes::result<ingest_result>>>();
      fs.push_back(p->get_future());
      s.submit(request(tag + std::to_string(i), {"rvdk", i % 2 ? "idv" : "3ro"}),
               [p](jubes::result<ingest_result> r) { p->set_value(std::move(r)); });
    }
    int ok = 0;
    for (auto& f : fs) ok += f.get().has_value();
    return ok;
  };
  auto fa = std::async(std::launch::async, load, std::ref(*a_), "a");
  auto fb = std::async(std::launch::async, load, std::ref(*b_), "b");
  EXPECT_EQ(fa.get() + fb.get(), 2 * each);
  auto e = a_->read_outbox("rvdk", 0, 1000);
  ASSERT_TRUE(e);
  ASSERT_EQ(e->size(), 2u * each);
  for (std::size_t i = 0; i < e->size(); ++i) EXPECT_EQ((*e)[i].seq, i + 1);
}

TEST_F(two_nodes, a_broken_writer_connection_is_replaced_and_nothing_is_lost) {
  ASSERT_TRUE(ingest(*a_, request("x1", {"rvdk"})));
  // Kill every writer session of this database (both nodes'), between batches.
  sql(ci_,
      "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'jubes-writer' "
      "AND datname = current_database()");
  auto r = ingest(*a_, request("x2", {"rvdk"}));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->outcome, ingest_outcome::accepted);
  auto d = ingest(*b_, request("x2", {"rvdk"}));
  ASSERT_TRUE(d) << d.error().message();
  EXPECT_EQ(d->outcome, ingest_outcome::duplicate);
  EXPECT_EQ(a_->read_outbox("rvdk", 0, 10)->size(), 2u);
}

TEST_F(two_nodes, a_listener_that_reconnects_rechecks_its_watchers) {
  sql(ci_,
      "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = "
      "'jubes-listener' AND datname = current_database()");
  std::promise<void> woke;
  b_->watch("idv", 0, [&] { woke.set_value(); });
  auto r = ingest(*a_, request("l1", {"idv"}));
  ASSERT_TRUE(r) << r.error().message();
  // Either B's listener reconnected before the commit (and got the notification) or after it
  // (and re-read every watched head): the watcher wakes in both cases.
  woke.get_future().wait();
}

TEST(pgstore_migrate, applies_once_refuses_a_newer_schema_and_open_needs_it) {
  auto ci = pgtest::server().create_database();
  auto o = pgstore::store::open(pgtest::test_options(ci));
  ASSERT_FALSE(o);
  EXPECT_EQ(o.error(), storage::errc::bad_version);
  EXPECT_NE(o.error().message().find("jubesctl db migrate"), std::string::npos) << o.error().message();
  auto m = migrate(ci);
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->from, 0u);
  EXPECT_EQ(m->to, schema_version());
  m = migrate(ci);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->from, schema_version());
  EXPECT_EQ(m->to, schema_version());
  EXPECT_TRUE(pgstore::store::open(pgtest::test_options(ci)));
  sql(ci, "INSERT INTO jubes_schema (version, file) VALUES (" + std::to_string(schema_version() + 1) + ", 'future')");
  m = migrate(ci);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error(), storage::errc::bad_version);
  o = pgstore::store::open(pgtest::test_options(ci));
  ASSERT_FALSE(o);
  EXPECT_EQ(o.error(), storage::errc::bad_version);
  EXPECT_NE(o.error().message().find("newer"), std::string::npos) << o.error().message();
}

TEST(pgstore_open, a_bad_connection_string_or_an_unreachable_server_is_a_clear_error) {
  auto c = check_conninfo("host=127.0.0.1 nonsense_key=1");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error(), storage::errc::invalid_argument);
  EXPECT_NE(c.error().message().find("nonsense_key"), std::string::npos) << c.error().message();
  auto o = pgstore::store::open(pgtest::test_options("host=127.0.0.1 port=1 dbname=x connect_timeout=2"));
  ASSERT_FALSE(o);
  EXPECT_EQ(o.error(), storage::errc::io_error);
  EXPECT_NE(o.error().message().find("connection failed"), std::string::npos) << o.error().message();
}

}  // namespace
}  // namespace jubes::pgstore

namespace jubes::pgtest {
namespace {

// Retention never destroys an undelivered notice silently (issue 14), on PostgreSQL too: counted
// beforehand by unacked_due_for_purge, purged with an audit record naming who had not acknowledged.
TEST(pg_retention, undelivered_bodies_are_counted_first_and_audited_when_purged) {
  auto now = std::make_shared<std::atomic<std::int64_t>>(1'800'000'000'000);
  auto o = test_options(migrated_database());
  o.retention_bodies = std::chrono::hours(24);
  o.clock = [now] { return now->load(); };
  auto s = open_ok(o);
  ASSERT_TRUE(s);
  auto ingest = [&](const std::string& ref, std::vector<std::string> to) {
    storage::ingest_request r;
    r.party = "tulp-gw";
    r.referentienummer = ref;
    r.message_type = "piBeeindiging";
    r.body = "<dti:piBeeindiging>" + ref + "</dti:piBeeindiging>";
    r.recipients = std::move(to);
    r.route_version = "v1";
    return storage::contract::await<storage::ingest_result>(
        [&](storage::completion<storage::ingest_result> d) { s->submit(std::move(r), std::move(d)); });
  };
  auto a = ingest("pr-1", {"rvdk", "idv"});
  ASSERT_TRUE(a) << a.error().message();
  ASSERT_TRUE(ingest("pr-2", {"rvdk"}));
  ASSERT_TRUE(storage::contract::await<std::uint64_t>(
      [&](storage::completion<std::uint64_t> d) { s->submit_ack("rvdk", 2, std::move(d)); }));
  auto due = s->unacked_due_for_purge(now->load() + 1, 10);
  ASSERT_TRUE(due) << due.error().message();
  ASSERT_EQ(due->counts.size(), 1u);
  EXPECT_EQ(due->counts[0], (std::pair<std::string, std::uint64_t>{"idv", 1}));
  ASSERT_EQ(due->entries.size(), 1u);  // listed too: which message, in which box
  EXPECT_EQ(due->entries[0].recipient, "idv");
  EXPECT_EQ(due->entries[0].message_id, a->rcpt.message_id);
  EXPECT_EQ(due->entries[0].seq, 1u);
  EXPECT_EQ(due->entries[0].message_type, "piBeeindiging");
  EXPECT_TRUE(s->unacked_due_for_purge(now->load() + 1)->entries.empty());  // counted only

  now->fetch_add(25LL * 3600 * 1000);
  auto p = storage::contract::await<storage::purge_result>(
      [&](storage::completion<storage::purge_result> d) { s->submit_purge(std::move(d)); });
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_EQ(p->bodies, 2u);
  EXPECT_EQ(p->undelivered, 1u);
  auto audit = s->audit(a->rcpt.message_id);
  ASSERT_TRUE(audit);
  ASSERT_FALSE(audit->empty());
  EXPECT_EQ(audit->back().kind, storage::audit_kind::purged);
  EXPECT_EQ(audit->back().detail, "undelivered to idv");
  due = s->unacked_due_for_purge(now->load(), 10);
  ASSERT_TRUE(due);
  EXPECT_TRUE(due->counts.empty());
  EXPECT_TRUE(due->entries.empty());
  s->close();
}

}  // namespace
}  // namespace jubes::pgtest
