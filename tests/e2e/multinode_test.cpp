// SPDX-License-Identifier: EUPL-1.2
// Several gateway nodes on one PostgreSQL database (store.backend: postgresql), each the real
// jubesd over mutual TLS, on this binary's throw-away PostgreSQL (tests/pgstore/pg_server.hpp):
// a long poll on one node woken by an ingest on the other (NOTIFY); the same message posted on
// both nodes by many threads at once gives one 201 and byte-identical 200s; kill -9 of one node
// under load (jubes-bench with two --targets) loses nothing acknowledged. Labels e2e;pg.
#include <gtest/gtest.h>
#include <signal.h>

#include <barrier>
#include <future>
#include <regex>
#include <thread>

#include "pg_util.hpp"
#include "support.hpp"

namespace jubes::e2e {
namespace {
using namespace std::chrono_literals;

/// The sum of a counter's series in a /metrics text (every label set).
double counter_sum(const std::string& metrics, const std::string& name) {
  double sum = 0;
  const std::regex re("(^|\n)" + name + "(\\{[^}]*\\})? ([0-9.e+]+)");
  for (auto it = std::sregex_iterator(metrics.begin(), metrics.end(), re); it != std::sregex_iterator(); ++it)
    sum += std::stod((*it)[3]);
  return sum;
}

class multinode : public ::testing::Test {
 protected:
  void SetUp() override {
    conninfo_ = pgtest::migrated_database();
    cfg_ = write_file(dir_.path(), "jubes.yaml", with_pg_store(test_config(dir_.path() / "unused"), conninfo_));
    a_ = std::make_unique<jubesd>(cfg_, dir_.path() / "node-a");
    ASSERT_TRUE(a_->started()) << a_->log();
    b_ = std::make_unique<jubesd>(cfg_, dir_.path() / "node-b");
    ASSERT_TRUE(b_->started()) << b_->log();
  }

  temp_dir dir_;
  std::string conninfo_;
  fs::path cfg_;
  std::unique_ptr<jubesd> a_, b_;
};

TEST_F(multinode, a_message_posted_on_node_a_wakes_a_long_poll_waiting_on_node_b) {
  auto poll = std::async(std::launch::async, [&] {
    auto c = b_->client_for("gemeente:0363/bij");
    return call(c, "GET", "/v1/outbox?after=0&wait=60");
  });
  std::this_thread::sleep_for(300ms);  // let the poll reach its wait; correctness does not depend on it
  auto tulp = a_->client_for("tulp-gw");
  auto posted = call(tulp, "POST", "/v1/messages", with_ref(example("piBeeindiging"), "MN-WAKE"));
  ASSERT_EQ(posted.status, 201u) << posted.body;
  auto polled = poll.get();
  EXPECT_EQ(polled.status, 200u);
  EXPECT_EQ(count_of(polled.body, "<entry "), 1) << polled.body;
  EXPECT_NE(polled.body.find("seq=\"1\""), std::string::npos) << polled.body;
  EXPECT_NE(polled.body.find("MN-WAKE"), std::string::npos) << polled.body;
}

// Per round, every thread posts the same new message at once (a barrier), half of them on each
// node, each on its own kept-alive connection.
TEST_F(multinode, the_same_message_posted_on_both_nodes_at_once_gives_one_201_and_byte_identical_200s) {
  constexpr int threads = 8, rounds = 25;
  std::barrier<> line(threads);
  std::vector<std::vector<gateway::http_reply>> got(rounds, std::vector<gateway::http_reply>(threads));
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t)
    ts.emplace_back([&, t] {
      auto c = (t % 2 ? *b_ : *a_).client_for("tulp-gw");
      EXPECT_TRUE(c.connect());
      for (int r = 0; r < rounds; ++r) {
        const auto xml = with_ref(example("piBeeindiging"), "MN-SAME-" + std::to_string(r));
        line.arrive_and_wait();
        got[r][t] = call(c, "POST", "/v1/messages", xml);
      }
    });
  for (auto& t : ts) t.join();
  for (int r = 0; r < rounds; ++r) {
    int created = 0, repeated = 0;
    for (const auto& g : got[r]) {
      created += g.status == 201u;
      repeated += g.status == 200u;
      EXPECT_EQ(g.body, got[r][0].body) << "round " << r;  // the original receipt, byte for byte
    }
    EXPECT_EQ(created, 1) << "round " << r;
    EXPECT_EQ(repeated, threads - 1) << "round " << r;
  }
  // Stored once each: the outbox holds exactly one entry per round, seqs 1..rounds.
  auto g = a_->client_for("gemeente:0363/bij");
  auto box = call(g, "GET", "/v1/outbox?after=0&max=1000");
  EXPECT_EQ(count_of(box.body, "<entry "), rounds) << box.body;
  EXPECT_NE(box.body.find("seq=\"" + std::to_string(rounds) + "\""), std::string::npos) << box.body;
  auto chk = run({JUBESCTL_PATH, "--config", cfg_.string(), "check"});
  EXPECT_EQ(chk.exit_code, 0) << chk.output;
}

// jubes-bench spreads its connections over both nodes and, when a node gives no reply, sends the
// same message again on the other; node A is killed once it has acknowledged some hundreds.
TEST_F(multinode, kill_9_of_one_node_under_load_loses_nothing_acknowledged) {
  const auto rec = dir_.path() / "load.rec";
  const std::string target_a = "127.0.0.1:" + std::to_string(a_->api_port());
  const std::string target_b = "127.0.0.1:" + std::to_string(b_->api_port());
  auto load = std::async(std::launch::async, [&] {
    return run({JUBES_BENCH_PATH, "--target", target_a, "--target", target_b, "--pki", pki().string(), "--connections",
                "8", "--count", "4000", "--duplicates", "0.05", "--seed", "17", "--record", rec.string(), "--quiet"},
               300s);
  });
  // Wait (no deadline but the load's own end) for node A to have acknowledged a good share.
  while (load.wait_for(20ms) != std::future_status::ready &&
         counter_sum(a_->metrics(), "jubes_ingest_accepted_total") < 400) {
  }
  ASSERT_NE(load.wait_for(0s), std::future_status::ready) << "the load ended before node A was killed";
  EXPECT_EQ(a_->stop(SIGKILL), -1);
  auto r = load.get();
  EXPECT_EQ(r.exit_code, 0) << r.output;  // every message acknowledged (by B after the kill)
  EXPECT_NE(r.output.find(" errors=0 "), std::string::npos) << r.output;
  const std::regex per_a("jubes-bench target " + target_a + ": sent=[0-9]+ accepted=([0-9]+) .*failovers=([0-9]+)");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.output, m, per_a)) << r.output;
  EXPECT_GE(std::stoi(m[1]), 1) << r.output;  // node A acknowledged messages before it died
  EXPECT_GE(std::stoi(m[2]), 1) << r.output;  // and its connections moved to node B

  // Everything acknowledged, by either node, is in its outboxes exactly once, gapless.
  auto v = run({JUBES_BENCH_PATH, "--target", target_a, "--target", target_b, "--pki", pki().string(), "--verify",
                "--record", rec.string(), "--quiet"},
               300s);
  EXPECT_EQ(v.exit_code, 0) << v.output;
  EXPECT_NE(v.output.find("verify: ok"), std::string::npos) << v.output;
  EXPECT_NE(v.output.find(" lost=0 duplicated=0 seq_gaps=0 "), std::string::npos) << v.output;
  auto chk = run({JUBESCTL_PATH, "--config", cfg_.string(), "check"});
  EXPECT_EQ(chk.exit_code, 0) << chk.output;
}

}  // namespace
}  // namespace jubes::e2e
