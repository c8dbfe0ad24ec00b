// SPDX-License-Identifier: EUPL-1.2
// Split municipalities (`splits:`): the address decides the successor, never a guess; an undecided address names
// nobody and the reason names the candidates; the compiler refuses a splits file that names unknown codes.
#include <gtest/gtest.h>

#include "routing/errc.hpp"
#include "routing/table.hpp"
#include "test_support.hpp"

namespace jubes::routing {
namespace {

using test::context;
using test::message;
using strings = std::vector<std::string>;

// 0140 Littenseradiel (ended 2018; the RvIG table names only 1900) over Leeuwarden, Súdwest-Fryslân, Waadhoeke.
constexpr std::string_view k_splits =
    "- code: \"0140\"\n"                                                                 // line 1
    "  name: Littenseradiel\n"                                                           // 2
    "  successors:\n"                                                                    // 3
    "    - {code: \"0080\", woonplaatsen: [Mantgum, Jorwert], postcodes: [\"9021\"]}\n"  // 4
    "    - {code: \"1900\", woonplaatsen: [Wommels], postcodes: [\"8730-8731\"]}\n"      // 5
    "    - {code: \"1949\", woonplaatsen: [Winsum]}\n";                                  // 6

constexpr std::string_view k_routes =
    "version: 1\n"
    "splits: {file: splits.yaml}\n"
    "rules:\n"
    "  - id: re\n"
    "    types: [einddetentie]\n"
    "    recipients: [\"gemeente:{brp_gemeente | current}/reintegratie\", 3ro]\n"
    "  - id: verlof\n"
    "    types: [piVerlof]\n"
    "    recipients: [\"gemeente:{verlof_gemeente | current}/bij\"]\n";

class splits : public ::testing::Test {
 protected:
  result<std::shared_ptr<const table>> compile(std::string_view split_text, std::string_view routes = k_routes) {
    jubes::testing::write_file(dir_.path(), "splits.yaml", split_text);
    return table::compile_text(routes, "routes.yaml", dir_.path(), context());
  }
  std::shared_ptr<const table> table_() {
    auto t = compile(k_splits);
    EXPECT_TRUE(t) << t.error().detail;
    return t ? *t : nullptr;
  }
  // An einddetentie of a person whose last address outside DJI is in `code`, at `postcode` in `place`.
  static message living_in(const std::string& code, const std::string& postcode, const std::string& place) {
    message m("einddetentie");
    m.set("persoon/brpAdressen/adres/gemeentecode", {code});
    m.set("persoon/brpAdressen/adres/postcode", postcode.empty() ? strings{} : strings{postcode});
    m.set("persoon/brpAdressen/adres/woonplaats", place.empty() ? strings{} : strings{place});
    return m;
  }
  jubes::testing::temp_dir dir_;
};

TEST_F(splits, the_woonplaats_or_the_postcode_decides_the_successor) {
  auto t = table_();
  ASSERT_TRUE(t);
  auto m = living_in("0140", "", "Wommels");
  EXPECT_EQ(t->route(m.facts_for(*t)).recipients, (strings{"3ro", "gemeente:1900/reintegratie"}));
  m = living_in("0140", "", "  mantgum ");
  EXPECT_EQ(t->route(m.facts_for(*t)).recipients, (strings{"3ro", "gemeente:0080/reintegratie"})) << "case, blanks";
  m = living_in("0140", "9021 AB", "");
  EXPECT_EQ(t->route(m.facts_for(*t)).recipients, (strings{"3ro", "gemeente:0080/reintegratie"}));
  m = living_in("0140", "8731XZ", "Elders");
  EXPECT_EQ(t->route(m.facts_for(*t)).recipients, (strings{"3ro", "gemeente:1900/reintegratie"})) << "range end";
  m = living_in("0140", "8729XZ", "Winsum");
  EXPECT_EQ(t->route(m.facts_for(*t)).recipients, (strings{"3ro", "gemeente:1949/reintegratie"}))
      << "outside every range: the place decides";
  // An old code that became 0140 (Littenseradeel, 0103) is split too.
  m = living_in("0103", "", "Winsum");
  EXPECT_EQ(t->route(m.facts_for(*t)).recipients, (strings{"3ro", "gemeente:1949/reintegratie"}));
  // The leave address decides for verlof_gemeente.
  message leave("piVerlof");
  leave.set("verlof/adres/gemeentecode", {"0140"}).set("verlof/adres/woonplaats", {"Jorwert"});
  EXPECT_EQ(t->route(leave.facts_for(*t)).recipients, strings{"gemeente:0080/bij"});
}

TEST_F(splits, an_undecided_address_names_nobody_and_the_reason_names_the_candidates) {
  auto t = table_();
  ASSERT_TRUE(t);
  for (auto m : {living_in("0140", "", ""), living_in("0140", "8800 AA", "Elders"),
                 living_in("0140", "9021AB", "Wommels") /* the address disagrees with itself */}) {
    auto d = t->route(m.facts_for(*t));
    EXPECT_EQ(d.recipients, strings{"3ro"}) << "never the table's one 'Nieuwe code' (1900)";
    ASSERT_TRUE(d.partial()) << "parked for the missing municipality";
    EXPECT_NE(d.partial_reason.find("0140 (Littenseradiel) was split over 0080, 1900, 1949 (splits.yaml:1)"),
              std::string::npos)
        << d.partial_reason;
    EXPECT_NE(d.partial_reason.find("candidates 0080, 1900, 1949"), std::string::npos) << d.partial_reason;
  }
  // Several BRP addresses of which not every one has a postcode: the chosen one's cannot be told; the place can.
  message m("einddetentie");
  m.no_brp().brp("0363", "2001-01-01", false).brp("0140", "2015-01-01", false);
  m.set("persoon/brpAdressen/adres/postcode", {"1011AB"});
  m.set("persoon/brpAdressen/adres/woonplaats", {"Amsterdam", "Wommels"});
  EXPECT_EQ(t->route(m.facts_for(*t)).recipients, (strings{"3ro", "gemeente:1900/reintegratie"}));
  m.set("persoon/brpAdressen/adres/woonplaats", {"Amsterdam"});
  auto d = t->route(m.facts_for(*t));
  EXPECT_EQ(d.recipients, strings{"3ro"});
  EXPECT_NE(d.partial_reason.find("not every address carries a postcode"), std::string::npos) << d.partial_reason;
  // Codes that were never split are unaffected.
  auto plain = living_in("0518", "", "");
  EXPECT_EQ(t->route(plain.facts_for(*t)).recipients, (strings{"3ro", "gemeente:0518/reintegratie"}));
}

TEST_F(splits, explain_shows_the_decision) {
  auto t = table_();
  ASSERT_TRUE(t);
  auto m = living_in("0140", "", "Wommels");
  auto text = t->explain(m.facts_for(*t));
  EXPECT_NE(text.find("| current -> [1900] (split 0140, by woonplaats Wommels)"), std::string::npos) << text;
  m = living_in("0140", "", "Elders");
  text = t->explain(m.facts_for(*t));
  EXPECT_NE(text.find("decides none of them: candidates 0080, 1900, 1949"), std::string::npos) << text;
}

TEST_F(splits, the_compiler_refuses_unknown_codes_and_inconsistent_files_with_file_and_line) {
  struct bad {
    std::string text, where, what;
  } cases[] = {
      {"- code: \"9990\"\n  successors: [{code: \"0080\"}, {code: \"1900\"}]\n",
       "splits.yaml:1:", "'9990' is not in the municipality table"},
      {"- code: \"0080\"\n  successors: [{code: \"0014\"}, {code: \"1900\"}]\n",
       "splits.yaml:1:", "is a current municipality"},
      {"- code: \"0140\"\n  successors:\n    - {code: \"0080\"}\n    - {code: \"0103\"}\n",
       "splits.yaml:4:", "successor '0103' of split 0140 is not a current municipality"},
      {"- code: \"0140\"\n  successors:\n    - {code: \"0080\"}\n    - {code: \"9998\"}\n",
       "splits.yaml:4:", "not a current municipality"},
      {"- code: \"0140\"\n  successors: [{code: \"0080\"}]\n", "splits.yaml:2:", "at least two"},
      {"- code: \"0140\"\n  successors:\n    - {code: \"0080\", woonplaatsen: [Baard]}\n"
       "    - {code: \"1900\", woonplaatsen: [baard]}\n",
       "splits.yaml:4:", "goes to both 0080 and 1900"},
      {"- code: \"0140\"\n  successors:\n    - {code: \"0080\", postcodes: [\"9000-9100\"]}\n"
       "    - {code: \"1900\", postcodes: [\"9050\"]}\n",
       "splits.yaml:4:", "overlap"},
      {"- code: \"0140\"\n  successors:\n    - {code: \"0080\", postcodes: [\"90AB\"]}\n    - {code: \"1900\"}\n",
       "splits.yaml:3:", "postcode range '90AB'"},
      {"- code: \"0140\"\n  successor: []\n", "splits.yaml:2:", "unknown split key 'successor'"},
      {"- code: \"0140\"\n  successors: [{code: \"0080\"}, {code: \"1900\"}]\n"
       "- code: \"0140\"\n  successors: [{code: \"0080\"}, {code: \"1900\"}]\n",
       "splits.yaml:3:", "split twice"},
  };
  for (const auto& c : cases) {
    auto r = compile(c.text);
    ASSERT_FALSE(r) << c.text;
    EXPECT_EQ(r.error().detail.rfind(c.where, 0), 0u) << r.error().detail;
    EXPECT_NE(r.error().detail.find(c.what), std::string::npos) << r.error().detail;
  }
  auto missing = table::compile_text("version: 1\nsplits: {file: nowhere.yaml}\nrules: []\n", "routes.yaml",
                                     dir_.path(), context());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, make_error_code(errc::io_error));
  EXPECT_EQ(missing.error().detail.rfind("routes.yaml:2:", 0), 0u) << missing.error().detail;
}

TEST_F(splits, the_splits_file_is_part_of_the_table_version) {
  auto a = compile(k_splits);
  auto b = compile(std::string(k_splits) + "# another comment\n");
  ASSERT_TRUE(a && b);
  EXPECT_NE((*a)->version(), (*b)->version());
}

}  // namespace
}  // namespace jubes::routing
