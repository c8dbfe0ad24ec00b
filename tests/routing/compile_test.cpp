// SPDX-License-Identifier: EUPL-1.2
// The routes compiler: what it accepts, and each error it must refuse with file:line.
#include <gtest/gtest.h>

#include <filesystem>

#include "routing/errc.hpp"
#include "routing/table.hpp"
#include "test_support.hpp"

namespace jubes::routing {
namespace {

using test::context;
using test::message;
using strings = std::vector<std::string>;

struct outcome {
  std::shared_ptr<const table> t;
  boost::system::error_code ec;
  std::string error;
};

outcome compile(const std::string& yaml, const compile_context& ctx = context(),
                const std::filesystem::path& base = test::conf_dir()) {
  outcome o;
  auto r = table::compile_text(yaml, "t.yaml", base, ctx);
  if (r) {
    o.t = *r;
  } else {
    o.ec = r.error().code;
    o.error = r.error().detail;
  }
  return o;
}

// One rule for piVerlof with the given extra lines (indented by the caller).
std::string one_rule(const std::string& body) {
  return "version: 1\n"
         "rules:\n"
         "  - id: r1\n" +
         body;
}

void expect_error(const outcome& o, errc e, const std::string& where, const std::string& what) {
  EXPECT_FALSE(o.t);
  EXPECT_EQ(o.ec, make_error_code(e)) << o.error;
  EXPECT_EQ(o.error.rfind(where, 0), 0u) << o.error;
  EXPECT_NE(o.error.find(what), std::string::npos) << o.error;
}

TEST(compile, accepts_a_minimal_table) {
  auto o = compile(one_rule("    types: [idvDetentieverloop]\n    recipients: [idv]\n"));
  ASSERT_TRUE(o.t) << o.error;
  EXPECT_EQ(o.t->rule_count(), 1u);
  EXPECT_TRUE(o.t->field_paths().empty());
  message m("idvDetentieverloop");
  EXPECT_EQ(o.t->route(m.facts_for(*o.t)).recipients, strings{"idv"});
}

TEST(compile, version_is_a_hash_of_the_content) {
  auto a = compile(one_rule("    types: [idvDetentieverloop]\n    recipients: [idv]\n"));
  auto b = compile(one_rule("    types: [idvDetentieverloop]\n    recipients: [idv]\n"));
  auto c = compile(one_rule("    types: [idvDetentieverloop]\n    recipients: [rvdk]\n"));
  ASSERT_TRUE(a.t && b.t && c.t);
  EXPECT_EQ(a.t->version(), b.t->version());
  EXPECT_NE(a.t->version(), c.t->version());
  EXPECT_EQ(a.t->version().find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST(compile, recipients_are_deduplicated_across_rules) {
  auto o = compile(
      "version: 1\n"
      "rules:\n"
      "  - {id: a, types: [einddetentie], recipients: [rvdk, 'gemeente:{brp_gemeente | current}']}\n"
      "  - {id: b, types: [einddetentie], recipients: [rvdk, 'gemeente:{field(persoon/brpAdressen/adres/gemeentecode) "
      "| current}']}\n");
  ASSERT_TRUE(o.t) << o.error;
  message m("einddetentie");
  auto d = o.t->route(m.facts_for(*o.t));
  EXPECT_EQ(d.recipients, (strings{"gemeente:0518", "rvdk"}));
  EXPECT_EQ(d.matched_rules, (strings{"a", "b"}));
}

TEST(compile, predicates_have_their_documented_semantics) {
  auto o = compile(
      "version: 1\n"
      "rules:\n"
      "  - id: all\n"
      "    types: [einddetentie]\n"
      "    when:\n"
      "      - {field: detentie/titel, ne: tbs-dwangverpleging}\n"
      "      - {field: detentie/delicten/delictcategorie, not_in: [brandstichting]}\n"
      "      - {field: detentie/strafduurDagen, gt: 2w}\n"
      "      - {field: detentie/strafduurDagen, le: 1000}\n"
      "      - {field: detentie/feitelijkeEinddatum, present: false}\n"
      "      - {field: detentie/begindatum, present: true}\n"
      "      - {fn: minor, is: false}\n"
      "    recipients: [3ro]\n");
  ASSERT_TRUE(o.t) << o.error;
  auto routes = [&](message m) { return !o.t->route(m.facts_for(*o.t)).recipients.empty(); };
  auto base = [] {
    message m("einddetentie");
    m.set("detentie/strafduurDagen", {"15"}).set("detentie/begindatum", {"2026-01-01"});
    return m;
  };
  EXPECT_TRUE(routes(base()));
  EXPECT_FALSE(routes(base().set("detentie/titel", {"tbs-dwangverpleging"})));
  EXPECT_FALSE(routes(base().set("detentie/delicten/delictcategorie", {"zeden", "brandstichting"})));
  EXPECT_FALSE(routes(base().set("detentie/strafduurDagen", {"14"})));
  EXPECT_FALSE(routes(base().set("detentie/strafduurDagen", {"1001"})));
  EXPECT_FALSE(routes(base().set("detentie/strafduurDagen", {"many"})));
  EXPECT_FALSE(routes(base().erase("detentie/strafduurDagen")));
  EXPECT_FALSE(routes(base().set("detentie/feitelijkeEinddatum", {"2026-02-01"})));
  EXPECT_FALSE(routes(base().erase("detentie/begindatum")));
  EXPECT_FALSE(routes(base().set("persoon/geboortedatum", {"2010-01-01"})));
}

TEST(compile, reads_the_default_file_from_disk) {
  auto r = table::compile(test::conf_dir() / "routes.yaml", context());
  ASSERT_TRUE(r) << r.error().message();
  auto missing = table::compile("/nonexistent/routes.yaml", context());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error(), errc::io_error);
  EXPECT_NE(missing.error().detail.find("/nonexistent/routes.yaml"), std::string::npos);
}

// ---- errors -------------------------------------------------------------------------------------

TEST(compile, bad_yaml_is_refused_with_its_line) {
  expect_error(compile("version: 1\nrules:\n  - id: [unclosed\n"), errc::bad_yaml, "t.yaml:", "");
  expect_error(compile("version: 1\nrules:\n  - id: a\n  types: : x\n"), errc::bad_yaml, "t.yaml:4:", "");
}

TEST(compile, unknown_function_in_a_template) {
  expect_error(compile(one_rule("    types: [einddetentie]\n    recipients: ['gemeente:{foo}']\n")),
               errc::unknown_function, "t.yaml:5:", "unknown function 'foo'");
  expect_error(compile(one_rule("    types: [einddetentie]\n    recipients: ['gemeente:{brp_gemeente | bar}']\n")),
               errc::unknown_function, "t.yaml:5:", "unknown function 'bar'");
}

TEST(compile, unknown_function_in_a_condition) {
  expect_error(compile(one_rule("    types: [einddetentie]\n    when:\n      - {fn: adult}\n    recipients: [rvdk]\n")),
               errc::unknown_function, "t.yaml:6:", "unknown function 'adult'");
}

TEST(compile, field_the_schema_cannot_supply) {
  expect_error(compile(one_rule("    types: [einddetentie]\n    when:\n      - {field: detentie/kleur, eq: rood}\n"
                                "    recipients: [rvdk]\n")),
               errc::unknown_field,
               "t.yaml:6:", "field 'detentie/kleur' cannot be supplied by the schema of message type 'einddetentie'");
  // verlof_gemeente needs the leave address, which only the leave kinds carry.
  expect_error(compile(one_rule("    types: [piVerlof, einddetentie]\n"
                                "    recipients: ['gemeente:{verlof_gemeente | current}']\n")),
               errc::unknown_field, "t.yaml:5:", "(needed by verlof_gemeente)");
}

TEST(compile, malformed_field_path) {
  expect_error(compile(one_rule("    types: [einddetentie]\n    when:\n      - {field: /persoon//bsn, present: true}\n"
                                "    recipients: [rvdk]\n")),
               errc::unknown_field, "t.yaml:6:", "malformed field path");
  // Without a schema oracle, well-formed paths are accepted.
  auto ctx = context();
  ctx.schema_can_supply = nullptr;
  auto o = compile(one_rule("    types: [einddetentie]\n    when:\n      - {field: detentie/kleur, eq: rood}\n"
                            "    recipients: [rvdk]\n"),
                   ctx);
  EXPECT_TRUE(o.t) << o.error;
}

TEST(compile, unknown_recipient) {
  expect_error(compile(one_rule("    types: [einddetentie]\n    recipients: [rvdk, reclassering]\n")),
               errc::unknown_recipient, "t.yaml:5:", "unknown recipient 'reclassering'");
  expect_error(compile(one_rule("    types: [einddetentie]\n    recipients: ['gemeente:0001']\n")),
               errc::unknown_recipient, "t.yaml:5:", "0001 is not a current municipality");
  expect_error(compile(one_rule("    types: [einddetentie]\n    recipients: ['partij:{field(detentie/titel)}']\n")),
               errc::unknown_recipient, "t.yaml:5:", "cannot produce any known recipient");
}

TEST(compile, unknown_message_type) {
  expect_error(compile(one_rule("    types: [einddetentie, piVerlofje]\n    recipients: [rvdk]\n")),
               errc::unknown_message_type, "t.yaml:4:", "unknown message type or type group 'piVerlofje'");
  expect_error(compile("version: 1\ntype_groups:\n  g: [idvDetentieverloop, nope]\nrules: []\n"),
               errc::unknown_message_type, "t.yaml:3:", "unknown message type 'nope'");
}

TEST(compile, unknown_or_disallowed_source) {
  expect_error(compile(one_rule("    types: [melding18b]\n    sources: [tulp-gw, tulpgw]\n    recipients: [rvdk]\n")),
               errc::unknown_source, "t.yaml:5:", "unknown source party 'tulpgw'");
  expect_error(compile(one_rule("    types: [melding18b]\n    sources: [jvs]\n    recipients: [rvdk]\n")),
               errc::never_matches, "t.yaml:5:", "none of its sources may send any of its message types");
}

TEST(compile, rules_that_can_never_match) {
  expect_error(compile(one_rule("    types: []\n    recipients: [rvdk]\n")), errc::never_matches,
               "t.yaml:4:", "type list is empty");
  expect_error(
      compile("version: 1\ntype_groups:\n  leeg: []\nrules:\n  - {id: r, types: [leeg], recipients: [rvdk]}\n"),
      errc::never_matches, "t.yaml:5:", "type list is empty");
  expect_error(compile(one_rule("    types: [einddetentie]\n    sources: []\n    recipients: [rvdk]\n")),
               errc::never_matches, "t.yaml:5:", "source list is empty");
  expect_error(compile(one_rule("    types: [einddetentie]\n    when:\n      - {field: detentie/titel, in: []}\n"
                                "    recipients: [rvdk]\n")),
               errc::never_matches, "t.yaml:6:", "'in' an empty set");
  expect_error(compile(one_rule("    types: [einddetentie]\n    when:\n"
                                "      - {field: detentie/titel, eq: x}\n"
                                "      - {field: detentie/titel, ne: x}\n    recipients: [rvdk]\n")),
               errc::never_matches, "t.yaml:7:", "'detentie/titel ne x' contradicts 'detentie/titel eq x' (line 6)");
  expect_error(compile(one_rule("    types: [einddetentie]\n    when:\n"
                                "      - {field: detentie/delicten/delictcategorie, in: [zeden, overig]}\n"
                                "      - {field: detentie/delicten/delictcategorie, not_in: [overig, zeden]}\n"
                                "    recipients: [rvdk]\n")),
               errc::never_matches, "t.yaml:7:", "contradicts");
  expect_error(compile(one_rule("    types: [einddetentie]\n    when:\n"
                                "      - {field: detentie/strafduurDagen, ge: 1y}\n"
                                "      - {field: detentie/strafduurDagen, lt: 300}\n    recipients: [rvdk]\n")),
               errc::never_matches, "t.yaml:", "contradicts");
  expect_error(compile(one_rule("    types: [einddetentie]\n    when:\n"
                                "      - {field: detentie/strafduurDagen, eq: 10}\n"
                                "      - {field: detentie/strafduurDagen, gt: 10}\n    recipients: [rvdk]\n")),
               errc::never_matches, "t.yaml:6:", "contradicts");
  expect_error(compile(one_rule("    types: [einddetentie]\n    when:\n"
                                "      - {field: detentie/titel, present: false}\n"
                                "      - {field: detentie/titel, eq: x}\n    recipients: [rvdk]\n")),
               errc::never_matches, "t.yaml:7:", "contradicts");
  expect_error(compile(one_rule("    types: [einddetentie]\n    when:\n"
                                "      - {fn: minor}\n      - {fn: minor, is: false}\n    recipients: [rvdk]\n")),
               errc::never_matches, "t.yaml:7:", "contradicts");
  // Satisfiable combinations are accepted: several values may each meet one condition.
  EXPECT_TRUE(compile(one_rule("    types: [einddetentie]\n    when:\n"
                               "      - {field: detentie/delicten/delictcategorie, eq: zeden}\n"
                               "      - {field: detentie/delicten/delictcategorie, eq: overig}\n"
                               "    recipients: [rvdk]\n"))
                  .t);
}

TEST(compile, structural_errors) {
  expect_error(compile("rules: []\n"), errc::invalid_rule, "t.yaml:1:", "missing 'version: 1'");
  expect_error(compile("version: 2\nrules: []\n"), errc::invalid_rule, "t.yaml:1:", "unsupported routes file version");
  expect_error(compile("version: 1\nrule: []\n"), errc::invalid_rule, "t.yaml:2:", "unknown top-level key 'rule'");
  expect_error(compile(one_rule("    types: [einddetentie]\n    wen: []\n    recipients: [rvdk]\n")),
               errc::invalid_rule, "t.yaml:5:", "unknown rule key 'wen'");
  expect_error(compile(one_rule("    types: [einddetentie]\n")), errc::invalid_rule,
               "t.yaml:3:", "rule 'r1' has no 'recipients'");
  expect_error(compile(one_rule("    types: [einddetentie]\n    recipients: []\n")), errc::invalid_rule,
               "t.yaml:5:", "non-empty list");
  expect_error(compile("version: 1\nrules:\n  - {id: a, types: [idvDetentieverloop], recipients: [idv]}\n"
                       "  - {id: a, types: [idvDetentieverloop], recipients: [idv]}\n"),
               errc::invalid_rule, "t.yaml:4:", "rule id 'a' already used at line 3");
  expect_error(compile(one_rule("    types: [einddetentie]\n    when:\n      - {field: detentie/titel, eq: a, ne: b}\n"
                                "    recipients: [rvdk]\n")),
               errc::invalid_rule, "t.yaml:6:", "exactly one operator");
  expect_error(
      compile(one_rule("    types: [einddetentie]\n    when:\n      - {field: detentie/strafduurDagen, ge: 1month}\n"
                       "    recipients: [rvdk]\n")),
      errc::invalid_rule, "t.yaml:6:", "neither an integer nor a duration");
  expect_error(compile(one_rule("    types: [einddetentie]\n    feature: nieuw\n    recipients: [rvdk]\n")),
               errc::invalid_rule, "t.yaml:5:", "unknown feature 'nieuw'");
  expect_error(compile(one_rule("    types: [einddetentie]\n    when:\n      - {field: detentie/titel, in: titels}\n"
                                "    recipients: [rvdk]\n")),
               errc::invalid_rule, "t.yaml:6:", "unknown list 'titels'");
  expect_error(
      compile(one_rule("    types: [einddetentie]\n    recipients: ['gemeente:{brp_gemeente | in_list(x)}']\n")),
      errc::invalid_rule, "t.yaml:5:", "unknown list 'x'");
  expect_error(compile(one_rule("    types: [einddetentie]\n    recipients: ['gemeente:{brp_gemeente}{current}']\n")),
               errc::invalid_rule, "t.yaml:5:", "exactly one {...}");
}

TEST(compile, list_files_are_checked_with_their_own_line) {
  const jubes::testing::temp_dir tmp("routing");
  const auto& dir = tmp.path();
  jubes::testing::write_file(dir, "lijst.yaml", "# comment\n- \"0363\"\n- \"0001\"\n");
  const std::string routes =
      "version: 1\nlists:\n  l: {file: lijst.yaml, kind: gemeentecodes}\n"
      "rules:\n  - {id: a, types: [einddetentie], recipients: ['gemeente:{brp_gemeente | current | in_list(l)}']}\n";
  expect_error(compile(routes, context(), dir), errc::unknown_recipient,
               "lijst.yaml:3:", "'0001' is not a current municipality (dissolved; today 1966)");
  jubes::testing::write_file(dir, "lijst.yaml", "- \"0363\"\n");
  auto ok = compile(routes, context(), dir);
  ASSERT_TRUE(ok.t) << ok.error;
  jubes::testing::write_file(dir, "lijst.yaml", "- \"0363\"\n- \"0518\"\n");
  auto changed = compile(routes, context(), dir);
  ASSERT_TRUE(changed.t) << changed.error;
  EXPECT_NE(ok.t->version(), changed.t->version()) << "the version covers list files too";
  std::filesystem::remove(dir / "lijst.yaml");
  expect_error(compile(routes, context(), dir), errc::io_error, "t.yaml:3:", "cannot read list file");
}

TEST(compile, disabled_rules_are_checked_but_not_routed) {
  expect_error(compile(one_rule("    enabled: false\n    types: [einddetentie]\n    recipients: [nobody]\n")),
               errc::unknown_recipient, "t.yaml:6:", "unknown recipient 'nobody'");
  auto o = compile(one_rule("    enabled: false\n    types: [einddetentie]\n    recipients: [rvdk]\n"));
  ASSERT_TRUE(o.t) << o.error;
  message m("einddetentie");
  auto d = o.t->route(m.facts_for(*o.t));
  EXPECT_TRUE(d.recipients.empty());
  EXPECT_NE(o.t->explain(m.facts_for(*o.t)).find("disabled (enabled: false)"), std::string::npos);
}

TEST(compile, needs_a_registry) {
  auto ctx = context();
  ctx.gemeenten = nullptr;
  auto o = compile("version: 1\nrules: []\n", ctx);
  EXPECT_EQ(o.ec, make_error_code(errc::invalid_rule));
}

// ---- forwarding ---------------------------------------------------------------------------------

TEST(compile, forwarding_declares_the_types_a_municipality_may_forward) {
  auto o = compile(
      "version: 1\ntype_groups:\n  leave: [piVerlof, tbsVerlof]\nforwarding:\n  types: [leave, piBeeindiging]\n"
      "rules:\n  - {id: a, types: [idvDetentieverloop], recipients: [idv]}\n");
  ASSERT_TRUE(o.t) << o.error;
  EXPECT_EQ(o.t->forwardable_types(), (strings{"piBeeindiging", "piVerlof", "tbsVerlof"}));
  EXPECT_TRUE(o.t->may_forward("piVerlof"));
  EXPECT_TRUE(o.t->may_forward("piBeeindiging"));
  EXPECT_FALSE(o.t->may_forward("idvDetentieverloop"));
  EXPECT_FALSE(o.t->may_forward(""));
}

TEST(compile, without_forwarding_nothing_may_be_forwarded) {
  auto o = compile(one_rule("    types: [piVerlof]\n    recipients: [rvdk]\n"));
  ASSERT_TRUE(o.t) << o.error;
  EXPECT_TRUE(o.t->forwardable_types().empty());
  EXPECT_FALSE(o.t->may_forward("piVerlof"));
}

TEST(compile, forwarding_errors_have_file_and_line) {
  const std::string rules = "rules:\n  - {id: a, types: [idvDetentieverloop], recipients: [idv]}\n";
  expect_error(compile("version: 1\nforwarding:\n  types: [piVerlof, piVerlofje]\n" + rules),
               errc::unknown_message_type, "t.yaml:3:", "unknown message type or type group 'piVerlofje'");
  expect_error(compile("version: 1\nforwarding:\n  typez: [piVerlof]\n" + rules), errc::invalid_rule,
               "t.yaml:3:", "unknown forwarding key 'typez'");
  expect_error(compile("version: 1\nforwarding: [piVerlof]\n" + rules), errc::invalid_rule,
               "t.yaml:2:", "'forwarding' must be a mapping");
  expect_error(compile("version: 1\nforwarding: {}\n" + rules), errc::invalid_rule,
               "t.yaml:2:", "'forwarding' has no 'types'");
  expect_error(compile("version: 1\nforwarding:\n  types: piVerlof\n" + rules), errc::invalid_rule,
               "t.yaml:3:", "types must be a list");
}

// ---- mailboxes and projections (issue 13) -----------------------------------------------------------

const char* k_proj_head =
    "version: 1\n"
    "projections:\n"
    "  - id: p1\n"
    "    boxes: [gemeente/bij]\n"
    "    types: [piVerlof]\n";

TEST(compile, municipal_recipients_name_a_configured_mailbox) {
  auto ctx = context();
  ctx.municipal_boxes = {"bij", "reintegratie"};
  auto ok = compile(
      one_rule(
          "    types: [piVerlof]\n    recipients: ['gemeente:{verlof_gemeente}/bij', 'gemeente:0363/reintegratie']\n"),
      ctx);
  ASSERT_TRUE(ok.t) << ok.error;
  message m("piVerlof");
  EXPECT_EQ(ok.t->route(m.facts_for(*ok.t)).recipients, (strings{"gemeente:0363/reintegratie", "gemeente:0599/bij"}));
  expect_error(compile(one_rule("    types: [piVerlof]\n    recipients: ['gemeente:{verlof_gemeente}']\n"), ctx),
               errc::unknown_recipient, "t.yaml:5:", "names no mailbox");
  expect_error(compile(one_rule("    types: [piVerlof]\n    recipients: ['gemeente:{verlof_gemeente}/bi']\n"), ctx),
               errc::unknown_recipient, "t.yaml:5:", "unknown mailbox 'bi'");
  expect_error(compile(one_rule("    types: [piVerlof]\n    recipients: ['gemeente:0363/x']\n"), ctx),
               errc::unknown_recipient, "t.yaml:5:", "unknown mailbox 'x'");
  // Without configured boxes (unit tests, older files) a municipality without a box still compiles.
  EXPECT_TRUE(compile(one_rule("    types: [piVerlof]\n    recipients: ['gemeente:{verlof_gemeente}']\n")).t);
}

TEST(compile, projections_compile_and_are_found_by_box_and_type) {
  auto o = compile(std::string(k_proj_head) +
                   "    fields: [persoon/bsn, verlof, 'persoon/brpAdressen/adres[brp_gemeente]']\n"
                   "rules:\n  - id: r1\n    types: [piVerlof]\n    recipients: ['gemeente:{verlof_gemeente}/bij']\n");
  ASSERT_TRUE(o.t) << o.error;
  ASSERT_EQ(o.t->projections().size(), 1u);
  const auto* p = o.t->projection_for("gemeente/bij", "piVerlof");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->id, "p1");
  EXPECT_EQ(p->line, 3);
  EXPECT_EQ(p->fields, (strings{"persoon/bsn", "verlof", "persoon/brpAdressen/adres[brp_gemeente]"}));
  EXPECT_EQ(o.t->projection_for("gemeente/reintegratie", "piVerlof"), nullptr);
}

TEST(compile, a_projection_field_the_schema_cannot_have_is_refused_with_its_line) {
  expect_error(
      compile(std::string(k_proj_head) + "    fields: [persoon/bsn,\n             persoon/kleur]\nrules: []\n"),
      errc::unknown_field, "t.yaml:7:", "field 'persoon/kleur' cannot be supplied");
  expect_error(compile(std::string(k_proj_head) + "    fields: [plan]\nrules: []\n"), errc::unknown_field,
               "t.yaml:6:", "field 'plan' cannot be supplied");
  expect_error(compile(std::string(k_proj_head) + "    fields: ['detentie[brp_gemeente]']\nrules: []\n"),
               errc::unknown_field, "t.yaml:6:", "applies only to persoon/brpAdressen/adres");
  expect_error(compile(std::string(k_proj_head) + "    fields: [a//b]\nrules: []\n"), errc::unknown_field,
               "t.yaml:6:", "malformed field path");
  expect_error(compile(std::string(k_proj_head) + "    fields: [stuurgegevens]\nrules: []\n"), errc::invalid_rule,
               "t.yaml:6:", "always delivered");
  expect_error(compile(std::string(k_proj_head) + "    fields: []\n    colour: red\nrules: []\n"), errc::invalid_rule,
               "t.yaml:7:", "unknown projection key 'colour'");
}

TEST(compile, a_projection_may_name_its_schema_file) {
  auto o = compile(std::string(k_proj_head) +
                   "    schema: schemas/projecties/bij-verlof.xsd\n    fields: [verlof]\nrules: []\n");
  ASSERT_TRUE(o.t) << o.error;
  EXPECT_EQ(o.t->projections()[0].schema, test::conf_dir() / "schemas/projecties/bij-verlof.xsd");
}

TEST(compile, projections_must_cover_every_delivery_exactly_once) {
  expect_error(compile(std::string(k_proj_head) + "    fields: [verlof]\n"
                                                  "rules:\n  - id: r1\n    types: [piVerlof, piRegimefasering]\n"
                                                  "    recipients: ['gemeente:{verlof_gemeente}/bij']\n"),
               errc::invalid_rule,
               "t.yaml:10:", "rule 'r1' delivers piRegimefasering to mailbox gemeente/bij but no projection");
  expect_error(
      compile(std::string(k_proj_head) + "    fields: [verlof]\n"
                                         "rules:\n  - id: r1\n    types: [piVerlof]\n    recipients: [rvdk]\n"),
      errc::invalid_rule, "t.yaml:10:", "delivers piVerlof to mailbox rvdk");
  expect_error(
      compile(std::string(k_proj_head) +
              "    fields: [verlof]\n"
              "  - id: p2\n    boxes: [gemeente/bij, idv]\n    types: [piVerlof]\n    fields: []\nrules: []\n"),
      errc::invalid_rule, "t.yaml:7:", "(gemeente/bij, piVerlof) is already projected by 'p1' at line 3");
  expect_error(compile("version: 1\nprojections:\n  - id: p1\n    boxes: [reclassering]\n    types: [piVerlof]\n"
                       "    fields: []\nrules: []\n"),
               errc::unknown_recipient, "t.yaml:4:", "unknown mailbox 'reclassering'");
}

TEST(compile, unrouted_names_known_types_once_with_a_reason) {
  auto o = compile("version: 1\nunrouted:\n  - {types: [piVerlof], reason: x}\nrules: []\n");
  ASSERT_TRUE(o.t) << o.error;
  message m("piVerlof");
  EXPECT_EQ(o.t->route(m.facts_for(*o.t)).unrouted_reason, "x");
  expect_error(compile("version: 1\nunrouted:\n  - {types: [piVerlofje], reason: x}\nrules: []\n"),
               errc::unknown_message_type, "t.yaml:3:", "piVerlofje");
  expect_error(compile("version: 1\nunrouted:\n  - {types: [piVerlof], reason: x}\n  - {types: [piVerlof], reason: y}\n"
                       "rules: []\n"),
               errc::invalid_rule, "t.yaml:4:", "listed under 'unrouted' twice");
  expect_error(compile("version: 1\nunrouted:\n  - {types: [piVerlof]}\nrules: []\n"), errc::invalid_rule,
               "t.yaml:3:", "needs 'types' and 'reason'");
}

}  // namespace
}  // namespace jubes::routing
