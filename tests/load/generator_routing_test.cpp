// SPDX-License-Identifier: EUPL-1.2
// The load tool's expected recipients (known by construction, bench/load/generator.hpp) must be what
// the real routing table conf/routes.yaml decides; --verify depends on it.
#include <gtest/gtest.h>

#include "codecs/catalog.hpp"
#include "generator.hpp"
#include "routing/table.hpp"
#include "testing/testing.hpp"

namespace jb = jubes::bench;

namespace {

// Field values by path of local names below the root, for the generator's own simple XML (elements
// and text only, one namespace prefix, no attributes below the root).
std::vector<std::vector<std::string>> extract(const std::string& xml, const std::vector<std::string>& paths) {
  std::vector<std::vector<std::string>> out(paths.size());
  std::vector<std::string> stack;
  std::size_t i = 0;
  std::string text;
  while (i < xml.size()) {
    if (xml[i] != '<') {
      auto n = xml.find('<', i);
      text.append(xml, i, n - i);
      i = n;
      continue;
    }
    auto end = xml.find('>', i);
    std::string tag = xml.substr(i + 1, end - i - 1);
    i = end + 1;
    if (tag.empty() || tag[0] == '?') continue;
    if (tag[0] == '/') {
      if (stack.size() > 1) {
        std::string path;
        for (std::size_t k = 1; k < stack.size(); ++k) path += (k > 1 ? "/" : "") + stack[k];
        for (std::size_t p = 0; p < paths.size(); ++p)
          if (paths[p] == path && !text.empty()) out[p].push_back(text);
      }
      stack.pop_back();
      text.clear();
      continue;
    }
    std::string name = tag.substr(0, tag.find(' '));
    name = name.substr(name.find(':') + 1);
    stack.push_back(name);
    text.clear();
  }
  return out;
}

}  // namespace

TEST(generator_routing, expected_recipients_match_the_default_routing_table) {
  using namespace jubes::routing;
  const auto conf = jubes::testing::source_dir() / "conf";
  auto reg = gemeente_registry::load(conf / "gemeenten.csv");
  ASSERT_TRUE(reg) << reg.error().message();
  compile_context ctx;
  ctx.gemeenten = *reg;
  ctx.named_recipients = {"rvdk", "3ro", "idv", "hvh-almelo"};
  ctx.municipal_boxes = {"bij", "reintegratie"};
  for (const auto& type : jubes::codecs::jubes_message_types()) ctx.message_types.insert(type);
  auto t = table::compile(conf / "routes.yaml", ctx);
  ASSERT_TRUE(t) << t.error().message();
  const auto& tbl = **t;

  jb::generator g({2026, 0, 2048});
  std::map<std::string, int> per_recipient;
  for (int p = 0; p < 4; ++p) {
    for (std::uint64_t s = 0; s < 400; ++s) {
      auto m = g.make(p, s);
      auto fields = extract(m.body, tbl.field_paths());
      facts f{m.type, m.party, &fields};
      auto d = tbl.route(f);
      EXPECT_EQ(d.recipients, m.recipients) << m.type << " " << m.referentienummer << "\n" << tbl.explain(f);
      for (auto& r : d.recipients) ++per_recipient[r];
    }
  }
  // Every recipient the dev PKI knows, every municipal mailbox and probation included, except the subscription
  // nobody generates for, is exercised.
  for (const auto& r : jb::known_recipients())
    if (r != "hvh-almelo") {
      EXPECT_GT(per_recipient[r], 0) << r;
    }
}
