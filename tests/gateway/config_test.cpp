// SPDX-License-Identifier: EUPL-1.2
#include "gateway/config.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "gateway/errc.hpp"
#include "testing/testing.hpp"

namespace jubes::gateway {
namespace {
namespace fs = std::filesystem;

class config_test : public ::testing::Test {
 protected:
  void SetUp() override {
    // The files a config refers to must exist; their content does not matter to load_config.
    for (fs::path f :
         {"pki/ca.crt", "pki/server.crt", "pki/server.key", "routes.yaml", "gemeenten.csv", "s.xsd", "dash/index.html"})
      jubes::testing::write_file(dir_.path() / f.parent_path(), f.filename().string(), "x");
  }

  fs::path write(const std::string& text) { return jubes::testing::write_file(dir_.path(), "c.yaml", text); }
  /// @return the error message of loading `text` ("" if it loads).
  std::string error_of(const std::string& text) {
    auto r = load_config(write(text));
    return r ? std::string() : r.error().message();
  }
  // Four lines: the tests below name positions from line 5 on.
  static std::string base() {
    return "data_dir: .\ndashboard_dir: dash\nschemas:\n  - {name: s, entry_points: [s.xsd]}\n";
  }

  jubes::testing::temp_dir dir_{"config"};
};

TEST_F(config_test, minimal_config_gets_every_default) {
  auto r = load_config(write(base()));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->listen.text(), "0.0.0.0:8443");
  auto bad = load_config(write(base() + "bogus: 1\n"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, errc::config_invalid);
  EXPECT_EQ(r->ops_listen.text(), "127.0.0.1:9090");
  EXPECT_EQ(r->limits.max_body_bytes, 10485760u);
  EXPECT_EQ(r->limits.read_timeout_ms, 10000u);
  EXPECT_TRUE(r->store.durable);
  EXPECT_EQ(r->tls_ca, (dir_ / "pki/ca.crt").lexically_normal());
  EXPECT_EQ(r->routes_file, (dir_ / "routes.yaml").lexically_normal());
  EXPECT_GE(r->io_threads, 1u);
  ASSERT_EQ(r->schemas.size(), 1u);
  EXPECT_EQ(r->schemas[0].roots, std::vector<std::string>{"*"});
}

TEST_F(config_test, unknown_key_is_refused_with_file_line_and_path) {
  auto e = error_of(base() + "limits:\n  max_body_bytes: 2048\n  bogus: 1\n");
  EXPECT_NE(e.find("c.yaml:7:3: limits.bogus: unknown key"), std::string::npos) << e;
}

TEST_F(config_test, wrong_type_is_refused) {
  auto e = error_of(base() + "limits:\n  read_timeout_ms: soon\n");
  EXPECT_NE(e.find(":6:20: limits.read_timeout_ms: expected an integer, not 'soon'"), std::string::npos) << e;
  e = error_of(base() + "store:\n  durable: maybe\n");
  EXPECT_NE(e.find("store.durable: expected true or false"), std::string::npos) << e;
  e = error_of(base() + "tls: 5\n");
  EXPECT_NE(e.find("tls: expected a mapping"), std::string::npos) << e;
}

TEST_F(config_test, store_backend_is_lmdb_by_default_and_postgresql_needs_a_connection_string) {
  auto r = load_config(write(base()));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->store.backend, "lmdb");
  EXPECT_TRUE(r->store.postgresql_conninfo.empty());
  auto e = error_of(base() + "store:\n  backend: mongodb\n");
  EXPECT_NE(e.find(":6:12: store.backend: must be lmdb or postgresql, not 'mongodb'"), std::string::npos) << e;
  e = error_of(base() + "store:\n  backend: postgresql\n");
  EXPECT_NE(e.find("store.postgresql.conninfo: required with store.backend: postgresql"), std::string::npos) << e;
  r = load_config(write(base() + "store:\n  backend: postgresql\n  postgresql:\n    conninfo: \"host=db1,db2 "
                                 "dbname=jubes target_session_attrs=read-write\"\n"));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->store.backend, "postgresql");
  EXPECT_EQ(r->store.postgresql_conninfo, "host=db1,db2 dbname=jubes target_session_attrs=read-write");
}

TEST_F(config_test, out_of_range_is_refused) {
  auto e = error_of(base() + "limits:\n  max_body_bytes: 10\n");
  EXPECT_NE(e.find("limits.max_body_bytes: value 10 out of range [1024, 1073741824]"), std::string::npos) << e;
  e = error_of(base() + "listen: 127.0.0.1:65536\n");
  EXPECT_NE(e.find("listen: port 65536 out of range"), std::string::npos) << e;
  e = error_of(base() + "listen: nohost\n");
  EXPECT_NE(e.find("listen: expected HOST:PORT"), std::string::npos) << e;
}

TEST_F(config_test, missing_file_is_refused_naming_the_key) {
  auto e = error_of(base() + "tls:\n  cert: nope.crt\n");
  EXPECT_NE(e.find("c.yaml:6:9: tls.cert: file not found"), std::string::npos) << e;
  e = error_of(base() + "routes_file: gone.yaml\n");
  EXPECT_NE(e.find("routes_file: file not found"), std::string::npos) << e;
  auto r = load_config(dir_ / "absent.yaml");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("absent.yaml: cannot read"), std::string::npos);
}

TEST_F(config_test, syntax_error_has_a_position) {
  auto e = error_of(base() + "limits: [\n");
  EXPECT_NE(e.find("c.yaml:"), std::string::npos) << e;
  EXPECT_NE(e.find("(syntax)"), std::string::npos) << e;
}

TEST_F(config_test, parties_are_checked) {
  auto e = error_of(base() + "parties:\n  - {id: x, role: boss}\n");
  EXPECT_NE(e.find("parties[].role: must be source, recipient or operator"), std::string::npos) << e;
  e = error_of(base() + "parties:\n  - {role: recipient}\n");
  EXPECT_NE(e.find("parties[].id: required key missing"), std::string::npos) << e;
  e = error_of(base() + "parties:\n  - {id: s, role: source}\n");
  EXPECT_NE(e.find("needs zender_applicatie and message_types"), std::string::npos) << e;
  e = error_of(base() + "parties:\n  - {id: a, role: recipient}\n  - {id: a, role: recipient}\n");
  EXPECT_NE(e.find("duplicate party 'a'"), std::string::npos) << e;
}

TEST_F(config_test, two_parties_with_one_certificate_identity_are_refused) {
  // Today's lookup would let the later entry win: an operator certificate could name a recipient.
  auto e = error_of(base() +
                    "parties:\n  - {id: operator, role: operator}\n  - {id: ops2, role: recipient, "
                    "subject_cn: operator}\n");
  EXPECT_NE(e.find("c.yaml:7:"), std::string::npos) << e;
  EXPECT_NE(e.find("parties[].subject_cn: party 'ops2' has the certificate CN 'operator' of party 'operator'"),
            std::string::npos)
      << e;
  e = error_of(base() +
               "parties:\n  - {id: a, role: recipient, oin: \"1\"}\n  - {id: b, role: recipient, oin: "
               "\"1\"}\n");
  EXPECT_NE(e.find("parties[].oin: party 'b' has the OIN 1 of party 'a'"), std::string::npos) << e;
}

TEST_F(config_test, listen_must_be_an_ip_address_and_port) {
  auto e = error_of(base() + "listen: localhost:8443\n");
  EXPECT_NE(e.find("c.yaml:5:9: listen: 'localhost' is not an IP address"), std::string::npos) << e;
  e = error_of(base() + "ops_listen: \"[::1x]:9090\"\n");
  EXPECT_NE(e.find("ops_listen: '::1x' is not an IP address"), std::string::npos) << e;
  EXPECT_TRUE(load_config(write(base() + "ops_listen: \"[::1]:9090\"\n")));
}

TEST_F(config_test, warnings_for_durable_false_and_an_ops_listener_off_loopback) {
  auto r = load_config(write(base()));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(config_warnings(*r).empty());
  r = load_config(write(base() + "ops_listen: 0.0.0.0:9090\nstore:\n  durable: false\n"));
  ASSERT_TRUE(r) << r.error().message();
  auto w = config_warnings(*r);
  ASSERT_EQ(w.size(), 2u);
  EXPECT_NE(w[0].find("c.yaml:7:12: store.durable: false"), std::string::npos) << w[0];
  EXPECT_NE(w[1].find("c.yaml:5:13: ops_listen: 0.0.0.0:9090 is not a loopback address"), std::string::npos) << w[1];
}

TEST_F(config_test, dashboard_dir_resolves_against_the_config_file_and_defaults_to_the_installed_copy) {
  auto r = load_config(write(base()));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->dashboard_dir, (dir_ / "dash").lexically_normal());
  // Not set: the install prefix's share/jubes/dashboard (where `cmake --install` puts the files).
  r = load_config(write("data_dir: .\nschemas:\n  - {name: s, entry_points: [s.xsd]}\n"));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(r->dashboard_dir.is_absolute()) << r->dashboard_dir;
  EXPECT_EQ(r->dashboard_dir.filename(), "dashboard");
  EXPECT_EQ(r->dashboard_dir.parent_path().filename(), "jubes");
  EXPECT_EQ(r->dashboard_dir.parent_path().parent_path().filename(), "share");
}

TEST_F(config_test, a_dashboard_dir_without_index_html_is_a_warning_not_a_refusal) {
  auto r = load_config(write("data_dir: .\nschemas:\n  - {name: s, entry_points: [s.xsd]}\ndashboard_dir: pki\n"));
  ASSERT_TRUE(r) << r.error().message();
  auto w = config_warnings(*r);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].find("c.yaml:4:16: dashboard_dir: no index.html in " + (dir_ / "pki").lexically_normal().string() +
                      "; /dashboard will answer 404"),
            std::string::npos)
      << w[0];
}

TEST_F(config_test, parties_load_with_oin_and_cn_default) {
  auto r =
      load_config(write(base() + "parties:\n  - id: tulp-gw\n    role: source\n    oin: \"00000001003214345000\"\n"
                                 "    zender_organisatie: DJI\n    zender_applicatie: TULP-GW\n"
                                 "    message_types: [piVerlof]\n  - {id: rvdk, role: recipient, subject_cn: RvdK}\n"));
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_EQ(r->parties.size(), 2u);
  EXPECT_EQ(r->parties[0].subject_cn, "tulp-gw");
  EXPECT_EQ(r->parties[0].oin, "00000001003214345000");
  EXPECT_EQ(r->parties[0].role, party_role::source);
  EXPECT_EQ(r->parties[1].subject_cn, "RvdK");
}

TEST_F(config_test, overrides_win_and_are_checked) {
  config_overrides ov;
  ov.listen = "127.0.0.1:0";
  ov.data_dir = dir_.path().string();
  auto r = load_config(write(base()), ov);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->listen.port, 0);
  ov.ops_listen = "127.0.0.1:99999";
  r = load_config(write(base()), ov);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("--ops-listen: port 99999 out of range"), std::string::npos);
}

TEST_F(config_test, log_keys_and_the_log_level_flag) {
  auto r = load_config(write(base()));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->log_level, "info");
  EXPECT_EQ(r->log_format, "text");
  EXPECT_FALSE(r->access_log);
  r = load_config(write(base() + "log_format: json\naccess_log: true\nlog_level: warn\n"));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->log_format, "json");
  EXPECT_TRUE(r->access_log);
  EXPECT_EQ(r->log_level, "warn");
  auto e = error_of(base() + "log_format: xml\n");
  EXPECT_NE(e.find("c.yaml:5:13: log_format: must be text or json, not 'xml'"), std::string::npos) << e;
  config_overrides ov;
  ov.log_level = "debug";
  r = load_config(write(base() + "log_level: warn\n"), ov);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->log_level, "debug");
  ov.log_level = "loud";
  r = load_config(write(base()), ov);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("--log-level: must be debug, info, warn or error, not 'loud'"), std::string::npos)
      << r.error().message();
}

TEST(config_doc, docs_configuration_md_is_generated_from_the_table) {
  EXPECT_EQ(jubes::testing::read_file(jubes::testing::source_dir() / "docs" / "configuration.md"),
            config_doc_markdown())
      << "run: jubesd --print-config-doc > docs/configuration.md";
}

TEST(config_doc, every_key_is_documented) {
  for (const auto& k : config_keys()) EXPECT_FALSE(k.doc.empty()) << k.path;
}

}  // namespace
}  // namespace jubes::gateway
