// SPDX-License-Identifier: EUPL-1.2
// jubesctl against a running jubesd and on a stopped one; SIGHUP route reload; party identity by
// certificate (unknown CN, PKIoverheid OIN).
#include <gtest/gtest.h>
#include <signal.h>

#include <regex>
#include <thread>

#include "support.hpp"

namespace jubes::e2e {
namespace {
using namespace std::chrono_literals;

std::string conf_dir() {
  return std::string(JUBES_SOURCE_DIR) + "/conf";
}
std::string example(const std::string& type) {
  return slurp(conf_dir() + "/examples/" + type + ".xml");
}
std::string with_ref(std::string xml, const std::string& ref) {
  static const std::regex re("<dti:referentienummer>[^<]*</dti:referentienummer>");
  return std::regex_replace(xml, re, "<dti:referentienummer>" + ref + "</dti:referentienummer>",
                            std::regex_constants::format_first_only);
}

class ctl : public ::testing::Test {
 protected:
  void SetUp() override {
    // A private copy of the routes file (and its list file) so that tests may edit it.
    fs::copy_file(conf_dir() + "/routes.yaml", dir_.path() / "routes.yaml");
    fs::copy_file(conf_dir() + "/bij-deelnemers.yaml", dir_.path() / "bij-deelnemers.yaml");
    fs::copy_file(conf_dir() + "/gemeente-splitsingen.yaml", dir_.path() / "gemeente-splitsingen.yaml");
    std::string text = test_config(dir_.path() / "data", "", extra_parties());
    text = std::regex_replace(text, std::regex("routes_file: [^\n]*"),
                              "routes_file: " + (dir_.path() / "routes.yaml").string());
    cfg_ = write_file(dir_.path(), "jubes.yaml", text);
    d_ = std::make_unique<jubesd>(cfg_, dir_.path() / "data");
    ASSERT_TRUE(d_->started()) << d_->log();
  }
  virtual std::string extra_parties() { return ""; }

  run_result jubesctl(std::vector<std::string> args, bool with_listen = true) {
    std::vector<std::string> argv{JUBESCTL_PATH, "--config", cfg_.string(), "--data-dir",
                                  (dir_.path() / "data").string()};
    if (with_listen) {
      argv.push_back("--listen");
      argv.push_back("127.0.0.1:" + std::to_string(d_->api_port()));
    }
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv);
  }
  std::string metrics() {
    auto c = d_->ops_client();
    auto r = c.request("GET", "/metrics");
    return r ? r->body : std::string();
  }
  unsigned post(const std::string& party, const std::string& xml) {
    auto c = d_->client_for(party);
    auto r = c.request("POST", "/v1/messages", xml);
    return r ? r->status : 0;
  }

  temp_dir dir_;
  fs::path cfg_;
  std::unique_ptr<jubesd> d_;
};

TEST_F(ctl, validate_reports_ok_and_errors_with_line_and_column) {
  auto bad = write_file(dir_.path(), "bad.xml", "<a>\n<b></a>\n");
  auto r = jubesctl({"validate", conf_dir() + "/examples/piVerlof.xml", bad.string()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("piVerlof.xml: OK type=piVerlof"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("bad.xml:2:"), std::string::npos) << r.output;
  r = jubesctl({"validate", conf_dir() + "/examples/piVerlof.xml"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  // --xsd: against the given schemas instead of the configured catalog.
  r = jubesctl(
      {"validate", "--xsd", conf_dir() + "/schemas/jubes/jubes0100.xsd", conf_dir() + "/examples/tbsVerlof.xml"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("tbsVerlof.xml: OK type=tbsVerlof schema_set=adhoc"), std::string::npos) << r.output;
  r = jubesctl(
      {"validate", "--xsd", conf_dir() + "/schemas/jubes/replies.xsd", conf_dir() + "/examples/tbsVerlof.xml"});
  EXPECT_NE(r.exit_code, 0) << r.output;
}

TEST_F(ctl, read_only_commands_work_while_jubesd_runs) {
  ASSERT_EQ(post("tulp-gw", with_ref(example("piBeeindiging"), "CTL-1")), 201u);
  auto r = jubesctl({"outbox", "list"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("gemeente:0363/bij"), std::string::npos) << r.output;
  r = jubesctl({"stats"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("messages=1"), std::string::npos) << r.output;
  r = jubesctl({"check"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  auto backup = dir_.path() / "backup";
  r = jubesctl({"backup", backup.string()});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(fs::exists(backup / "data.mdb"));
  r = jubesctl({"route", "explain", conf_dir() + "/examples/piBeeindiging.xml"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("recipients: [gemeente:0363/bij]"), std::string::npos) << r.output;
}

TEST_F(ctl, parked_reroute_through_the_running_gateway_after_a_routes_reload) {
  ASSERT_EQ(post("tulp-gw", unroutable("CTL-PARK")), 201u);
  auto r = jubesctl({"parked", "list"});
  EXPECT_NE(r.output.find("CTL-PARK"), std::string::npos) << r.output;
  // A rule for 'overig' makes it routable; reload through the admin API, then re-route.
  std::string routes = slurp(dir_.path() / "routes.yaml");
  routes += "\n  - id: test-overig\n    types: [piBeeindiging]\n    recipients: ['gemeente:0363/bij']\n";
  write_file(dir_.path(), "routes.yaml", routes);
  r = jubesctl({"routes", "reload"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  r = jubesctl({"parked", "reroute", "--all"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("rerouted to gemeente:0363/bij"), std::string::npos) << r.output;
  auto c = d_->client_for("gemeente:0363/bij");
  auto box = c.request("GET", "/v1/outbox?after=0");
  ASSERT_TRUE(box);
  EXPECT_NE(box->body.find("type=\"piBeeindiging\""), std::string::npos) << box->body;
  r = jubesctl({"purge"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST_F(ctl, commands_on_a_stopped_gateway_use_the_store_directly) {
  ASSERT_EQ(post("tulp-gw", unroutable("CTL-OFF")), 201u);
  ASSERT_EQ(d_->stop(), 0);
  std::string routes = slurp(dir_.path() / "routes.yaml");
  routes += "\n  - id: test-overig\n    types: [piBeeindiging]\n    recipients: ['gemeente:0599/bij']\n";
  write_file(dir_.path(), "routes.yaml", routes);
  auto r = jubesctl({"parked", "reroute", "1"}, false);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("1: rerouted to gemeente:0599/bij"), std::string::npos) << r.output;
  r = jubesctl({"purge"}, false);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  r = jubesctl({"routes", "reload"}, false);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("not running"), std::string::npos) << r.output;
  r = jubesctl({"nonsense"}, false);
  EXPECT_NE(r.exit_code, 0);
}

TEST_F(ctl, an_emptied_store_is_refused_until_the_operator_initialises_a_new_one) {
  ASSERT_EQ(post("tulp-gw", with_ref(example("piBeeindiging"), "CTL-INIT")), 201u);
  ASSERT_EQ(d_->stop(), 0);
  // A restore gone wrong: data.mdb is still there, but empty. Starting afresh would forget every
  // dedup record (a retried message would be accepted twice), so jubesd must refuse.
  const auto data_mdb = dir_.path() / "data" / "store" / "data.mdb";
  fs::resize_file(data_mdb, 0);
  jubesd refused(cfg_, dir_.path() / "data");
  EXPECT_FALSE(refused.started());
  EXPECT_NE(refused.log().find("data.mdb"), std::string::npos) << refused.log();
  auto r = jubesctl({"check"}, false);
  EXPECT_NE(r.exit_code, 0) << r.output;
  r = jubesctl({"init"}, false);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("initialised a new store"), std::string::npos) << r.output;
  jubesd fresh(cfg_, dir_.path() / "data");
  ASSERT_TRUE(fresh.started()) << fresh.log();
  EXPECT_EQ(fresh.stop(), 0);
}

TEST_F(ctl, a_backup_verifies_against_its_manifest_and_a_damaged_one_does_not) {
  ASSERT_EQ(post("tulp-gw", with_ref(example("piBeeindiging"), "CTL-BACKUP")), 201u);
  const auto b = dir_.path() / "backup";
  auto r = jubesctl({"backup", b.string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(fs::status(b).permissions() & fs::perms::all, fs::perms::owner_all);  // it holds BSNs
  r = jubesctl({"backup", "verify", b.string()});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  fs::resize_file(b / "data.mdb", fs::file_size(b / "data.mdb") - 4096);  // half a copy
  r = jubesctl({"backup", "verify", b.string()});
  EXPECT_NE(r.exit_code, 0) << r.output;
}

TEST_F(ctl, sighup_reloads_routes_and_a_bad_file_keeps_the_old_table) {
  auto version = [&] {
    std::smatch m;
    auto text = metrics();
    return std::regex_search(text, m, std::regex("jubes_route_table_info\\{version=\"([0-9a-f]+)\"\\}")) ? m[1].str()
                                                                                                         : "";
  };
  auto before = version();
  ASSERT_FALSE(before.empty());
  std::string routes = slurp(dir_.path() / "routes.yaml");
  write_file(dir_.path(), "routes.yaml",
             routes + "\n  - id: test-hup\n    types: [piVerlof]\n    recipients: ['gemeente:0363/bij']\n");
  kill(d_->pid(), SIGHUP);
  std::string after;
  for (int i = 0; i < 500 && (after = version()) == before; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_NE(after, before);
  write_file(dir_.path(), "routes.yaml", routes + "\n  - id: broken\n    types: [noSuchType]\n    recipients: [3ro]\n");
  kill(d_->pid(), SIGHUP);
  for (int i = 0; i < 500 && d_->log().find("routes_refused") == std::string::npos; ++i)
    std::this_thread::sleep_for(10ms);
  EXPECT_NE(d_->log().find("routes_refused"), std::string::npos);
  EXPECT_EQ(version(), after);
  EXPECT_EQ(post("tulp-gw", with_ref(example("piBeeindiging"), "CTL-HUP")), 201u);  // still serving
}

// --- identity ---------------------------------------------------------------------------------

/// Makes a client certificate signed by the dev CA with the given subject.
void make_cert(const fs::path& dir, const std::string& name, const std::string& subject) {
  auto key = (dir / (name + ".key")).string(), csr = (dir / (name + ".csr")).string(),
       crt = (dir / (name + ".crt")).string();
  ASSERT_EQ(run({"/usr/bin/openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key})
                .exit_code,
            0);
  ASSERT_EQ(run({"/usr/bin/openssl", "req", "-new", "-key", key, "-out", csr, "-subj", subject}).exit_code, 0);
  auto r = run({"/usr/bin/openssl", "x509", "-req", "-in", csr, "-CA", (pki() / "ca.crt").string(), "-CAkey",
                (pki() / "ca.key").string(), "-CAcreateserial", "-CAserial", (dir / "ca.srl").string(), "-out", crt,
                "-days", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
}

class identity : public ctl {
 protected:
  std::string extra_parties() override {
    return "  - {id: pkio-recipient, role: recipient, oin: \"00000001234567890000\"}\n";
  }
  gateway::client client_with(const std::string& name) {
    gateway::client_options o;
    o.port = d_->api_port();
    o.ca = pki() / "ca.crt";
    o.cert = dir_.path() / (name + ".crt");
    o.key = dir_.path() / (name + ".key");
    return gateway::client(o);
  }
};

TEST_F(identity, certificate_naming_no_party_gets_403) {
  ASSERT_NO_FATAL_FAILURE(make_cert(dir_.path(), "stranger", "/O=elsewhere/CN=stranger"));
  auto c = client_with("stranger");
  auto r = c.request("GET", "/v1/outbox");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->status, 403u);
  EXPECT_NE(r->body.find("Fo03"), std::string::npos);
}

TEST_F(identity, pkioverheid_oin_in_serial_number_names_the_party) {
  ASSERT_NO_FATAL_FAILURE(
      make_cert(dir_.path(), "pkio", "/O=Some Organisation/serialNumber=00000001234567890000/CN=some.host.nl"));
  auto c = client_with("pkio");
  auto r = c.request("GET", "/v1/outbox");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->status, 200u);
  EXPECT_NE(r->body.find("recipient=\"pkio-recipient\""), std::string::npos) << r->body;
}

/// A CRL that revokes one client certificate, made with `openssl ca` on a scratch CA database.
class revocation : public ctl {
 protected:
  void SetUp() override {
    const auto d = dir_.path();
    const std::string db = (d / "db").string();
    fs::create_directories(db);
    write_file(db, "index.txt", "");
    write_file(db, "serial", "2000\n");
    write_file(db, "crlnumber", "01\n");
    write_file(db, "ca.cnf",
               "[ ca ]\ndefault_ca = dev\n[ dev ]\ndatabase = " + db + "/index.txt\nserial = " + db +
                   "/serial\ncrlnumber = " + db + "/crlnumber\nnew_certs_dir = " + db +
                   "\ncertificate = " + (pki() / "ca.crt").string() + "\nprivate_key = " + (pki() / "ca.key").string() +
                   "\ndefault_md = sha256\ndefault_days = 2\ndefault_crl_days = 2\npolicy = any\n"
                   "unique_subject = no\nx509_extensions = client\n[ any ]\norganizationName = optional\n"
                   "commonName = supplied\n[ client ]\nbasicConstraints = CA:FALSE\n"
                   "extendedKeyUsage = clientAuth\n");
    const std::string cnf = db + "/ca.cnf", key = (d / "revoked.key").string(), csr = (d / "revoked.csr").string(),
                      crt = (d / "revoked.crt").string(), crl = (d / "crl.pem").string();
    ASSERT_EQ(
        run({"/usr/bin/openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key})
            .exit_code,
        0);
    ASSERT_EQ(run({"/usr/bin/openssl", "req", "-new", "-key", key, "-out", csr, "-subj", "/O=x/CN=rvdk"}).exit_code, 0);
    auto r = run({"/usr/bin/openssl", "ca", "-batch", "-notext", "-config", cnf, "-in", csr, "-out", crt});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = run({"/usr/bin/openssl", "ca", "-config", cnf, "-revoke", crt});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = run({"/usr/bin/openssl", "ca", "-config", cnf, "-gencrl", "-out", crl});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    fs::copy_file(conf_dir() + "/routes.yaml", d / "routes.yaml");
    fs::copy_file(conf_dir() + "/bij-deelnemers.yaml", d / "bij-deelnemers.yaml");
    fs::copy_file(conf_dir() + "/gemeente-splitsingen.yaml", d / "gemeente-splitsingen.yaml");
    std::string text = test_config(d / "data");
    text = std::regex_replace(text, std::regex("\ntls:\n"), "\ntls:\n  crl: " + crl + "\n");
    cfg_ = write_file(d, "jubes.yaml", text);
    d_ = std::make_unique<jubesd>(cfg_, d / "data");
    ASSERT_TRUE(d_->started()) << d_->log();
  }
};

TEST_F(revocation, revoked_client_is_refused_and_others_still_work) {
  gateway::client_options o;
  o.port = d_->api_port();
  o.ca = pki() / "ca.crt";
  o.cert = dir_.path() / "revoked.crt";
  o.key = dir_.path() / "revoked.key";
  gateway::client revoked(o);
  EXPECT_FALSE(revoked.request("GET", "/v1/outbox"));
  auto ok = d_->client_for("rvdk");
  auto r = ok.request("GET", "/v1/outbox");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->status, 200u);
  EXPECT_NE(metrics().find("jubes_tls_handshake_failures_total{reason=\"revoked\"} 1"), std::string::npos);
}

}  // namespace
}  // namespace jubes::e2e
