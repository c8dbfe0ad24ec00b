// SPDX-License-Identifier: EUPL-1.2
// libFuzzer target for issue 12, invariant 1, "accepted => deliverable, byte-faithfully": for any input that the
// validator accepts (the production one, compiled validator first, and the xerces-only one), the outbox batch that
// the real encoder (encode_outbox_batch) builds around it is UTF-8 of XML 1.0 characters, starts with the XML 1.0
// declaration, is well-formed for xerces, and its entry carries the same infoset as the input's root element
// (tests/codecs/delivery_oracle.hpp: names, namespaces and in-scope bindings, attributes, text with references
// resolved, comments and PIs, in order). Aborts otherwise. Each input is checked as it is and, made into a change
// to a valid example, once more (see LLVMFuzzerTestOneInput). Seeds: conf/examples, tests/codecs/invalid and
// fuzz/seeds (scripts/fuzz-smoke); dictionary fuzz/codecs.dict.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "codecs/codecs.hpp"
#include "delivery_oracle.hpp"
#include "validators.hpp"

namespace {

using namespace jubes::codecs;

struct harness : fuzz::xerces_up, fuzz::validators {
  std::vector<std::string> examples;  // conf/examples, one per message type
  harness() : fuzz::validators(fuzz::load_validators("delivery_fuzz", false)) {
    for (const auto& type : jubes_message_types()) {
      std::ifstream in(std::string(JUBES_SOURCE_DIR) + "/conf/examples/" + type + ".xml", std::ios::binary);
      examples.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
      if (examples.back().empty()) {
        std::fprintf(stderr, "delivery_fuzz: conf/examples/%s.xml is missing\n", type.c_str());
        std::abort();
      }
    }
  }
};

harness& h() {
  static harness* instance = new harness;
  return *instance;
}

// How many inputs reached the property (the validator accepted them), printed at exit: a run that accepts almost
// nothing checks almost nothing.
std::uint64_t inputs = 0, accepted = 0;

void report() {
  std::fprintf(stderr, "delivery_fuzz: %llu inputs, %llu accepted and delivered faithfully\n",
               static_cast<unsigned long long>(inputs), static_cast<unsigned long long>(accepted));
}

[[noreturn]] void broken(const char* what, std::string_view detail, std::string_view batch) {
  std::fprintf(stderr, "delivery_fuzz: accepted but not delivered faithfully: %s\n%.*s\n--- batch\n%.*s\n", what,
               static_cast<int>(detail.size()), detail.data(), static_cast<int>(batch.size()), batch.data());
  std::abort();
}

// The invariant for one accepted body.
void check_delivery(std::string_view body, std::string_view type) {
  const outbox_entry_view e{1, 7, type, "tulp-gw", 1'764'000'000'000, false, body, 0, delivery_link::none, 0};
  const std::string batch = encode_outbox_batch("gemeente:0363", 0, std::span(&e, 1));
  constexpr std::string_view header = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";
  if (batch.substr(0, header.size()) != header) broken("no XML 1.0 UTF-8 declaration", "", batch);
  if (!jubes::codecs::test::is_xml10_utf8(batch)) broken("not UTF-8 of XML 1.0 characters", "", batch);
  const auto want = jubes::codecs::test::root_infoset(body);
  if (!want.ok) broken("the oracle cannot read the accepted input", want.error, batch);
  const auto got = jubes::codecs::test::entry_infoset(batch, 0);
  if (!got.ok) broken("the batch is not well-formed", got.error, batch);
  if (got.dump != want.dump) broken("the infoset differs", "--- input\n" + want.dump + "--- entry\n" + got.dump, batch);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  h();
  std::atexit(report);
  return 0;
}

namespace {

// The property for one document: if either validator accepts it, it must be delivered faithfully.
void one(std::string_view body) {
  parsed out;
  fault err;
  ++inputs;
  if (h().v->parse(body, out, err) || h().oracle->parse(body, out, err)) {
    check_delivery(body, out.env.message_type);
    ++accepted;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  one(body);
  // Most mutations of a whole document are refused, and a refusal checks nothing. So the input is also used as a
  // change to a valid example (delivery_oracle.hpp, make_variant): the first byte picks the example, the second
  // where the rest goes (inside a value, before or after the root, inside its start tag), the XML declaration and
  // the encoding; most of those are accepted and reach the property.
  if (size >= 2 && !h().examples.empty()) {
    const auto pick = static_cast<unsigned>(data[0]), how = static_cast<unsigned>(data[1]);
    const std::string v = jubes::codecs::test::make_variant(h().examples[pick % h().examples.size()], body.substr(2),
                                                            how, how / 4, how / 16);
    if (!v.empty()) one(v);
  }
  return 0;
}
