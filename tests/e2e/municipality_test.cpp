// SPDX-License-Identifier: EUPL-1.2
// Issue 13, the rest, against the real jubesd over mTLS: a municipal certificate of a code that is no current
// municipality is no party (403); the municipality table is reloaded with the routes (a dissolved code then
// routes to its successor and its certificate is refused, also on a connection already open; a broken table is
// refused naming file:line and the old one keeps serving); an
// implausible notice is refused naming the field and not stored; a split municipality is resolved by the address
// or parked with the candidates.
#include <gtest/gtest.h>

#include <regex>

#include "support.hpp"

namespace jubes::e2e {
namespace {

std::string conf_dir() {
  return std::string(JUBES_SOURCE_DIR) + "/conf";
}

// `xml` with every gemeentecode (BRP and leave addresses) set to `code`.
std::string in_municipality(const std::string& xml, const std::string& code) {
  return std::regex_replace(xml, std::regex("<dti:gemeentecode>[0-9]{4}</dti:gemeentecode>"),
                            "<dti:gemeentecode>" + code + "</dti:gemeentecode>");
}

// `xml` with the first element `name` (dti: prefix) set to `value`.
std::string with_first(const std::string& xml, const std::string& name, const std::string& value) {
  return std::regex_replace(xml, std::regex("<dti:" + name + ">[^<]*</dti:" + name + ">"),
                            "<dti:" + name + ">" + value + "</dti:" + name + ">",
                            std::regex_constants::format_first_only);
}

class municipality : public ::testing::Test {
 protected:
  void SetUp() override {
    // Private copies of the routes file, its list and splits files and the municipality table: tests edit them.
    for (auto f : {"routes.yaml", "bij-deelnemers.yaml", "gemeente-splitsingen.yaml", "gemeenten.csv"})
      fs::copy_file(conf_dir() + "/" + f, dir_.path() / f);
    std::string text = test_config(dir_.path() / "data");
    text = std::regex_replace(text, std::regex("routes_file: [^\n]*"),
                              "routes_file: " + (dir_.path() / "routes.yaml").string());
    text = std::regex_replace(text, std::regex("gemeenten_file: [^\n]*"),
                              "gemeenten_file: " + (dir_.path() / "gemeenten.csv").string());
    cfg_ = write_file(dir_.path(), "jubes.yaml", text);
    d_ = std::make_unique<jubesd>(cfg_, dir_.path() / "data");
    ASSERT_TRUE(d_->started()) << d_->log();
  }

  run_result jubesctl(const std::vector<std::string>& args) {
    return jubesctl_beside(*d_, cfg_, dir_.path() / "data", args);
  }
  gateway::http_reply post(const std::string& party, const std::string& xml) {
    auto c = d_->client_for(party);
    return call(c, "POST", "/v1/messages", xml);
  }
  // Makes a client certificate signed by the test CA with subject CN `cn`, as the tests make other certificates.
  gateway::client client_with_cn(const std::string& file, const std::string& cn) {
    const auto key = (dir_.path() / (file + ".key")).string(), csr = (dir_.path() / (file + ".csr")).string(),
               crt = (dir_.path() / (file + ".crt")).string();
    EXPECT_EQ(
        run({"/usr/bin/openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key})
            .exit_code,
        0);
    // '/' separates the subject's parts in -subj; the mailbox's one is escaped.
    const std::string subject = "/O=test/CN=" + std::regex_replace(cn, std::regex("/"), "\\/");
    EXPECT_EQ(run({"/usr/bin/openssl", "req", "-new", "-key", key, "-out", csr, "-subj", subject}).exit_code, 0);
    auto r = run({"/usr/bin/openssl", "x509", "-req", "-in", csr, "-CA", (pki() / "ca.crt").string(), "-CAkey",
                  (pki() / "ca.key").string(), "-CAcreateserial", "-CAserial", (dir_.path() / "ca.srl").string(),
                  "-out", crt, "-days", "2"});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return client_of(file);
  }
  // A new client (a new connection) with the certificate client_with_cn() made as `file`.
  gateway::client client_of(const std::string& file) {
    gateway::client_options o;
    o.port = d_->api_port();
    o.ca = pki() / "ca.crt";
    o.cert = dir_.path() / (file + ".crt");
    o.key = dir_.path() / (file + ".key");
    return gateway::client(o);
  }
  // The municipality table with `code`'s row replaced by `row` (the whole CSV line).
  void edit_table(const std::string& code, const std::string& row) {
    std::string csv = slurp(dir_.path() / "gemeenten.csv");
    csv = std::regex_replace(csv, std::regex("\"" + code + "\",[^\n]*"), row);
    write_file(dir_.path(), "gemeenten.csv", csv);
  }

  temp_dir dir_;
  fs::path cfg_;
  std::unique_ptr<jubesd> d_;
};

TEST_F(municipality, a_certificate_of_a_code_that_is_no_current_municipality_gets_403) {
  auto adorp = client_with_cn("adorp", "gemeente:0001/bij");  // Adorp, dissolved in 1990
  EXPECT_EQ(call(adorp, "GET", "/v1/outbox").status, 403u);
  auto nowhere = client_with_cn("nowhere", "gemeente:9990/bij");  // not in the table
  EXPECT_EQ(call(nowhere, "GET", "/v1/outbox").status, 403u);
  auto groningen = client_with_cn("groningen", "gemeente:0014/bij");
  EXPECT_EQ(call(groningen, "GET", "/v1/outbox").status, 200u);
}

TEST_F(municipality, a_reload_rereads_the_table_a_dissolved_code_routes_to_its_successor_and_loses_its_party) {
  // Urk (0184) takes no part in BIJ; its re-integration box gets the 18a notices.
  const std::string notice = in_municipality(example("einddetentie"), "0184");
  auto urk = client_with_cn("urk", "gemeente:0184/reintegratie");
  ASSERT_EQ(post("mits", with_ref(notice, "MUN-RELOAD-1")).status, 201u);
  auto box = call(urk, "GET", "/v1/outbox?after=0");
  EXPECT_EQ(box.status, 200u);
  EXPECT_EQ(count_of(box.body, "<entry "), 1) << box.body;

  // Urk merged into Noordoostpolder (0171), for the test.
  edit_table("0184", "\"0184\",\"Urk\",\"0171\",\"\",\"20260101\",\"\"");
  auto r = jubesctl({"routes", "reload"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_EQ(post("mits", with_ref(notice, "MUN-RELOAD-2")).status, 201u);
  r = jubesctl({"outbox", "list"});
  EXPECT_NE(r.output.find("gemeente:0171/reintegratie"), std::string::npos) << r.output;
  auto nop = client_with_cn("nop", "gemeente:0171/reintegratie");
  box = call(nop, "GET", "/v1/outbox?after=0");
  EXPECT_EQ(box.status, 200u);
  EXPECT_EQ(count_of(box.body, "<entry "), 1) << "the second notice: " << box.body;
  // A new connection of Urk's certificate names no party any more.
  auto urk_again = client_of("urk");
  EXPECT_EQ(call(urk_again, "GET", "/v1/outbox?after=0").status, 403u) << "0184 is no municipality any more";
}

TEST_F(municipality, a_reload_that_dissolves_the_municipality_refuses_the_open_connection_of_its_box) {
  // One keep-alive connection of Urk's re-integration box (gateway::client keeps its connection).
  auto urk = client_with_cn("urk", "gemeente:0184/reintegratie");
  auto box = call(urk, "GET", "/v1/outbox?after=0");
  ASSERT_EQ(box.status, 200u) << box.body;
  EXPECT_NE(box.header("Connection"), "close");

  edit_table("0184", "\"0184\",\"Urk\",\"0171\",\"\",\"20260101\",\"\"");
  auto r = jubesctl({"routes", "reload"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // jubesctl's own handshake is counted by now; a new one of Urk's client would be counted too.
  const double handshakes = metric_value(d_->metrics(), "jubes_tls_handshakes_total");
  box = call(urk, "GET", "/v1/outbox?after=0");
  EXPECT_EQ(box.status, 403u) << "the open connection is identified again: 0184 is no municipality any more";
  EXPECT_EQ(box.header("Connection"), "close") << "and closed after its refusal";
  EXPECT_EQ(metric_value(d_->metrics(), "jubes_tls_handshakes_total"), handshakes)
      << "refused on the connection of the first poll, not on a new one";
  EXPECT_NE(d_->log().find("connection_reidentified"), std::string::npos) << d_->log();
}

TEST_F(municipality, a_broken_table_is_refused_naming_file_and_line_and_the_old_one_keeps_serving) {
  std::string csv = slurp(dir_.path() / "gemeenten.csv");
  const std::string good = csv;
  // Line 4 (after the header and two rows): a code that is not four digits.
  auto third = csv.find('\n', csv.find('\n', csv.find('\n') + 1) + 1);
  csv.insert(third + 1, "\"12x\",\"Nergens\",\"\",\"\",\"\",\"\"\n");
  write_file(dir_.path(), "gemeenten.csv", csv);
  auto r = jubesctl({"routes", "reload"});
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("gemeenten.csv:4:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("'12x' is not four digits"), std::string::npos) << r.output;
  // The old table serves: an Urk notice still goes to Urk.
  ASSERT_EQ(post("mits", with_ref(in_municipality(example("einddetentie"), "0184"), "MUN-BROKEN")).status, 201u);
  r = jubesctl({"outbox", "list"});
  EXPECT_NE(r.output.find("gemeente:0184/reintegratie"), std::string::npos) << r.output;
  // A splits file naming a code the table does not have is refused too, naming its line.
  write_file(dir_.path(), "gemeenten.csv", good);
  write_file(dir_.path(), "gemeente-splitsingen.yaml",
             "- code: \"0140\"\n  successors:\n    - {code: \"0080\"}\n    - {code: \"9990\"}\n");
  r = jubesctl({"routes", "reload"});
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("gemeente-splitsingen.yaml:4:"), std::string::npos) << r.output;
}

TEST_F(municipality, an_implausible_notice_is_400_naming_the_field_and_is_not_stored) {
  const std::string leave = with_ref(example("piVerlof"), "MUN-PLAUSIBLE");
  const std::string born_later = with_first(leave, "geboortedatum", "2031-01-01");
  auto r = post("tulp-gw", born_later);
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_NE(r.body.find("StUF055"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("persoon/geboortedatum"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("in the future"), std::string::npos) << r.body;
  // A leave that ends before it begins... is the codec's (einddatum before begindatum); one that begins before
  // the detention is ours.
  r = post("tulp-gw", std::regex_replace(leave, std::regex("<dti:verlof>([\\s\\S]*?)<dti:begindatum>[^<]*<"),
                                         "<dti:verlof>$1<dti:begindatum>1999-01-01<"));
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_NE(r.body.find("verlof/"), std::string::npos) << r.body;
  // Refused in the request log like any 400.
  EXPECT_NE(d_->log().find("implausible"), std::string::npos) << d_->log();
  EXPECT_NE(d_->log().find("request_rejected"), std::string::npos) << d_->log();
  // Nothing stored: the same referentienummer with the corrected body is a first delivery, not a conflict (409).
  r = post("tulp-gw", leave);
  EXPECT_EQ(r.status, 201u) << r.body;
}

TEST_F(municipality, a_split_municipality_is_resolved_by_the_address_or_parked_with_the_candidates) {
  // Littenseradiel (0140) was divided in 2018; the table names only Súdwest-Fryslân (1900).
  const std::string base = in_municipality(example("einddetentie"), "0140");
  const std::string winsum =
      std::regex_replace(with_ref(base, "MUN-SPLIT-1"), std::regex("<dti:woonplaats>[^<]*</dti:woonplaats>"),
                         "<dti:woonplaats>Winsum</dti:woonplaats>");
  ASSERT_EQ(post("mits", winsum).status, 201u);
  auto r = jubesctl({"outbox", "list"});
  EXPECT_NE(r.output.find("gemeente:1949/reintegratie"), std::string::npos) << "Winsum went to Waadhoeke: " << r.output;
  const fs::path file = write_file(dir_.path(), "winsum.xml", winsum);
  r = jubesctl({"route", "explain", file.string()});
  EXPECT_NE(r.output.find("(split 0140, by woonplaats Winsum)"), std::string::npos) << r.output;

  const std::string elsewhere =
      std::regex_replace(with_ref(base, "MUN-SPLIT-2"), std::regex("<dti:woonplaats>[^<]*</dti:woonplaats>"),
                         "<dti:woonplaats>Nergenshuizen</dti:woonplaats>");
  ASSERT_EQ(post("mits", elsewhere).status, 201u);  // probation gets it; the municipality is parked
  r = jubesctl({"parked", "list"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("candidates 0080, 1900, 1949"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("gemeente:1900/reintegratie"), std::string::npos) << "never guessed: " << r.output;
}

}  // namespace
}  // namespace jubes::e2e
