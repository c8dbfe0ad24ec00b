// SPDX-License-Identifier: EUPL-1.2
// codecs benchmark: the codec's one pass (validate + extract envelope and routing fields + semantic checks), with
// the compiled validator (the default) and forced onto xerces (limits::compiled = false, the previous path),
// beside a raw xerces validating SAX2 parse of the same bytes against the same locked grammar pool (the baseline),
// for a ~2 KiB notice and a ~1 MiB re-integration plan. Figures and the command: docs/BENCHMARKS.md.
#include <benchmark/benchmark.h>

#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <xercesc/framework/MemBufInputSource.hpp>
#include <xercesc/framework/XMLGrammarPoolImpl.hpp>
#include <xercesc/parsers/SAX2XMLReaderImpl.hpp>
#include <xercesc/sax2/DefaultHandler.hpp>
#include <xercesc/util/PlatformUtils.hpp>
#include <xercesc/util/XMLUni.hpp>

#include "codecs/codecs.hpp"

namespace {

namespace x = xercesc;
using namespace jubes::codecs;

std::string read_file(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string strip_comment(std::string s) {
  const auto b = s.find("<!--");
  if (b != std::string::npos) s.erase(b, s.find("-->", b) + 4 - b);
  return s;
}

// Inputs, built once outside the timed loops.
struct inputs {
  std::string notice;  // piBeeindiging example without its comment
  std::string plan;    // reintegratieplan with ~760 KiB of document (~1 MiB of base64)
  std::shared_ptr<const schema_catalog> catalog;
  std::unique_ptr<x::XMLGrammarPool> raw_pool;  // the same jubes schemas, loaded by plain xerces calls
  field_set fields{{"persoon/bsn", "persoon/brpAdressen/adres/gemeentecode", "persoon/brpAdressen/adres/begindatum",
                    "persoon/brpAdressen/adres/djiInstelling", "detentie/delicten/delictcategorie",
                    "detentie/onherroepelijk", "detentie/strafduurDagen", "verlof/adres/gemeentecode",
                    "persoon/geboortedatum"}};
};

inputs& in() {
  static inputs* i = [] {
    auto* p = new inputs;
    const std::string root = JUBES_SOURCE_DIR;
    p->notice = strip_comment(read_file(root + "/conf/examples/piBeeindiging.xml"));
    std::string plan = strip_comment(read_file(root + "/conf/examples/reintegratieplan.xml"));
    std::mt19937 rng(42);
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string content;
    for (std::size_t i = 0; i < 1024 * 1024 - 3000; ++i) {
      content.push_back(b64[rng() % 64]);
      if (i % 76 == 75) content.push_back('\n');
    }
    while ((content.size() - std::count(content.begin(), content.end(), '\n')) % 4 != 0) content.push_back('A');
    const auto b = plan.find("<dti:inhoud>") + 12;
    plan.replace(b, plan.find("</dti:inhoud>") - b, content);
    p->plan = std::move(plan);
    auto cat = schema_catalog::load({jubes_schema_set(root + "/conf/schemas/jubes")});
    if (!cat) throw std::runtime_error(cat.error().message());
    p->catalog = *cat;
    p->raw_pool = std::make_unique<x::XMLGrammarPoolImpl>(x::XMLPlatformUtils::fgMemoryManager);
    {
      x::SAX2XMLReaderImpl loader(x::XMLPlatformUtils::fgMemoryManager, p->raw_pool.get());
      loader.setFeature(x::XMLUni::fgXercesHandleMultipleImports, true);
      loader.loadGrammar((root + "/conf/schemas/jubes/jubes0100.xsd").c_str(), x::Grammar::SchemaGrammarType, true);
    }
    p->raw_pool->lockPool();
    return p;
  }();
  return *i;
}

// The codec: prescan, validating parse, envelope + 9 routing fields, BSN/date/gemeentecode checks.
void codec_parse(benchmark::State& state, const std::string& body, bool compiled) {
  semantic_options sem;
  sem.gemeentecode_exists = [](std::string_view c) { return c.size() == 4; };
  validator v(in().catalog, limits{.compiled = compiled}, sem);
  parsed out;
  fault err;
  if (!v.parse(body, in().fields, out, err)) state.SkipWithError(err.text.c_str());
  if ((v.last_engine() == engine::compiled) != compiled) state.SkipWithError("not the engine asked for");
  for (auto _ : state) {
    const bool ok = v.parse(body, in().fields, out, err);
    benchmark::DoNotOptimize(ok);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
  state.counters["bytes"] = static_cast<double>(body.size());
}

// Baseline: a plain xerces validating SAX2 parse, reused parser, no-op handler, same locked pool.
void raw_xerces(benchmark::State& state, const std::string& body) {
  x::DefaultHandler handler;
  x::SAX2XMLReaderImpl parser(x::XMLPlatformUtils::fgMemoryManager, in().raw_pool.get());
  parser.setFeature(x::XMLUni::fgSAX2CoreNameSpaces, true);
  parser.setFeature(x::XMLUni::fgSAX2CoreValidation, true);
  parser.setFeature(x::XMLUni::fgXercesDynamic, false);
  parser.setFeature(x::XMLUni::fgXercesSchema, true);
  parser.setFeature(x::XMLUni::fgXercesUseCachedGrammarInParse, true);
  parser.setFeature(x::XMLUni::fgXercesLoadSchema, false);
  parser.setContentHandler(&handler);
  parser.setErrorHandler(&handler);
  for (auto _ : state) {
    x::MemBufInputSource src(reinterpret_cast<const XMLByte*>(body.data()), body.size(), "bench", false);
    parser.parse(src);
    benchmark::DoNotOptimize(parser.getErrorCount());
  }
  if (parser.getErrorCount() != 0) state.SkipWithError("raw parse reported errors");
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
  state.counters["bytes"] = static_cast<double>(body.size());
}

void BM_codec_notice(benchmark::State& s) {
  codec_parse(s, in().notice, true);
}
void BM_codec_xerces_notice(benchmark::State& s) {
  codec_parse(s, in().notice, false);
}
void BM_raw_xerces_notice(benchmark::State& s) {
  raw_xerces(s, in().notice);
}
void BM_codec_plan(benchmark::State& s) {
  codec_parse(s, in().plan, true);
}
void BM_codec_xerces_plan(benchmark::State& s) {
  codec_parse(s, in().plan, false);
}
void BM_raw_xerces_plan(benchmark::State& s) {
  raw_xerces(s, in().plan);
}

BENCHMARK(BM_raw_xerces_notice)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_codec_xerces_notice)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_codec_notice)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_raw_xerces_plan)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_codec_xerces_plan)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_codec_plan)->Unit(benchmark::kMillisecond);

// Reply encoding, for completeness (the gateway encodes one reply per request).
void BM_encode_bv03(benchmark::State& state) {
  receipt_info r{"01JDX5M0000000000000000001",
                 "20261129103015123",
                 {"JUSTID", "JUBES", "", ""},
                 {"DJI", "TULP-GW", "", ""},
                 "TULP-2026-0000184213"};
  for (auto _ : state) benchmark::DoNotOptimize(encode_bv03(r));
}
BENCHMARK(BM_encode_bv03)->Unit(benchmark::kMicrosecond);

// Delivery: one outbox entry of the ~2 KiB notice as the message was sent (the baseline: embed only) and as the
// BIJ box's projection (embed + project: identity, dates, institution, offences, the deciding address), the
// way handlers/poll.cpp writes each entry. The ratio projected/plain is the cost of need-to-know per entry.
const projection& bij_einde() {
  static const projection p = [] {
    std::vector<std::string> f{"gebeurtenisdatum",
                               "persoon/bsn",
                               "persoon/voornamen",
                               "persoon/voorvoegsel",
                               "persoon/geslachtsnaam",
                               "persoon/geboortedatum",
                               "persoon/brpAdressen/adres[brp_gemeente]",
                               "detentie/instelling",
                               "detentie/titel",
                               "detentie/begindatum",
                               "detentie/geplandEinddatum",
                               "detentie/feitelijkeEinddatum",
                               "detentie/delicten",
                               "detentie/onherroepelijk"};
    auto r = projection::make(f);
    if (!r) throw std::runtime_error(r.error().message());
    return *r;
  }();
  return p;
}
void outbox_entry(benchmark::State& state, const std::string& body, const projection* view) {
  std::string out;
  std::uint64_t seq = 0;
  for (auto _ : state) {
    out.clear();
    append_outbox_entry(
        out, {++seq, seq, "piBeeindiging", "tulp-gw", 1764400000000, false, body, 0, delivery_link::none, 0, view});
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["entry_bytes"] = static_cast<double>(out.size());
}
void BM_outbox_entry_plain_notice(benchmark::State& s) {
  outbox_entry(s, in().notice, nullptr);
}
void BM_outbox_entry_projected_notice(benchmark::State& s) {
  outbox_entry(s, in().notice, &bij_einde());
}
BENCHMARK(BM_outbox_entry_plain_notice)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_outbox_entry_projected_notice)->Unit(benchmark::kMicrosecond);

}  // namespace

int main(int argc, char** argv) {
  xerces_guard guard;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
