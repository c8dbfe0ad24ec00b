// SPDX-License-Identifier: EUPL-1.2
// Issue 15, "Request log", against the real jubesd: a rejected request produces exactly its line
// (status, StUF code, reason, referentienummer), in text and in JSON, never any of the message's
// content; the access log writes a line per accepted request when it is on, none when it is off.
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/json.hpp>
#include <sstream>
#include <thread>

#include "support.hpp"

namespace jubes::e2e {
namespace {
using namespace std::chrono_literals;

std::string replace_once(std::string s, const std::string& from, const std::string& to) {
  auto p = s.find(from);
  EXPECT_NE(p, std::string::npos) << from;
  if (p != std::string::npos) s.replace(p, from.size(), to);
  return s;
}

std::vector<std::string> lines_with(const std::string& log, const std::string& what) {
  std::vector<std::string> out;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);)
    if (line.find(what) != std::string::npos) out.push_back(line);
  return out;
}

// What the example notice carries about the person: none of it may reach a log line.
const std::vector<std::string> kContent = {"123456782", "Johannes Petrus", "Johannes", "Dijk", "<dti:"};

void expect_no_content(const std::string& log) {
  for (const auto& c : kContent) EXPECT_EQ(log.find(c), std::string::npos) << "'" << c << "' in the log:\n" << log;
}

class request_log : public ::testing::Test {
 protected:
  void start(const std::string& extra) {
    cfg_ = write_file(dir_.path(), "jubes.yaml", test_config(dir_.path() / "data", "", extra));
    d_ = std::make_unique<jubesd>(cfg_, dir_.path() / "data");
    ASSERT_TRUE(d_->started()) << d_->log();
  }
  unsigned post(const std::string& xml) {
    auto tulp = d_->client_for("tulp-gw");
    auto r = tulp.request("POST", "/v1/messages", xml, "application/xml");
    EXPECT_TRUE(r) << r.error().message();
    return r ? r->status : 0;
  }
  /// A schema-invalid message (400 StUF055), a new one (201) and a reuse of its referentienummer
  /// with other content (409 StUF016).
  void send_the_three() {
    auto xml = with_ref(example("piBeeindiging"), "E2E-RL-1");
    auto invalid =
        replace_once(xml, "<dti:geslachtsnaam>Dijk</dti:geslachtsnaam>", "<dti:achternaam>Dijk</dti:achternaam>");
    EXPECT_EQ(post(invalid), 400u);
    EXPECT_EQ(post(xml), 201u);
    EXPECT_EQ(post(replace_once(xml, "<dti:voornamen>", "<dti:voornamen>Anders ")), 409u);
  }

  temp_dir dir_;
  fs::path cfg_;
  std::unique_ptr<jubesd> d_;
};

TEST_F(request_log, text_a_line_per_rejected_request_and_no_content) {
  start("");
  send_the_three();
  auto log = d_->log();
  auto rejected = lines_with(log, " request_rejected ");
  ASSERT_EQ(rejected.size(), 2u) << log;
  const auto& schema = rejected[0];
  EXPECT_NE(schema.find(" INFO api request_rejected request_id="), std::string::npos) << schema;
  EXPECT_NE(schema.find(" party=tulp-gw subject="), std::string::npos) << schema;
  EXPECT_NE(schema.find(" method=POST path=/v1/messages status=400 stuf_code=StUF055 reason=schema_invalid "
                        "referentienummer=\"\" "),
            std::string::npos)
      << schema;
  const auto& conflict = rejected[1];
  EXPECT_NE(conflict.find(" method=POST path=/v1/messages status=409 stuf_code=StUF016 "
                          "reason=referentienummer_reused referentienummer=E2E-RL-1 "),
            std::string::npos)
      << conflict;
  // The access log is off by default: the 201 has no line.
  EXPECT_TRUE(lines_with(log, " api request ").empty()) << log;
  expect_no_content(log);
}

TEST_F(request_log, json_every_line_parses_and_the_access_log_has_the_accepted_one) {
  start("log_format: json\naccess_log: true\n");
  send_the_three();
  auto log = d_->log();
  std::vector<boost::json::object> lines;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    boost::system::error_code ec;
    auto v = boost::json::parse(line, ec);
    ASSERT_FALSE(ec) << "not JSON: " << line;
    ASSERT_TRUE(v.is_object()) << line;
    lines.push_back(v.as_object());
  }
  std::vector<boost::json::object> rejected, accepted;
  for (auto& o : lines) {
    if (o.at("event") == "request_rejected") rejected.push_back(o);
    if (o.at("event") == "request") accepted.push_back(o);
  }
  ASSERT_EQ(rejected.size(), 2u) << log;
  EXPECT_EQ(rejected[0].at("status").to_number<int>(), 400);
  EXPECT_EQ(rejected[0].at("stuf_code"), "StUF055");
  EXPECT_EQ(rejected[0].at("reason"), "schema_invalid");
  EXPECT_EQ(rejected[0].at("party"), "tulp-gw");
  EXPECT_EQ(rejected[1].at("status").to_number<int>(), 409);
  EXPECT_EQ(rejected[1].at("stuf_code"), "StUF016");
  EXPECT_EQ(rejected[1].at("reason"), "referentienummer_reused");
  EXPECT_EQ(rejected[1].at("referentienummer"), "E2E-RL-1");
  EXPECT_NE(rejected[0].at("request_id"), rejected[1].at("request_id"));
  ASSERT_EQ(accepted.size(), 1u) << log;
  EXPECT_EQ(accepted[0].at("status").to_number<int>(), 201);
  EXPECT_EQ(accepted[0].at("party"), "tulp-gw");
  EXPECT_EQ(accepted[0].at("method"), "POST");
  EXPECT_EQ(accepted[0].at("path"), "/v1/messages");
  EXPECT_EQ(accepted[0].at("referentienummer"), "E2E-RL-1");
  EXPECT_GT(accepted[0].at("bytes_in").to_number<std::int64_t>(), 500);
  EXPECT_GT(accepted[0].at("bytes_out").to_number<std::int64_t>(), 0);
  EXPECT_TRUE(accepted[0].at("duration_us").is_number());
  expect_no_content(log);
}

TEST_F(request_log, unknown_party_rejections_are_summarised_not_a_line_each) {
  // A certificate of the test CA whose CN names no party: 403 on every request.
  const std::string name = "stranger-request-log";
  auto added = run({"/usr/bin/flock", pki().string() + ".lock", "/bin/bash",
                    std::string(JUBES_SOURCE_DIR) + "/scripts/dev-pki", pki().string(), "--add", name});
  ASSERT_EQ(added.exit_code, 0) << added.output;
  start("");
  auto stranger = d_->client_for(name);
  for (int i = 0; i < 20; ++i) {
    auto r = stranger.request("GET", "/v1/outbox?after=0");
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(r->status, 403u);
  }
  auto rejected = lines_with(d_->log(), " request_rejected ");
  // The first is written at once; the other 19 (well within the 10 s interval) are only counted.
  ASSERT_GE(rejected.size(), 1u) << d_->log();
  EXPECT_LT(rejected.size(), 20u) << d_->log();
  EXPECT_NE(rejected[0].find(" party=\"\" subject="), std::string::npos) << rejected[0];
  EXPECT_NE(rejected[0].find("CN=" + name), std::string::npos) << rejected[0];
  EXPECT_NE(rejected[0].find(" status=403 stuf_code=StUF052 reason=unknown_party "), std::string::npos) << rejected[0];
}

TEST_F(request_log, sigusr2_toggles_debug_and_back_and_log_level_flag_is_checked) {
  start("");
  // The signal is handled on an IO thread: wait (bounded) for its line.
  auto wait_for = [&](const std::string& what) {
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (lines_with(d_->log(), what).empty() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(20ms);
    return lines_with(d_->log(), what).size();
  };
  ASSERT_EQ(::kill(d_->pid(), SIGUSR2), 0);
  EXPECT_EQ(wait_for("WARN gateway sigusr2_log_level level=debug"), 1u) << d_->log();
  ASSERT_EQ(::kill(d_->pid(), SIGUSR2), 0);
  EXPECT_EQ(wait_for("WARN gateway sigusr2_log_level level=info"), 1u) << d_->log();
  auto bad = run({JUBESD_PATH, "--check-config", "--config", cfg_.string(), "--log-level", "loud"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("--log-level: must be debug, info, warn or error, not 'loud'"), std::string::npos)
      << bad.output;
  auto good = run({JUBESD_PATH, "--check-config", "--config", cfg_.string(), "--log-level", "debug"});
  EXPECT_EQ(good.exit_code, 0) << good.output;
}

}  // namespace
}  // namespace jubes::e2e
