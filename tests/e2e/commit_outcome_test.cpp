// SPDX-License-Identifier: EUPL-1.2
// A commit whose outcome is unknown: jubesd (store.backend: postgresql) reaches this binary's
// throw-away PostgreSQL through tests/pgstore/tcp_proxy.hpp, which cuts the writer's connection
// after the COMMIT went out and before its reply came back. The ingest must be answered 503 (never
// 201, which would claim what the node cannot know, nor 500), and the client's retry (the same
// bytes) 201 or 200 with exactly one message stored. Labels e2e;pg.
#include <gtest/gtest.h>
#include <signal.h>

#include <regex>

#include "pg_util.hpp"
#include "support.hpp"
#include "tcp_proxy.hpp"

namespace jubes::e2e {
namespace {

TEST(commit_outcome, a_connection_lost_after_commit_is_503_and_the_retry_finds_the_message_stored_once) {
  const temp_dir dir("commit-outcome");
  const std::string direct = pgtest::migrated_database();
  pgtest::tcp_proxy proxy(pgtest::server().port());
  const std::string via_proxy =
      std::regex_replace(direct, std::regex("port=[0-9]+"), "port=" + std::to_string(proxy.port()));
  // Every connection of jubesd goes through the proxy; jubesctl check goes direct.
  const auto cfg = write_file(dir.path(), "jubes.yaml", with_pg_store(test_config(dir.path() / "data"), via_proxy));
  const auto ctl_cfg = write_file(dir.path(), "ctl.yaml", with_pg_store(test_config(dir.path() / "data"), direct));
  jubesd d(cfg, dir.path() / "data");
  ASSERT_TRUE(d.started()) << d.log();

  auto tulp = d.client_for("tulp-gw");
  const auto first = tulp.request("POST", "/v1/messages", with_ref(example("piBeeindiging"), "CO-BEFORE"));
  ASSERT_TRUE(first && first->status == 201u);  // the writer's connection is up

  const auto xml = with_ref(example("piBeeindiging"), "CO-UNKNOWN");
  proxy.cut_after_commit("jubes-writer");
  const auto cut = tulp.request("POST", "/v1/messages", xml);
  ASSERT_TRUE(cut);
  EXPECT_EQ(proxy.cuts(), 1);
  EXPECT_EQ(cut->status, 503u) << cut->body;
  EXPECT_NE(cut->body.find("Fo03"), std::string::npos) << cut->body;
  EXPECT_NE(d.log().find("commit outcome unknown"), std::string::npos) << d.log();

  // The client retries the same bytes: the writer reconnects, and dedup finds what the lost
  // COMMIT stored (200, the receipt it would have had) or, had it not run, stores it now (201).
  const auto retry = tulp.request("POST", "/v1/messages", xml);
  ASSERT_TRUE(retry);
  EXPECT_TRUE(retry->status == 200u || retry->status == 201u) << retry->status << " " << retry->body;
  const auto again = tulp.request("POST", "/v1/messages", xml);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200u);
  EXPECT_EQ(again->body, retry->body);

  auto g = d.client_for("gemeente:0363/bij");
  const auto box = g.request("GET", "/v1/outbox?after=0&max=100");
  ASSERT_TRUE(box && box->status == 200u);
  EXPECT_EQ(count_of(box->body, "<entry "), 2) << box->body;  // CO-BEFORE and CO-UNKNOWN, once each
  EXPECT_NE(box->body.find("CO-UNKNOWN"), std::string::npos) << box->body;
  const auto chk = run({JUBESCTL_PATH, "--config", ctl_cfg.string(), "check"});
  EXPECT_EQ(chk.exit_code, 0) << chk.output;
  EXPECT_EQ(d.stop(SIGTERM), 0) << d.log();
}

}  // namespace
}  // namespace jubes::e2e
