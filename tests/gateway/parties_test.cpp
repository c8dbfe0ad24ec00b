// SPDX-License-Identifier: EUPL-1.2
// The API listener's party directory: which party a client certificate names, and the per-party
// connection count.
#include "parties.hpp"

#include <gtest/gtest.h>

#include "table_in_service.hpp"

namespace jubes::gateway::detail {
namespace {

// A small table: 0363 and 0080 current; 0140 ended (2018, split), 0001 never a municipality of ours.
constexpr std::string_view k_table =
    "\"92.10 Gemeentecode\",\"92.11 Omschrijving\",\"92.12 Nieuwe code\",\"99.98 Datum ingang\",\"99.99 Datum einde\"\n"
    "\"0080\",\"Leeuwarden\",\"\",\"\",\"\"\n"
    "\"0140\",\"Littenseradiel\",\"0080\",\"19850126\",\"20180101\"\n"
    "\"0363\",\"Amsterdam\",\"\",\"\",\"\"\n";

config two_parties(bool municipalities_by_cn) {
  config c;
  party_config tulp;
  tulp.id = "tulp-gw";
  tulp.subject_cn = "tulp-gw";
  tulp.oin = "00000001003214345000";
  tulp.role = party_role::source;
  party_config rvdk;
  rvdk.id = "rvdk";
  rvdk.subject_cn = "rvdk-cert";
  rvdk.role = party_role::recipient;
  c.parties = {tulp, rvdk};
  c.municipalities_by_cn = municipalities_by_cn;
  c.limits.max_connections_per_party = 2;
  return c;
}

TEST(party_directory, finds_a_party_by_oin_first_then_by_cn) {
  const config cfg = two_parties(false);
  registry_in_service reg(k_table);
  party_directory d(cfg, reg.check());
  // The OIN wins over a CN that names another party.
  const auto* by_oin = d.find({"rvdk-cert", "00000001003214345000", "/CN=rvdk-cert"});
  ASSERT_NE(by_oin, nullptr);
  EXPECT_EQ(by_oin->id, "tulp-gw");
  const auto* by_cn = d.find({"rvdk-cert", "", "/CN=rvdk-cert"});
  ASSERT_NE(by_cn, nullptr);
  EXPECT_EQ(by_cn->id, "rvdk");
  EXPECT_EQ(d.find({"rvdk", "", "/CN=rvdk"}), nullptr) << "the id is not the certificate's CN here";
  EXPECT_EQ(d.find({"gemeente:0363", "", "/CN=gemeente:0363"}), nullptr) << "municipalities_by_cn is off";
}

TEST(party_directory, names_a_municipality_by_cn_only_when_configured_and_always_the_same_entry) {
  const config cfg = two_parties(true);
  registry_in_service reg(k_table);
  party_directory d(cfg, reg.check());
  const auto* g = d.find({"gemeente:0363/bij", "", "/CN=gemeente:0363/bij"});
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->id, "gemeente:0363/bij");
  EXPECT_EQ(g->role, party_role::recipient);
  EXPECT_EQ(d.find({"gemeente:0363/bij", "", ""}), g);
  const auto* r = d.find({"gemeente:0363/reintegratie", "", ""});
  ASSERT_NE(r, nullptr);
  EXPECT_NE(r, g) << "each mailbox is its own party";
  EXPECT_EQ(d.find({"gemeente:0363", "", ""}), nullptr) << "a municipality without a mailbox";
  EXPECT_EQ(d.find({"gemeente:0363/kantine", "", ""}), nullptr) << "not a configured mailbox";
  EXPECT_EQ(d.find({"gemeente:36/bij", "", ""}), nullptr) << "not a municipality name";
}

TEST(party_directory, a_municipal_certificate_of_a_code_that_is_no_current_municipality_is_no_party) {
  const config cfg = two_parties(true);
  registry_in_service reg(k_table);
  party_directory d(cfg, reg.check());
  EXPECT_EQ(d.find({"gemeente:0001/bij", "", ""}), nullptr) << "not in the table";
  EXPECT_EQ(d.find({"gemeente:0140/bij", "", ""}), nullptr) << "dissolved (ended 2018)";
  EXPECT_EQ(d.identify({"gemeente:0140/bij", "", ""}).party, nullptr);
  ASSERT_NE(d.find({"gemeente:0080/bij", "", ""}), nullptr);
  ASSERT_NE(d.find({"gemeente:0363/bij", "", ""}), nullptr);

  // A reloaded table (Amsterdam dissolved into 0080, for the test) is seen at the next find(), both ways.
  reg.current.store(
      table_of("\"92.10 Gemeentecode\",\"92.11 Omschrijving\",\"92.12 Nieuwe code\",\"99.98 Datum ingang\",\"99.99 "
               "Datum einde\"\n"
               "\"0080\",\"Leeuwarden\",\"\",\"\",\"\"\n"
               "\"0140\",\"Littenseradiel\",\"\",\"19850126\",\"\"\n"
               "\"0363\",\"Amsterdam\",\"0080\",\"\",\"20260101\"\n"));
  EXPECT_EQ(d.find({"gemeente:0363/bij", "", ""}), nullptr) << "dissolved by the reload";
  EXPECT_NE(d.find({"gemeente:0140/bij", "", ""}), nullptr) << "current in the reloaded table";
  EXPECT_NE(d.find({"gemeente:0080/reintegratie", "", ""}), nullptr);
}

TEST(party_directory, identify_escapes_the_certificate_text_of_an_unknown_caller) {
  const config cfg = two_parties(false);
  registry_in_service reg(k_table);
  party_directory d(cfg, reg.check());
  auto who = d.identify({"evil\nline", "", "/CN=evil\nline"});
  EXPECT_EQ(who.party, nullptr);
  EXPECT_EQ(who.id.find('\n'), std::string::npos) << who.id;
  EXPECT_EQ(who.subject.find('\n'), std::string::npos) << who.subject;
  EXPECT_EQ(d.identify({"tulp-gw", "", "/CN=tulp-gw"}).id, "tulp-gw");
}

TEST(party_directory, counts_connections_per_known_party_while_their_slots_live) {
  const config cfg = two_parties(false);
  registry_in_service reg(k_table);
  party_directory d(cfg, reg.check());
  const caller tulp = d.identify({"tulp-gw", "", ""});
  const caller nobody = d.identify({"nobody", "", ""});
  {
    party_directory::connection_slot a(d, tulp), b(d, tulp);
    EXPECT_FALSE(a.over());
    EXPECT_FALSE(b.over());
    party_directory::connection_slot c(d, tulp);
    EXPECT_TRUE(c.over()) << "the third of max_connections_per_party = 2";
    party_directory::connection_slot u1(d, nobody), u2(d, nobody), u3(d, nobody);
    EXPECT_FALSE(u3.over()) << "unknown callers are not counted (they get 403)";
  }
  party_directory::connection_slot again(d, tulp);
  EXPECT_FALSE(again.over()) << "closed connections give their slots back";
}

}  // namespace
}  // namespace jubes::gateway::detail
