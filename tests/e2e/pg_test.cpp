// SPDX-License-Identifier: EUPL-1.2
// The real jubesd and jubesctl with `store.backend: postgresql` over mutual TLS, on this binary's
// throw-away PostgreSQL (tests/pgstore/pg_server.hpp): `jubesctl db migrate`, `--check-config`
// of a connection string, ingest -> poll -> ack. Several nodes on one database:
// multinode_test.cpp. Labels e2e;pg.
#include <gtest/gtest.h>

#include <filesystem>

#include "pg_server.hpp"
#include "support.hpp"

namespace jubes::e2e {
namespace {
using namespace std::chrono_literals;

std::string between(const std::string& s, const std::string& open, const std::string& close) {
  auto a = s.find(open);
  if (a == std::string::npos) return {};
  a += open.size();
  auto b = s.find(close, a);
  return b == std::string::npos ? std::string() : s.substr(a, b - a);
}
/// test_config with the store in PostgreSQL at `conninfo`.
std::string pg_config(const fs::path& data_dir, const std::string& conninfo) {
  return with_pg_store(test_config(data_dir), conninfo);
}

class pg_gateway : public ::testing::Test {
 protected:
  void SetUp() override {
    conninfo_ = pgtest::server().create_database();
    cfg_ = write_file(dir_.path(), "jubes.yaml", pg_config(dir_.path() / "data", conninfo_));
  }
  run_result ctl(std::vector<std::string> args) {
    args.insert(args.begin(), {JUBESCTL_PATH, "--config", cfg_.string()});
    return run(args);
  }
  void migrate() {
    auto r = ctl({"db", "migrate"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  std::unique_ptr<jubesd> start(const std::string& name) {
    auto d = std::make_unique<jubesd>(cfg_, dir_.path() / name);
    EXPECT_TRUE(d->started()) << d->log();
    return d;
  }

  temp_dir dir_;
  std::string conninfo_;
  fs::path cfg_;
};

TEST_F(pg_gateway, jubesctl_db_migrate_creates_the_schema_once_and_jubesd_refuses_a_database_without_it) {
  auto check = run({JUBESD_PATH, "--check-config", "--config", cfg_.string()});
  EXPECT_EQ(check.exit_code, 0) << check.output;
  jubesd without(cfg_, dir_.path() / "early");
  EXPECT_FALSE(without.started());
  EXPECT_NE(without.log().find("jubesctl db migrate"), std::string::npos) << without.log();
  // The newest version is the number of migration files this build carries (pgstore/migrations).
  int newest = 0;
  for (const auto& f :
       std::filesystem::directory_iterator(std::filesystem::path(JUBES_SOURCE_DIR) / "pgstore/migrations"))
    newest += f.path().extension() == ".sql";
  ASSERT_GE(newest, 3);
  auto m = ctl({"db", "migrate"});
  ASSERT_EQ(m.exit_code, 0) << m.output;
  EXPECT_NE(m.output.find("schema migrated from version 0 to " + std::to_string(newest)), std::string::npos)
      << m.output;
  m = ctl({"db", "migrate"});
  ASSERT_EQ(m.exit_code, 0) << m.output;
  EXPECT_NE(m.output.find("schema is up to date (version " + std::to_string(newest) + ")"), std::string::npos)
      << m.output;
  // The server's notices of the repeat (CREATE TABLE IF NOT EXISTS ...) stay out of the output.
  EXPECT_EQ(m.output.find("NOTICE"), std::string::npos) << m.output;
}

TEST_F(pg_gateway, a_bad_connection_string_is_refused_by_check_config) {
  auto bad = write_file(dir_.path(), "bad.yaml", pg_config(dir_.path() / "data", "host=127.0.0.1 nonsense_key=1"));
  auto r = run({JUBESD_PATH, "--check-config", "--config", bad.string()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("store.postgresql.conninfo"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("nonsense_key"), std::string::npos) << r.output;
}

TEST_F(pg_gateway, ingest_poll_ack_over_mtls) {
  migrate();
  auto d = start("data");
  ASSERT_TRUE(d->started());
  auto tulp = d->client_for("tulp-gw");
  auto xml = with_ref(example("piBeeindiging"), "PG-E2E-1");
  auto a = call(tulp, "POST", "/v1/messages", xml);
  ASSERT_EQ(a.status, 201u) << a.body;
  auto again = call(tulp, "POST", "/v1/messages", xml);
  EXPECT_EQ(again.status, 200u);
  EXPECT_EQ(again.body, a.body);
  std::string id = between(a.body, "<dti:referentienummer>", "</dti:referentienummer>");
  auto g = d->client_for("gemeente:0363/bij");
  auto box = call(g, "GET", "/v1/outbox?after=0");
  ASSERT_EQ(box.status, 200u) << box.body;
  EXPECT_EQ(count_of(box.body, "<entry "), 1) << box.body;
  EXPECT_NE(box.body.find("id=\"" + id + "\" type=\"piBeeindiging\" source=\"tulp-gw\""), std::string::npos)
      << box.body;
  auto ack = call(g, "POST", "/v1/outbox/ack?upto=1", "", "text/plain");
  EXPECT_EQ(ack.status, 200u) << ack.body;
  EXPECT_NE(ack.body.find("cursor=\"1\""), std::string::npos) << ack.body;
  EXPECT_EQ(count_of(call(g, "GET", "/v1/outbox?after=1").body, "<entry "), 0);
  EXPECT_EQ(call(g, "GET", "/v1/messages/" + id).status, 200u);
  auto list = ctl({"outbox", "list"});
  EXPECT_EQ(list.exit_code, 0) << list.output;
  EXPECT_NE(list.output.find("gemeente:0363/bij"), std::string::npos) << list.output;
  auto chk = ctl({"check"});
  EXPECT_EQ(chk.exit_code, 0) << chk.output;
  EXPECT_EQ(d->stop(SIGTERM), 0) << d->log();
}

TEST_F(pg_gateway, audit_records_changed_with_plain_sql_are_named_by_audit_verify) {
  migrate();
  auto d = start("data");
  ASSERT_TRUE(d->started());
  auto tulp = d->client_for("tulp-gw");
  for (int i = 0; i < 5; ++i)
    ASSERT_EQ(
        call(tulp, "POST", "/v1/messages", with_ref(example("piBeeindiging"), "PG-AUD-" + std::to_string(i))).status,
        201u);
  EXPECT_EQ(d->stop(SIGTERM), 0) << d->log();
  auto sql = [&](const std::string& q) {
    auto r = run({"/usr/bin/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", conninfo_, "-c", q});
    EXPECT_EQ(r.exit_code, 0) << q << ": " << r.output;
  };
  auto verify = [&] { return ctl({"audit", "verify"}); };
  auto ok = verify();
  ASSERT_EQ(ok.exit_code, 0) << ok.output;
  sql("UPDATE audit SET party = 'someone' WHERE seq = 2");
  auto altered = verify();
  EXPECT_EQ(altered.exit_code, 1) << altered.output;
  EXPECT_NE(altered.output.find("broken: seq 2: hash mismatch"), std::string::npos) << altered.output;
  sql("UPDATE audit SET party = 'tulp-gw' WHERE seq = 2");
  ASSERT_EQ(verify().exit_code, 0);
  sql("UPDATE audit SET seq = -1 WHERE seq = 2; UPDATE audit SET seq = 2 WHERE seq = 3; "
      "UPDATE audit SET seq = 3 WHERE seq = -1");
  auto reordered = verify();
  EXPECT_EQ(reordered.exit_code, 1) << reordered.output;
  EXPECT_NE(reordered.output.find("broken: seq 2:"), std::string::npos) << reordered.output;
  sql("UPDATE audit SET seq = -1 WHERE seq = 2; UPDATE audit SET seq = 2 WHERE seq = 3; "
      "UPDATE audit SET seq = 3 WHERE seq = -1");
  ASSERT_EQ(verify().exit_code, 0);
  sql("DELETE FROM audit WHERE seq = 3");
  auto removed = verify();
  EXPECT_EQ(removed.exit_code, 1) << removed.output;
  EXPECT_NE(removed.output.find("broken: seq 3: gap"), std::string::npos) << removed.output;
}

}  // namespace
}  // namespace jubes::e2e
