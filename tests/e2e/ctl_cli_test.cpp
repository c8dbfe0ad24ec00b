// SPDX-License-Identifier: EUPL-1.2
// jubesctl as scripts use it: one JSON document per command with --json (parsed here), nothing on
// stderr when it succeeds, the documented exit codes, --help per command; it acts on the gateway
// that owns the data directory or refuses; the parked workflow (show, assign, close); restore of a
// backup with its dedup records and cursors.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <regex>

#include "support.hpp"

namespace jubes::e2e {
namespace {
namespace json = boost::json;

std::string unroutable(const std::string& ref) {  // BIJ-worthy, for Urk (0184), which does not take part: parked
  return std::regex_replace(with_ref(example("piBeeindiging"), ref),
                            std::regex("<dti:gemeentecode>[0-9]{4}</dti:gemeentecode>"),
                            "<dti:gemeentecode>0184</dti:gemeentecode>");
}

/// Parses stdout as exactly one JSON object (fails the test otherwise).
json::object doc(const run_result& r) {
  boost::system::error_code ec;
  auto v = json::parse(r.out, ec);
  EXPECT_FALSE(ec) << "not one JSON document: " << r.out;
  EXPECT_TRUE(!ec && v.is_object()) << r.out;
  return !ec && v.is_object() ? v.as_object() : json::object{};
}

class cli : public ::testing::Test {
 protected:
  void SetUp() override {
    cfg_ = write_file(dir_.path(), "jubes.yaml", test_config(data()));
    d_ = std::make_unique<jubesd>(cfg_, data());
    ASSERT_TRUE(d_->started()) << d_->log();
  }
  fs::path data() const { return dir_.path() / "data"; }

  run_result ctl(std::vector<std::string> args, const fs::path& data_dir = {}) {
    std::vector<std::string> argv{JUBESCTL_PATH, "--config", cfg_.string(), "--data-dir",
                                  (data_dir.empty() ? data() : data_dir).string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv);
  }
  /// Runs a command with --json that must succeed silently. @return its document
  json::object ok(std::vector<std::string> args) {
    args.push_back("--json");
    auto r = ctl(args);
    EXPECT_EQ(r.exit_code, 0) << args[0] << ": " << r.output;
    EXPECT_EQ(r.err, "") << args[0];
    return doc(r);
  }
  std::pair<unsigned, std::string> post(const std::string& xml, gateway::client* c = nullptr) {
    auto own = d_->client_for("tulp-gw");
    auto r = (c ? *c : own).request("POST", "/v1/messages", xml);
    return r ? std::pair(r->status, r->body) : std::pair(0u, std::string());
  }

  temp_dir dir_;
  fs::path cfg_;
  std::unique_ptr<jubesd> d_;
};

TEST_F(cli, every_command_prints_one_json_document_and_nothing_on_stderr) {
  ASSERT_EQ(post(with_ref(example("piBeeindiging"), "CLI-1")).first, 201u);
  ASSERT_EQ(post(unroutable("CLI-PARK")).first, 201u);
  EXPECT_EQ(ok({"stats"}).at("messages").to_number<std::uint64_t>(), 2u);
  auto boxes = ok({"outbox", "list"}).at("outboxes").as_array();
  ASSERT_EQ(boxes.size(), 1u);
  EXPECT_EQ(boxes[0].at("recipient").as_string(), "gemeente:0363/bij");
  auto parked = ok({"parked", "list"}).at("parked").as_array();
  ASSERT_EQ(parked.size(), 1u);
  const std::regex iso("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
  EXPECT_TRUE(std::regex_match(std::string(parked[0].at("accepted_at").as_string()), iso)) << parked[0];
  EXPECT_TRUE(ok({"check"}).at("ok").as_bool());
  EXPECT_EQ(ok({"parked", "show", "2"}).at("state").as_string(), "parked");
  EXPECT_FALSE(ok({"route", "explain", std::string(JUBES_SOURCE_DIR) + "/conf/examples/piBeeindiging.xml"})
                   .at("explanation")
                   .as_string()
                   .empty());
  EXPECT_TRUE(ok({"validate", std::string(JUBES_SOURCE_DIR) + "/conf/examples/piVerlof.xml"})
                  .at("files")
                  .as_array()[0]
                  .at("ok")
                  .as_bool());
  EXPECT_FALSE(ok({"routes", "reload"}).at("version").as_string().empty());
  const auto b = dir_.path() / "backup";
  auto bk = ok({"backup", b.string()});
  EXPECT_GT(bk.at("bytes").to_number<std::uint64_t>(), 0u);
  EXPECT_TRUE(bk.at("duration_s").is_double());
  EXPECT_TRUE(ok({"backup", "verify", b.string()}).at("complete").as_bool());
  EXPECT_TRUE(ok({"purge"}).contains("bodies"));
  // The same commands in text mode are silent on stderr too.
  const std::vector<std::vector<std::string>> text_mode{{"stats"}, {"routes", "reload"}, {"purge"}};
  for (const auto& a : text_mode) {
    auto r = ctl(a);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(r.err, "") << a[0];
  }
}

TEST_F(cli, exit_codes_are_the_documented_ones) {
  ASSERT_EQ(post(unroutable("CLI-EXIT")).first, 201u);
  EXPECT_EQ(ctl({"nonsense"}).exit_code, 2);
  EXPECT_EQ(ctl({"parked", "assign", "1", "rvdk"}).exit_code, 2);  // no --reason
  auto r = ctl({"parked", "show", "999", "--json"});
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_EQ(doc(r).at("exit_code").as_int64(), 3);
  EXPECT_NE(r.err.find("not found"), std::string::npos) << r.err;
  EXPECT_EQ(ctl({"parked", "close", "999", "--reason", "x"}).exit_code, 3);
  r = ctl({"parked", "reroute", "--all", "--json"});  // no rule routes it: it stays parked
  EXPECT_EQ(r.exit_code, 4) << r.output;
  EXPECT_EQ(doc(r).at("still_parked").to_number<std::uint64_t>(), 1u);
  EXPECT_EQ(ctl({"backup", "verify", dir_.path().string()}).exit_code, 3);  // no manifest
  EXPECT_EQ(ctl({"backup", dir_.path().string()}).exit_code, 1);            // not empty
  EXPECT_EQ(ctl({"restore", (dir_.path() / "nothing").string()}).exit_code, 3);
}

TEST_F(cli, help_lists_every_command_and_each_command_has_its_own) {
  auto r = ctl({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* c : {"parked show ID", "parked assign ID RECIPIENT --reason TEXT", "restore BACKUP", "4 partial"})
    EXPECT_NE(r.out.find(c), std::string::npos) << c << "\n" << r.out;
  r = ctl({"parked", "close", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("without delivering"), std::string::npos) << r.out;
}

TEST_F(cli, acts_only_on_the_gateway_that_owns_the_data_dir) {
  // A second gateway on another data directory; the owner file of ours made to point at it.
  auto other_dir = dir_.path() / "other";
  jubesd other(write_file(dir_.path(), "other.yaml", test_config(other_dir)), other_dir);
  ASSERT_TRUE(other.started()) << other.log();
  const auto owner = data() / "jubesd.owner";
  const std::string mine = slurp(owner);
  ASSERT_NE(mine.find("\"pid\":" + std::to_string(d_->pid())), std::string::npos) << mine;
  write_file(data(), "jubesd.owner",
             std::regex_replace(mine, std::regex("\"api\":\"[^\"]*\""),
                                "\"api\":\"127.0.0.1:" + std::to_string(other.api_port()) + "\""));
  auto r = ctl({"routes", "reload"});
  EXPECT_EQ(r.exit_code, 5) << r.output;
  EXPECT_NE(r.err.find("not acting on it"), std::string::npos) << r.err;
  fs::remove(owner);  // held, but by whom?
  r = ctl({"purge"});
  EXPECT_EQ(r.exit_code, 5) << r.output;
  write_file(data(), "jubesd.owner", mine);
  EXPECT_EQ(ctl({"purge"}).exit_code, 0);
  // A clean stop removes the file; then jubesctl uses the store directly.
  ASSERT_EQ(d_->stop(), 0);
  EXPECT_FALSE(fs::exists(owner));
  r = ctl({"routes", "reload"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.out.find("not running"), std::string::npos) << r.out;
}

TEST_F(cli, parked_messages_are_shown_assigned_once_and_closed_with_a_history) {
  ASSERT_EQ(post(unroutable("CLI-A")).first, 201u);
  ASSERT_EQ(post(unroutable("CLI-B")).first, 201u);
  auto show = ok({"parked", "show", "1"});
  EXPECT_EQ(show.at("state").as_string(), "parked");
  EXPECT_FALSE(show.at("reason").as_string().empty());
  EXPECT_TRUE(show.at("candidates").as_array().empty());
  EXPECT_EQ(show.at("history").as_array()[0].at("kind").as_string(), "parked");
  EXPECT_EQ(show.find("body"), show.end());
  auto a = ok({"parked", "assign", "1", "gemeente:0363/bij", "--reason", "moved to Amsterdam"});
  EXPECT_TRUE(a.at("changed").as_bool());
  EXPECT_EQ(a.at("operator").as_string(), "operator");
  EXPECT_FALSE(ok({"parked", "assign", "1", "gemeente:0363/bij", "--reason", "again"}).at("changed").as_bool());
  auto box = d_->client_for("gemeente:0363/bij").request("GET", "/v1/outbox?after=0");
  ASSERT_TRUE(box);
  EXPECT_NE(box->body.find("count=\"1\""), std::string::npos) << box->body;
  EXPECT_NE(box->body.find("CLI-A"), std::string::npos);
  show = ok({"parked", "show", "1"});
  EXPECT_EQ(show.at("state").as_string(), "assigned");
  auto h = show.at("history").as_array();
  EXPECT_EQ(h.back().at("kind").as_string(), "parked_assigned");
  EXPECT_EQ(h.back().at("party").as_string(), "operator");
  EXPECT_EQ(h.back().at("detail").as_string(), "gemeente:0363/bij: moved to Amsterdam");
  EXPECT_EQ(ctl({"parked", "assign", "2", "nobody", "--reason", "x"}).exit_code, 1);
  ok({"parked", "close", "2", "--reason", "test message"});
  EXPECT_TRUE(ok({"parked", "list"}).at("parked").as_array().empty());
  EXPECT_EQ(ok({"parked", "show", "2"}).at("state").as_string(), "closed");
  auto r = ctl({"parked", "assign", "2", "rvdk", "--reason", "after all"});
  EXPECT_EQ(r.exit_code, 1) << r.output;  // decided already: closed
  // Without a running gateway the store is changed directly, recorded as jubesctl:<user>.
  ASSERT_EQ(post(unroutable("CLI-C")).first, 201u);
  ASSERT_EQ(d_->stop(), 0);
  auto off = ok({"parked", "close", "3", "--reason", "offline"});
  EXPECT_EQ(std::string(off.at("operator").as_string()).rfind("os:", 0), 0u) << off;
  EXPECT_EQ(ctl({"parked", "show", "4"}).exit_code, 3);
}

TEST_F(cli, restore_keeps_dedup_records_and_cursors) {
  std::string first;
  for (int i = 1; i <= 3; ++i) {
    auto [st, body] = post(with_ref(example("piBeeindiging"), "CLI-R" + std::to_string(i)));
    ASSERT_EQ(st, 201u);
    if (i == 1) first = body;
  }
  auto g = d_->client_for("gemeente:0363/bij");
  auto ack = g.request("POST", "/v1/outbox/ack?upto=2", "");
  ASSERT_TRUE(ack && ack->status == 200);
  const auto b = dir_.path() / "backup";
  ok({"backup", b.string()});
  const auto fresh = dir_.path() / "restored";
  auto r = ctl({"restore", b.string()});  // our gateway holds it
  EXPECT_EQ(r.exit_code, 5) << r.output;
  ASSERT_EQ(d_->stop(), 0);
  r = ctl({"restore", b.string()});  // it holds a store
  EXPECT_EQ(r.exit_code, 1) << r.output;
  r = ctl({"restore", b.string(), "--json"}, fresh);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.err, "");
  EXPECT_GT(doc(r).at("bytes").to_number<std::uint64_t>(), 0u);
  jubesd back(cfg_, fresh);
  ASSERT_TRUE(back.started()) << back.log();
  auto src = back.client_for("tulp-gw");
  auto again = post(with_ref(example("piBeeindiging"), "CLI-R1"), &src);
  EXPECT_EQ(again.first, 200u);
  EXPECT_EQ(again.second, first);
  auto g2 = back.client_for("gemeente:0363/bij");
  auto box = g2.request("GET", "/v1/outbox");
  ASSERT_TRUE(box);
  EXPECT_NE(box->body.find("after=\"2\""), std::string::npos) << box->body;
  EXPECT_NE(box->body.find("seq=\"3\""), std::string::npos) << box->body;
  EXPECT_EQ(box->body.find("seq=\"2\""), std::string::npos) << box->body;
  // --force keeps the store that was there aside.
  ASSERT_EQ(back.stop(), 0);
  r = ctl({"restore", b.string(), "--force"}, fresh);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.out.find(".replaced-"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace jubes::e2e
