// SPDX-License-Identifier: EUPL-1.2
// Routing decisions per second on extracted fields (no XML): the default table, and generated
// tables of 10 to 10,000 rules to show that dispatch cost stays flat as the table grows.
// Baseline: the bare unordered_map lookup of a message type, the floor of any dispatch.
//   cmake --build BUILD --target routing_bench && BUILD/bench/routing_bench
#include <benchmark/benchmark.h>

#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "codecs/catalog.hpp"
#include "routing/gemeente_registry.hpp"
#include "routing/table.hpp"

namespace {

using jubes::routing::compile_context;
using jubes::routing::facts;
using jubes::routing::gemeente_registry;
using jubes::routing::table;

const std::string k_conf = std::string(JUBES_SOURCE_DIR) + "/conf";

std::shared_ptr<const gemeente_registry> registry() {
  static auto reg = [] {
    auto r = gemeente_registry::load(k_conf + "/gemeenten.csv");
    if (!r) throw std::runtime_error(r.error().message());
    return *r;
  }();
  return reg;
}

// The 14 message types of the family, from the one list (codecs/catalog.hpp).
const std::vector<std::string>& k_types = jubes::codecs::jubes_message_types();

compile_context base_context() {
  compile_context c;
  c.gemeenten = registry();
  c.named_recipients = {"rvdk", "3ro", "idv", "hvh-almelo"};
  for (const auto& t : k_types) c.message_types.insert(t);
  return c;
}

// A message as the codec would extract it, laid out for table `t`.
struct prepared {
  std::string type;
  std::vector<std::vector<std::string>> fields;
  facts f() const { return facts{type, "tulp-gw", &fields}; }
};

prepared prepare(const table& t, std::string type, std::map<std::string, std::vector<std::string>> extra = {}) {
  std::map<std::string, std::vector<std::string>> v{
      {"gebeurtenisdatum", {"2026-12-12"}},
      {"persoon/geboortedatum", {"2009-01-23"}},
      {"persoon/brpAdressen/adres/gemeentecode", {"0518", "1034", "0855"}},
      {"persoon/brpAdressen/adres/begindatum", {"2012-04-01", "2015-01-01", "2021-08-15"}},
      {"persoon/brpAdressen/adres/djiInstelling", {"false", "false", "true"}},
      {"verlof/adres/gemeentecode", {"0599"}},
      {"detentie/instelling/code", {"PI-ALM-01"}},
      {"detentie/delicten/delictcategorie", {"overig", "zeden"}},
      {"detentie/strafduurDagen", {"2191"}},
      {"detentie/onherroepelijk", {"true"}},
  };
  for (auto& [k, x] : extra) v[k] = x;
  prepared p{std::move(type), {}};
  for (const auto& path : t.field_paths()) p.fields.push_back(v.count(path) ? v[path] : std::vector<std::string>{});
  return p;
}

std::shared_ptr<const table> default_table() {
  static auto t = [] {
    auto r = table::compile(k_conf + "/routes.yaml", base_context());
    if (!r) throw std::runtime_error(r.error().message());
    return *r;
  }();
  return t;
}

// n rules over n/5 synthetic types: five rules per type, each with two predicates and a template.
std::string generated_yaml(int n) {
  std::string y = "version: 1\nlists:\n  deelnemers: [\"0363\", \"0518\", \"0599\"]\nrules:\n";
  for (int i = 0; i < n; ++i) {
    y += "  - id: r" + std::to_string(i) + "\n    types: [t" + std::to_string(i / 5) + "]\n    when:\n" +
         "      - {field: detentie/strafduurDagen, ge: " + std::to_string((i % 5) * 100) + "}\n" +
         "      - {field: detentie/delicten/delictcategorie, in: [zeden, ernstig-geweld]}\n" +
         "    recipients: ['gemeente:{brp_gemeente | current | in_list(deelnemers)}', rvdk]\n";
  }
  return y;
}

// Built with append: GCC 12 warns falsely (-Wrestrict) on "t" + std::to_string(i).
std::string type_name(int i) {
  std::string s = "t";
  s.append(std::to_string(i));
  return s;
}

compile_context generated_context(int n) {
  compile_context c = base_context();
  for (int i = 0; i < n / 5; ++i) c.message_types.insert(type_name(i));
  return c;
}

std::shared_ptr<const table> generated_table(int n) {
  static std::map<int, std::shared_ptr<const table>> cache;
  auto& t = cache[n];
  if (!t) {
    auto r = table::compile_text(generated_yaml(n), "generated.yaml", k_conf, generated_context(n));
    if (!r) throw std::runtime_error(r.error().message());
    t = *r;
  }
  return t;
}

void BM_baseline_type_lookup(benchmark::State& state) {
  std::unordered_map<std::string, int> m;
  for (std::size_t i = 0; i < k_types.size(); ++i) m.emplace(k_types[i], static_cast<int>(i));
  std::size_t i = 0;
  for (auto _ : state) {
    auto it = m.find(k_types[i++ % k_types.size()]);
    benchmark::DoNotOptimize(it);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_baseline_type_lookup);

// All 14 message types in turn, with fields that make every rule evaluate its predicates.
void BM_default_table_mix(benchmark::State& state) {
  auto t = default_table();
  std::vector<prepared> msgs;
  for (const auto& type : k_types) msgs.push_back(prepare(*t, type));
  std::size_t i = 0;
  for (auto _ : state) {
    auto d = t->route(msgs[i++ % msgs.size()].f());
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_default_table_mix);

// One type at a time: 0 = piBeeindiging (BIJ), 8 = eersteInschrijving (18a, three rules), 13 = IDV.
void BM_default_table_type(benchmark::State& state) {
  auto t = default_table();
  prepared m = prepare(*t, k_types[state.range(0)]);
  state.SetLabel(m.type);
  for (auto _ : state) {
    auto d = t->route(m.f());
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_default_table_type)->Arg(0)->Arg(8)->Arg(13);

// A parked message: the second, reason-collecting evaluation is the price of parking.
void BM_default_table_parked(benchmark::State& state) {
  auto t = default_table();
  prepared m = prepare(*t, "piBeeindiging", {{"detentie/delicten/delictcategorie", {"overig"}}});
  for (auto _ : state) {
    auto d = t->route(m.f());
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_default_table_parked);

// Generated tables: the routed type has five rules whatever the table size, so the time per
// decision must not grow with the total number of rules.
void BM_generated_table(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  auto t = generated_table(n);
  std::vector<prepared> msgs;
  for (int k = 0; k < 64; ++k) msgs.push_back(prepare(*t, type_name((k * 7919) % (n / 5))));
  std::size_t i = 0;
  for (auto _ : state) {
    auto d = t->route(msgs[i++ % msgs.size()].f());
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["rules"] = static_cast<double>(t->rule_count());
}
BENCHMARK(BM_generated_table)->RangeMultiplier(10)->Range(10, 10000);

void BM_compile_generated(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  std::string yaml = generated_yaml(n);
  compile_context c = generated_context(n);
  for (auto _ : state) {
    auto r = table::compile_text(yaml, "generated.yaml", k_conf, c);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_compile_generated)->Arg(10000)->Unit(benchmark::kMillisecond)->Iterations(3);

void BM_explain_default(benchmark::State& state) {
  auto t = default_table();
  prepared m = prepare(*t, "einddetentie");
  for (auto _ : state) {
    auto s = t->explain(m.f());
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_explain_default);

}  // namespace

BENCHMARK_MAIN();
