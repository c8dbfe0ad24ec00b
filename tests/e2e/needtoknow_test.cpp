// SPDX-License-Identifier: EUPL-1.2
// Issue 13 against the real jubesd over mTLS with the development PKI and the default configuration:
// purpose-bound mailboxes (one certificate per box), per-recipient projections validated against their XSDs
// (conf/schemas/projecties/) with the fields outside the projection absent, probation receiving the 18a
// notices, forwarding only into the BIJ box of a BIJ participant, and `route explain` naming box and projection.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <regex>
#include <set>

#include "codecs/catalog.hpp"
#include "codecs/validator.hpp"
#include "support.hpp"

namespace jubes::e2e {
namespace {

// The 14 message types: the one list in the code.
const std::vector<std::string>& k_types = codecs::jubes_message_types();
const std::set<std::string> k_reintegratie = {"eersteInschrijving", "wijzigingEinddatum", "overplaatsing",
                                              "reintegratieplan", "einddetentie"};

// Every example with all its municipality codes set to `code`: the BIJ kinds go to gemeente:CODE/bij, the 18a
// kinds to gemeente:CODE/reintegratie and 3ro. The BRP history keeps its records (and its DJI addresses).
std::string in_municipality(std::string xml, const std::string& code) {
  return std::regex_replace(xml, std::regex("<dti:gemeentecode>[0-9]{4}</dti:gemeentecode>"),
                            "<dti:gemeentecode>" + code + "</dti:gemeentecode>");
}

// The sending party of an example, from its zender.
std::string source_of(const std::string& xml) {
  for (const auto& [app, party] : std::map<std::string, std::string>{
           {"TULP-GW", "tulp-gw"}, {"SELECTIE", "selectie"}, {"JVS", "jvs"}, {"MITS", "mits"}})
    if (xml.find("<dti:applicatie>" + app + "</dti:applicatie>") != std::string::npos) return party;
  return "tulp-gw";
}

// The projection XSD a mailbox kind gets for a type (docs/MESSAGES.md, "Projections").
std::string projection_of(const std::string& box, const std::string& type) {
  if (box == "idv") return "idv";
  if (box == "3ro") return "reclassering";
  if (box == "gemeente/bij")
    return type.find("Verlof") != std::string::npos || type == "piRegimefasering" ? "bij-verlof" : "bij-einde";
  return "reintegratie";  // gemeente/reintegratie, rvdk, hvh-almelo
}

// What each projection must not carry (element local names).
std::vector<std::string> absent_in(const std::string& projection) {
  if (projection == "idv") return {"bsn", "brpAdressen", "instelling", "delicten", "strafduurDagen", "verlof", "plan"};
  if (projection == "reclassering") return {"brpAdressen", "delicten", "delictcategorie"};
  if (projection == "reintegratie") return {"delicten", "delictcategorie", "strafduurDagen", "onherroepelijk"};
  if (projection == "bij-verlof") return {"brpAdressen", "strafduurDagen", "plan"};
  return {"strafduurDagen", "verlof", "plan", "overplaatsing"};  // bij-einde
}

int count_of(const std::string& s, const std::string& what) {
  int n = 0;
  for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

struct entry {
  std::string id, type, element;
};

// The entries of an outbox batch: id, type and the embedded message element.
std::vector<entry> entries_of(const std::string& batch) {
  std::vector<entry> out;
  static const std::regex re("<entry seq=\"[0-9]+\" id=\"([0-9]+)\" type=\"([A-Za-z0-9]+)\"[^>]*>([\\s\\S]*?)</entry>");
  for (std::sregex_iterator it(batch.begin(), batch.end(), re), end; it != end; ++it)
    out.push_back({(*it)[1], (*it)[2], (*it)[3]});
  return out;
}

class xerces_environment final : public ::testing::Environment {
 public:
  void SetUp() override { guard = std::make_unique<codecs::xerces_guard>(); }
  void TearDown() override {
    validators.clear();
    guard.reset();
  }
  std::unique_ptr<codecs::xerces_guard> guard;
  std::map<std::string, std::unique_ptr<codecs::validator>> validators;
};
xerces_environment* const xerces =
    static_cast<xerces_environment*>(::testing::AddGlobalTestEnvironment(new xerces_environment));

// A validator for conf/schemas/projecties/NAME.xsd, xerces as the oracle.
codecs::validator& projection_validator(const std::string& name) {
  auto& v = xerces->validators[name];
  if (!v) {
    const fs::path xsd = fs::path(JUBES_SOURCE_DIR) / "conf" / "schemas" / "projecties" / (name + ".xsd");
    auto cat = codecs::schema_catalog::load({codecs::adhoc_schema_set({xsd})});
    if (!cat) throw std::runtime_error(cat.error().message());
    v = std::make_unique<codecs::validator>(*cat);
  }
  return *v;
}

class needtoknow : public ::testing::Test {
 protected:
  void SetUp() override {
    cfg_ = write_file(dir_.path(), "jubes.yaml", test_config(dir_.path() / "data"));
    d_ = std::make_unique<jubesd>(cfg_, dir_.path() / "data");
    ASSERT_TRUE(d_->started()) << d_->log();
  }
  gateway::http_reply call(const std::string& party, const std::string& method, const std::string& target,
                           const std::string& body = {}) {
    auto c = d_->client_for(party);
    auto r = c.request(method, target, body, body.empty() ? "text/plain" : "application/xml");
    EXPECT_TRUE(r) << party << " " << target << ": " << r.error().message();
    return r ? *r : gateway::http_reply{};
  }
  // Posts every example for municipality 0363. @return message id -> type
  std::map<std::string, std::string> post_all() {
    std::map<std::string, std::string> ids;
    for (const auto& type : k_types) {
      const std::string xml = in_municipality(example(type), "0363");
      auto r = call(source_of(xml), "POST", "/v1/messages", xml);
      EXPECT_EQ(r.status, 201u) << type << ": " << r.body;
      const std::string loc = r.header("Location");
      ids[loc.substr(loc.rfind('/') + 1)] = type;
    }
    return ids;
  }

  temp_dir dir_;
  fs::path cfg_;
  std::unique_ptr<jubesd> d_;
};

TEST_F(needtoknow, each_default_recipient_receives_exactly_its_projection) {
  const auto ids = post_all();
  ASSERT_EQ(ids.size(), k_types.size());
  const std::map<std::string, std::string> boxes{{"gemeente:0363/bij", "gemeente/bij"},
                                                 {"gemeente:0363/reintegratie", "gemeente/reintegratie"},
                                                 {"3ro", "3ro"},
                                                 {"rvdk", "rvdk"},
                                                 {"idv", "idv"},
                                                 {"hvh-almelo", "hvh-almelo"}};
  std::map<std::string, std::multiset<std::string>> got;  // party -> types received
  for (const auto& [party, kind] : boxes) {
    auto batch = call(party, "GET", "/v1/outbox?after=0&max=100");
    ASSERT_EQ(batch.status, 200u) << party << ": " << batch.body;
    for (const auto& e : entries_of(batch.body)) {
      SCOPED_TRACE(party + " " + e.type);
      got[party].insert(e.type);
      ASSERT_EQ(ids.at(e.id), e.type);
      const std::string projection = projection_of(kind, e.type);
      // The delivered document is the projection: valid against its own XSD, nothing outside it.
      codecs::parsed res;
      codecs::fault err;
      EXPECT_TRUE(projection_validator(projection).parse(e.element, res, err))
          << projection << ": " << err.text << " at " << err.element_path << "\n"
          << e.element;
      for (const auto& name : absent_in(projection))
        EXPECT_EQ(e.element.find(":" + name + ">"), std::string::npos) << projection << " carries " << name;
      // No BRP history anywhere: at most the one deciding address, never a DJI institution.
      EXPECT_LE(count_of(e.element, "<dti:adres>"), 1) << e.element;
      EXPECT_EQ(e.element.find("<dti:djiInstelling>true"), std::string::npos) << e.element;
      // GET /v1/messages/{id} gives this party the same projection.
      auto one = call(party, "GET", "/v1/messages/" + e.id);
      ASSERT_EQ(one.status, 200u) << one.body;
      EXPECT_TRUE(projection_validator(projection).parse(one.body, res, err)) << err.text << "\n" << one.body;
      // BSN: kept where the purpose needs the identity for certain, dropped for the victim desk.
      EXPECT_EQ(e.element.find("<dti:bsn>") != std::string::npos, projection != "idv") << e.element;
    }
  }
  // Who got what: BIJ and 18b in the BIJ box, 18a in the re-integration box and at probation, the minor of the
  // wijzigingEinddatum example at rvdk, its Almelo institution at the casemanager pilot, IDV at idv.
  std::multiset<std::string> bij, reint(k_reintegratie.begin(), k_reintegratie.end());
  for (const auto& t : k_types)
    if (!k_reintegratie.count(t) && t != "idvDetentieverloop") bij.insert(t);
  EXPECT_EQ(got["gemeente:0363/bij"], bij);
  EXPECT_EQ(got["gemeente:0363/reintegratie"], reint);
  EXPECT_EQ(got["3ro"], reint);
  EXPECT_EQ(got["rvdk"], std::multiset<std::string>{"wijzigingEinddatum"});
  EXPECT_EQ(got["hvh-almelo"], std::multiset<std::string>{"wijzigingEinddatum"});
  EXPECT_EQ(got["idv"], std::multiset<std::string>{"idvDetentieverloop"});
  // The source gets what it sent.
  for (const auto& [id, type] : ids) {
    const std::string xml = in_municipality(example(type), "0363");
    EXPECT_EQ(call(source_of(xml), "GET", "/v1/messages/" + id).body, xml) << type;
  }
}

TEST_F(needtoknow, bij_and_reintegration_boxes_are_reachable_only_with_their_own_certificates) {
  const auto ids = post_all();
  for (const auto& [id, type] : ids) {
    if (type == "idvDetentieverloop") continue;
    const bool bij = !k_reintegratie.count(type);
    const std::string mine = bij ? "gemeente:0363/bij" : "gemeente:0363/reintegratie";
    const std::string other = bij ? "gemeente:0363/reintegratie" : "gemeente:0363/bij";
    EXPECT_EQ(call(mine, "GET", "/v1/messages/" + id).status, 200u) << type;
    EXPECT_EQ(call(other, "GET", "/v1/messages/" + id).status, 404u) << type;
  }
  // A municipal certificate without a box names no party (one certificate per box).
  auto add =
      run({"/bin/bash", std::string(JUBES_SOURCE_DIR) + "/scripts/dev-pki", pki().string(), "--add", "gemeente:0363"});
  ASSERT_EQ(add.exit_code, 0) << add.output;
  EXPECT_EQ(call("gemeente:0363", "GET", "/v1/outbox?after=0").status, 403u);
}

TEST_F(needtoknow, forwarding_goes_into_a_bij_box_of_a_participant_and_never_elsewhere) {
  const std::string xml = in_municipality(example("piBeeindiging"), "0363");
  auto r = call("tulp-gw", "POST", "/v1/messages", xml);
  ASSERT_EQ(r.status, 201u) << r.body;
  const std::string loc = r.header("Location");
  const std::string id = loc.substr(loc.rfind('/') + 1);
  // Urk (0184) does not take part in BIJ: refused, unless an operator overrides it with a reason (audited).
  auto refused = call("gemeente:0363/bij", "POST", "/v1/messages/" + id + "/forward?to=gemeente:0184");
  EXPECT_EQ(refused.status, 403u) << refused.body;
  const std::string override_target = "/v1/messages/" + id + "/forward?from=gemeente:0363/bij&to=gemeente:0184";
  EXPECT_EQ(call("operator", "POST", override_target).status, 400u);  // no reason
  auto overridden = call("operator", "POST", override_target + "&reason=ticket%2042");
  EXPECT_EQ(overridden.status, 201u) << overridden.body;
  EXPECT_NE(overridden.body.find("to=\"gemeente:0184/bij\""), std::string::npos) << overridden.body;
  // Its operator record is there with the 201 (the forward's own transaction wrote it), after the forwarded record.
  auto trail = call("operator", "GET", "/v1/admin/audit?message=" + id);
  ASSERT_EQ(trail.status, 200u) << trail.body;
  const auto fw = trail.body.find("\"kind\":\"forwarded\"");
  const auto ov = trail.body.find("\"kind\":\"forward_override\"");
  ASSERT_NE(ov, std::string::npos) << trail.body;
  EXPECT_LT(fw, ov) << trail.body;
  EXPECT_NE(trail.body.find("forwarded from gemeente:0363/bij to gemeente:0184/bij (not a BIJ participant); "
                            "reason: ticket 42"),
            std::string::npos)
      << trail.body;
  // Not from the re-integration box, not into one.
  EXPECT_EQ(call("gemeente:0363/reintegratie", "POST", "/v1/messages/" + id + "/forward?to=gemeente:0599").status,
            403u);
  EXPECT_EQ(call("gemeente:0363/bij", "POST", "/v1/messages/" + id + "/forward?to=gemeente:0599/reintegratie").status,
            400u);
  // Rotterdam takes part: its BIJ box gets the BIJ projection, its re-integration box nothing.
  auto fwd = call("gemeente:0363/bij", "POST", "/v1/messages/" + id + "/forward?to=gemeente:0599");
  ASSERT_EQ(fwd.status, 201u) << fwd.body;
  EXPECT_NE(fwd.body.find("to=\"gemeente:0599/bij\""), std::string::npos) << fwd.body;
  auto batch = call("gemeente:0599/bij", "GET", "/v1/outbox?after=0");
  const auto es = entries_of(batch.body);
  ASSERT_EQ(es.size(), 1u) << batch.body;
  codecs::parsed res;
  codecs::fault err;
  EXPECT_TRUE(projection_validator("bij-einde").parse(es[0].element, res, err)) << err.text;
  EXPECT_EQ(entries_of(call("gemeente:0599/reintegratie", "GET", "/v1/outbox?after=0").body).size(), 0u);
}

TEST_F(needtoknow, a_partial_delivery_is_parked_for_the_missing_recipient_and_an_assignment_delivers_it_once) {
  // An 18a notice whose every BRP address is a DJI institution: probation gets it, no municipality can be found.
  std::string xml = with_ref(in_municipality(example("einddetentie"), "0363"), "E2E-PARTIAL");
  xml = std::regex_replace(xml, std::regex("<dti:djiInstelling>false</dti:djiInstelling>"),
                           "<dti:djiInstelling>true</dti:djiInstelling>");
  auto r = call(source_of(xml), "POST", "/v1/messages", xml);
  ASSERT_EQ(r.status, 201u) << r.body;
  const std::string loc = r.header("Location");
  const std::string id = loc.substr(loc.rfind('/') + 1);
  EXPECT_EQ(entries_of(call("3ro", "GET", "/v1/outbox?after=0").body).size(), 1u);
  EXPECT_EQ(entries_of(call("gemeente:0363/reintegratie", "GET", "/v1/outbox?after=0").body).size(), 0u);
  // jubesctl reaches the running jubesd for what it must not do beside it (PostgreSQL: assign).
  auto ctl = [&](const std::vector<std::string>& args) {
    return jubesctl_beside(*d_, cfg_, dir_.path() / "data", args);
  };
  auto list = ctl({"parked", "list"});
  ASSERT_EQ(list.exit_code, 0) << list.output;
  EXPECT_NE(list.out.find("partial delivery: reintegratie-gemeente"), std::string::npos) << list.out;
  // The operator assigns it to the municipality's re-integration box: delivered there once, projected.
  auto a = ctl({"parked", "assign", id, "gemeente:0363/reintegratie", "--reason", "address from the prison"});
  ASSERT_EQ(a.exit_code, 0) << a.output;
  auto again = ctl({"parked", "assign", id, "gemeente:0363/reintegratie", "--reason", "again"});
  EXPECT_EQ(again.exit_code, 0) << again.output;
  const auto box = entries_of(call("gemeente:0363/reintegratie", "GET", "/v1/outbox?after=0").body);
  ASSERT_EQ(box.size(), 1u);
  codecs::parsed res;
  codecs::fault err;
  EXPECT_TRUE(projection_validator("reintegratie").parse(box[0].element, res, err)) << err.text;
  EXPECT_EQ(entries_of(call("3ro", "GET", "/v1/outbox?after=0").body).size(), 1u);  // not again
  list = ctl({"parked", "list"});
  EXPECT_EQ(list.out.find("E2E-PARTIAL"), std::string::npos) << list.out;
}

TEST_F(needtoknow, a_notice_that_is_not_bij_worthy_is_counted_not_parked) {
  const std::string xml = std::regex_replace(with_ref(in_municipality(example("piBeeindiging"), "0363"), "E2E-NOTBIJ"),
                                             std::regex("<dti:delictcategorie>[^<]*</dti:delictcategorie>"),
                                             "<dti:delictcategorie>overig</dti:delictcategorie>");
  auto r = call("tulp-gw", "POST", "/v1/messages", xml);
  ASSERT_EQ(r.status, 201u) << r.body;
  EXPECT_EQ(call("tulp-gw", "POST", "/v1/messages", xml).status, 200u);  // stored exactly once
  EXPECT_EQ(entries_of(call("gemeente:0363/bij", "GET", "/v1/outbox?after=0").body).size(), 0u);
  const std::string m = d_->metrics();
  EXPECT_NE(m.find("jubes_ingest_unrouted_total 1"), std::string::npos);
  EXPECT_NE(m.find("jubes_ingest_parked_total 0"), std::string::npos);
  EXPECT_NE(m.find("jubes_parked_messages 0"), std::string::npos);
  auto list =
      run({JUBESCTL_PATH, "--config", cfg_.string(), "--data-dir", (dir_.path() / "data").string(), "parked", "list"});
  ASSERT_EQ(list.exit_code, 0) << list.output;
  EXPECT_EQ(list.out.find("E2E-NOTBIJ"), std::string::npos) << list.out;
}

TEST_F(needtoknow, route_explain_prints_box_and_projection) {
  const fs::path file = write_file(dir_.path(), "einddetentie.xml", example("einddetentie"));
  auto r = run({JUBESCTL_PATH, "--config", cfg_.string(), "route", "explain", file.string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.out.find(": box gemeente/reintegratie, projection reintegratie (routes.yaml:"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("3ro: box 3ro, projection reclassering (routes.yaml:"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace jubes::e2e
