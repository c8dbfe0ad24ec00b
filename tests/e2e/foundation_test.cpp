// SPDX-License-Identifier: EUPL-1.2
// Issue 2's done-when list, against the real jubesd: /healthz, mutual TLS accepted and refused,
// configuration errors naming the key, SIGTERM exits 0.
#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <regex>

#include "fixture.hpp"
#include "support.hpp"

namespace jubes::e2e {
namespace {

class foundation : public started_gateway {};

TEST_F(foundation, healthz_answers_200) {
  auto c = d_->ops_client();
  auto r = c.request("GET", "/healthz");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->status, 200u);
  EXPECT_EQ(r->body, "ok\n");
}

TEST_F(foundation, unknown_ops_path_is_404) {
  auto c = d_->ops_client();
  auto r = c.request("GET", "/nope");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404u);
}

TEST_F(foundation, party_certificate_handshake_succeeds) {
  auto c = d_->client_for("tulp-gw");
  ASSERT_TRUE(c.connect());
  auto r = c.request("GET", "/v1/no-such-endpoint");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->status, 404u);
}

// With TLS 1.3 the client finishes its handshake before the server has checked the client
// certificate; the refusal then arrives as an alert on the first read. So assert on the request.
void expect_refused(gateway::client c) {
  auto r = c.request("GET", "/v1/outbox");
  EXPECT_FALSE(r) << "status " << (r ? r->status : 0);
}

TEST_F(foundation, no_client_certificate_is_refused) {
  expect_refused(d_->client_for(""));
}

TEST_F(foundation, untrusted_ca_client_is_refused) {
  gateway::client_options o;
  o.port = d_->api_port();
  o.ca = pki() / "ca.crt";
  o.cert = pki() / "untrusted/client.crt";
  o.key = pki() / "untrusted/client.key";
  expect_refused(gateway::client(o));
}

TEST_F(foundation, expired_client_is_refused) {
  gateway::client_options o;
  o.port = d_->api_port();
  o.ca = pki() / "ca.crt";
  o.cert = pki() / "expired/client.crt";
  o.key = pki() / "expired/client.key";
  expect_refused(gateway::client(o));
}

TEST_F(foundation, tls_1_1_is_refused) {
  gateway::client_options o;
  o.port = d_->api_port();
  o.ca = pki() / "ca.crt";
  o.cert = pki() / "clients/tulp-gw.crt";
  o.key = pki() / "clients/tulp-gw.key";
  o.min_tls_version = TLS1_1_VERSION;
  o.max_tls_version = TLS1_1_VERSION;
  gateway::client c(o);
  EXPECT_FALSE(c.connect());
}

TEST_F(foundation, handshake_failures_are_counted_by_reason) {
  expect_refused(d_->client_for(""));
  auto r = d_->ops_client().request("GET", "/metrics");
  ASSERT_TRUE(r);
  EXPECT_NE(r->body.find("jubes_tls_handshake_failures_total{reason=\"no_certificate\"} 1"), std::string::npos)
      << r->body;
}

TEST_F(foundation, curl_with_party_certificate_and_without) {
  std::string url = "https://127.0.0.1:" + std::to_string(d_->api_port()) + "/v1/nothing";
  auto ok =
      run({"/usr/bin/curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", (pki() / "ca.crt").string(),
           "--cert", (pki() / "clients/rvdk.crt").string(), "--key", (pki() / "clients/rvdk.key").string(), url});
  EXPECT_EQ(ok.exit_code, 0);
  EXPECT_EQ(ok.output, "404");
  auto no = run({"/usr/bin/curl", "-s", "-o", "/dev/null", "--cacert", (pki() / "ca.crt").string(), url});
  EXPECT_NE(no.exit_code, 0);
  auto old = run({"/usr/bin/curl", "-s", "-o", "/dev/null", "--tlsv1.1", "--tls-max", "1.1", "--cacert",
                  (pki() / "ca.crt").string(), "--cert", (pki() / "clients/rvdk.crt").string(), "--key",
                  (pki() / "clients/rvdk.key").string(), url});
  EXPECT_NE(old.exit_code, 0);
}

TEST_F(foundation, dashboard_events_stream_snapshots_on_one_connection) {
  // curl keeps one connection; a stream gives a snapshot at once and then one a second.
  std::string url = "http://127.0.0.1:" + std::to_string(d_->ops_port()) + "/events";
  auto r = run({"/usr/bin/curl", "-sN", "--max-time", "3", url}, std::chrono::seconds(10));
  int frames = 0;
  for (auto p = r.output.find("event: snapshot"); p != std::string::npos; p = r.output.find("event: snapshot", p + 1))
    ++frames;
  EXPECT_GE(frames, 2) << r.output.substr(0, 400);
  EXPECT_EQ(r.output.find("<dti:"), std::string::npos);  // never message contents
}

TEST_F(foundation, sigterm_exits_zero) {
  EXPECT_EQ(d_->stop(SIGTERM), 0);
  EXPECT_NE(d_->log().find("drain_begin"), std::string::npos);
}

TEST_F(foundation, sigint_exits_zero_with_idle_keepalive_connection_open) {
  auto c = d_->client_for("rvdk");
  ASSERT_TRUE(c.request("GET", "/v1/x"));
  auto o = d_->ops_client();
  ASSERT_TRUE(o.request("GET", "/healthz"));
  EXPECT_EQ(d_->stop(SIGINT), 0);
}

// --- configuration refused at start ---

run_result check_config(const fs::path& file) {
  return run({JUBESD_PATH, "--check-config", "--config", file.string()});
}

TEST(config_refused, unknown_key_names_the_key_and_line) {
  temp_dir d;
  auto f = write_file(d.path(), "c.yaml", test_config(d.path(), "  max_bodee_bytes: 5\n"));
  auto r = check_config(f);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("limits.max_bodee_bytes: unknown key"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("c.yaml:"), std::string::npos) << r.output;
}

TEST(config_refused, missing_certificate_file_names_the_key) {
  temp_dir d;
  std::string text = test_config(d.path());
  text.replace(text.find("cert: server.crt"), 16, "cert: nope.crt");
  auto f = write_file(d.path(), "c.yaml", text);
  auto r = check_config(f);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("tls.cert: file not found"), std::string::npos) << r.output;
}

TEST(config_refused, port_out_of_range_names_the_key) {
  temp_dir d;
  std::string text = test_config(d.path());
  text.replace(text.find("listen: 0.0.0.0:8443"), 20, "listen: 0.0.0.0:70000");
  auto f = write_file(d.path(), "c.yaml", text);
  auto r = check_config(f);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find(":5:9: listen: port 70000 out of range"), std::string::npos) << r.output;
}

TEST(config_refused, daemon_start_with_bad_config_exits_nonzero) {
  temp_dir d;
  auto f = write_file(d.path(), "c.yaml", test_config(d.path(), "", "bogus: 1\n"));
  auto r = run({JUBESD_PATH, "--config", f.string(), "--listen", "127.0.0.1:0", "--ops-listen", "127.0.0.1:0"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("bogus: unknown key"), std::string::npos) << r.output;
}

TEST(config_refused, check_config_compiles_the_routes_file_as_start_does) {
  temp_dir d;
  auto routes =
      write_file(d.path(), "routes.yaml", "version: 1\nlists:\n  x: {file: absent.yaml, kind: gemeentecodes}\n");
  std::string text = test_config(d.path());
  text = std::regex_replace(text, std::regex("routes_file: [^\n]*"), "routes_file: " + routes.string());
  auto f = write_file(d.path(), "c.yaml", text);
  auto r = check_config(f);
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("c.yaml:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(": routes_file: "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("absent.yaml"), std::string::npos) << r.output;
}

TEST(config_refused, municipality_party_with_an_unknown_code_is_refused) {
  temp_dir d;
  auto f = write_file(d.path(), "c.yaml", test_config(d.path(), "", "  - {id: \"gemeente:9876\", role: recipient}\n"));
  auto r = check_config(f);
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("parties[].id: municipality code 9876 of party 'gemeente:9876' is not in gemeenten_file"),
            std::string::npos)
      << r.output;
}

TEST(config_refused, check_config_warns_about_durable_false_and_ops_off_loopback) {
  temp_dir d;
  std::string text = test_config(d.path());
  text = std::regex_replace(text, std::regex("ops_listen: 127.0.0.1:9090"), "ops_listen: 0.0.0.0:9090");
  auto r = check_config(write_file(d.path(), "c.yaml", text));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("warning: "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("store.durable: false"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("ops_listen: 0.0.0.0:9090 is not a loopback address"), std::string::npos) << r.output;
}

TEST(config_refused, default_config_is_accepted) {
  temp_dir d;
  auto r = run({JUBESD_PATH, "--check-config", "--config", std::string(JUBES_SOURCE_DIR) + "/conf/jubes.yaml",
                "--data-dir", pki().parent_path().string()});
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

}  // namespace
}  // namespace jubes::e2e
