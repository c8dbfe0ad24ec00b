// SPDX-License-Identifier: EUPL-1.2
// scripts/dev-pki DIR --add NAME against the real jubesd: a certificate issued for a municipality
// that the default PKI has none for (gemeente:0014, Groningen, a BIJ participant in conf/routes.yaml's
// list) is accepted on the mTLS listener as that recipient, which polls the message routed to it.
#include <gtest/gtest.h>

#include <regex>

#include "support.hpp"

namespace jubes::e2e {
namespace {

/// scripts/dev-pki ARGS... on the shared test PKI, under its lock (other test processes use it).
run_result dev_pki(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"/usr/bin/flock", pki().string() + ".lock", "/bin/bash",
                                std::string(JUBES_SOURCE_DIR) + "/scripts/dev-pki"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv);
}

TEST(dev_pki, add_issues_a_certificate_that_jubesd_accepts_for_that_recipient) {
  const std::string name = "gemeente:0014/bij";
  auto added = dev_pki({pki().string(), "--add", name});
  ASSERT_EQ(added.exit_code, 0) << added.output;
  ASSERT_TRUE(fs::exists(pki() / "clients" / (name + ".crt")));
  // Again: nothing to do, the same certificate.
  auto before = slurp(pki() / "clients" / (name + ".crt"));
  auto again = dev_pki({pki().string(), "--add", name});
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(slurp(pki() / "clients" / (name + ".crt")), before);

  temp_dir dir;
  auto cfg = write_file(dir.path(), "jubes.yaml", test_config(dir.path() / "data"));
  jubesd d(cfg, dir.path() / "data");
  ASSERT_TRUE(d.started()) << d.log();

  // A BIJ notice whose last BRP address is in Groningen goes to gemeente:0014's outbox.
  auto xml = std::regex_replace(with_ref(example("piBeeindiging"), "E2E-DEVPKI-ADD"),
                                std::regex("<dti:gemeentecode>(0363|0141)</dti:gemeentecode>"),
                                "<dti:gemeentecode>0014</dti:gemeentecode>");
  auto tulp = d.client_for("tulp-gw");
  auto posted = tulp.request("POST", "/v1/messages", xml, "application/xml");
  ASSERT_TRUE(posted) << posted.error().message();
  ASSERT_EQ(posted->status, 201u) << posted->body;

  auto groningen = d.client_for(name);
  auto box = groningen.request("GET", "/v1/outbox?after=0");
  ASSERT_TRUE(box) << box.error().message();
  EXPECT_EQ(box->status, 200u) << box->body;
  EXPECT_EQ(count_of(box->body, "<entry "), 1) << box->body;
  EXPECT_NE(box->body.find("type=\"piBeeindiging\" source=\"tulp-gw\""), std::string::npos) << box->body;
  // The recipient of the default PKI for that message's old address sees nothing of it.
  auto amsterdam = d.client_for("gemeente:0363/bij");
  auto other = amsterdam.request("GET", "/v1/outbox?after=0");
  ASSERT_TRUE(other) << other.error().message();
  EXPECT_EQ(count_of(other->body, "<entry "), 0) << other->body;
}

TEST(dev_pki, add_refuses_without_a_ca_and_refuses_a_name_that_is_not_a_party_name) {
  temp_dir dir;
  auto r = run({"/bin/bash", std::string(JUBES_SOURCE_DIR) + "/scripts/dev-pki", (dir.path() / "pki").string(), "--add",
                "gemeente:0014/bij"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("no development CA in"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir.path() / "pki" / "clients" / "gemeente:0014" / "bij.crt"));
  r = dev_pki({pki().string(), "--add", "../escape"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_FALSE(fs::exists(pki() / "escape.crt"));
}

}  // namespace
}  // namespace jubes::e2e
