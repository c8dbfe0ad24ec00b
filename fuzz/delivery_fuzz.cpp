// libFuzzer target for issue 12, invariant 1, "accepted => deliverable, byte-faithfully": for any input that the
// validator accepts (the production one, compiled validator first, and the xerces-only one), the outbox batch that
// the real encoder (encode_outbox_batch) builds around it is UTF-8 of XML 1.0 characters, starts with the XML 1.0
// declaration, is well-formed for xerces, and its entry carries the same infoset as the input's root element
// (tests/codecs/delivery_oracle.hpp: names, namespaces and in-scope bindings, attributes, text with references
// resolved, comments and PIs, in order). Aborts otherwise. Seeds: conf/examples, tests/codecs/invalid and
// fuzz/seeds (scripts/fuzz-smoke); dictionary fuzz/codecs.dict.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "codecs/codecs.hpp"
#include "delivery_oracle.hpp"

namespace {

using namespace jubes::codecs;

struct harness {
  xerces_guard guard;  // never destroyed: libFuzzer exits without unwinding
  std::shared_ptr<const schema_catalog> catalog;
  std::unique_ptr<validator> v;
  std::unique_ptr<validator> oracle;  // xerces only
  harness() {
    const std::string dir = std::string(JUBES_SOURCE_DIR) + "/conf/schemas/jubes";
    auto cat = schema_catalog::load({jubes_schema_set(dir)});
    if (!cat) {
      std::fprintf(stderr, "delivery_fuzz: %s\n", cat.error().message().c_str());
      std::abort();
    }
    catalog = *cat;
    semantic_options sem;
    sem.gemeentecode_exists = [](std::string_view c) { return c != "9999"; };
    v = std::make_unique<validator>(catalog, limits{.max_bytes = 1 << 20}, sem);
    oracle = std::make_unique<validator>(catalog, limits{.max_bytes = 1 << 20, .compiled = false}, sem);
  }
};

harness& h() {
  static harness* instance = new harness;
  return *instance;
}

[[noreturn]] void broken(const char* what, std::string_view detail, std::string_view batch) {
  std::fprintf(stderr, "delivery_fuzz: accepted but not delivered faithfully: %s\n%.*s\n--- batch\n%.*s\n", what,
               static_cast<int>(detail.size()), detail.data(), static_cast<int>(batch.size()), batch.data());
  std::abort();
}

// The invariant for one accepted body.
void check_delivery(std::string_view body, std::string_view type) {
  const outbox_entry_view e{1, 7, type, "tulp-gw", 1'764'000'000'000, false, body};
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
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  parsed out;
  fault err;
  if (h().v->parse(body, out, err)) {
    check_delivery(body, out.env.message_type);
  } else if (h().oracle->parse(body, out, err)) {
    check_delivery(body, out.env.message_type);
  }
  return 0;
}
