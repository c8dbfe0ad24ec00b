// libFuzzer target for the codec's parse entry point: any byte string must give either a parsed message or a
// fault with a cause, never a crash, a leak or undefined behaviour. Each input also goes through the embedding
// and reply helpers that see untrusted text. Seeds: conf/examples and tests/codecs/invalid (scripts/fuzz-smoke).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "codecs/codecs.hpp"

namespace {

using namespace jubes::codecs;

struct harness {
  xerces_guard guard;  // never destroyed: libFuzzer exits without unwinding
  std::shared_ptr<const schema_catalog> catalog;
  std::unique_ptr<validator> v;
  field_set fields{{"persoon/bsn", "persoon/brpAdressen/adres/gemeentecode", "detentie/delicten/delictcategorie",
                    "verlof/adres/gemeentecode", "plan/inhoud"}};
  harness() {
    const std::string dir = std::string(JUBES_SOURCE_DIR) + "/conf/schemas/jubes";
    auto cat = schema_catalog::load({jubes_schema_set(dir), replies_schema_set(dir)});
    if (!cat) {
      std::fprintf(stderr, "codecs_fuzz: %s\n", cat.error().message().c_str());
      std::abort();
    }
    catalog = *cat;
    semantic_options sem;
    sem.gemeentecode_exists = [](std::string_view c) { return c != "9999"; };
    v = std::make_unique<validator>(catalog, limits{.max_bytes = 1 << 20}, sem);
  }
};

harness& h() {
  static harness* instance = new harness;
  return *instance;
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
  if (h().v->parse(body, h().fields, out, err)) {
    if (out.env.message_type.empty() || out.env.schema_set.empty()) std::abort();
    if (out.fields.size() != h().fields.paths().size()) std::abort();
    receipt_info r;
    r.message_id = out.env.referentienummer;
    r.cross_ref = out.env.referentienummer;
    r.zender = {"JUSTID", "JUBES", "", ""};
    r.ontvanger = zender_of(out.env);
    (void)encode_bv03(r);
  } else {
    if (err.text.empty()) std::abort();
    fault_reply_info f;
    f.code = "StUF055";  // the code is the gateway's mapping (error_map.cpp); any fixed one exercises the encoder
    f.omschrijving = err.text;
    f.line = err.line;
    f.column = err.column;
    f.element_path = err.element_path;
    f.zender = {"JUSTID", "JUBES", "", ""};
    (void)encode_fo03(f);
  }
  (void)embeddable_body(body);
  (void)escaped(body);
  return 0;
}
