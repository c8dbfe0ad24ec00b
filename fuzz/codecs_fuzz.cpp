// SPDX-License-Identifier: EUPL-1.2
// libFuzzer target for the codec's parse entry point: any byte string must give either a parsed message or a
// fault with a cause, never a crash, a leak or undefined behaviour. Each input also goes through the embedding
// and reply helpers that see untrusted text. Differential: the same bytes go through a validator forced onto
// xerces (the oracle); the verdict, the fault code and position, and the extracted envelope and fields must be
// the same as the compiled validator's, or the target aborts. Seeds: conf/examples, tests/codecs/invalid and
// fuzz/seeds (mutations: prefixes, CDATA, references, comments, PIs); dictionary fuzz/codecs.dict
// (scripts/fuzz-smoke).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "codecs/codecs.hpp"
#include "validators.hpp"

namespace {

using namespace jubes::codecs;

struct harness : fuzz::xerces_up, fuzz::validators {
  field_set fields{{"persoon/bsn", "persoon/brpAdressen/adres/gemeentecode", "detentie/delicten/delictcategorie",
                    "verlof/adres/gemeentecode", "plan/inhoud"}};
  harness() : fuzz::validators(fuzz::load_validators("codecs_fuzz", true)) {
    if (catalog->compiled_status("jubes") != "compiled") {
      std::fprintf(stderr, "codecs_fuzz: the jubes set did not compile: %s\n",
                   catalog->compiled_status("jubes").c_str());
      std::abort();
    }
  }
};

harness& h();

bool same_envelope(const envelope& a, const envelope& b) {
  return a.message_type == b.message_type && a.ns == b.ns && a.schema_set == b.schema_set &&
         a.berichtcode == b.berichtcode && a.zender_organisatie == b.zender_organisatie &&
         a.zender_applicatie == b.zender_applicatie && a.zender_administratie == b.zender_administratie &&
         a.zender_gebruiker == b.zender_gebruiker && a.ontvanger_organisatie == b.ontvanger_organisatie &&
         a.ontvanger_applicatie == b.ontvanger_applicatie && a.ontvanger_administratie == b.ontvanger_administratie &&
         a.ontvanger_gebruiker == b.ontvanger_gebruiker && a.referentienummer == b.referentienummer &&
         a.tijdstip_bericht == b.tijdstip_bericht && a.cross_refnummer == b.cross_refnummer;
}

// Aborts (a libFuzzer finding) when the compiled validator and xerces disagree on `body`.
void differential(std::string_view body, bool ok, const parsed& out, const fault& err) {
  parsed o;
  fault e;
  const bool ok_oracle = h().oracle->parse(body, h().fields, o, e);
  bool same = ok == ok_oracle;
  if (same && ok) same = same_envelope(out.env, o.env) && out.fields == o.fields;
  if (same && !ok) {
    same = err.code == e.code && err.line == e.line && err.column == e.column && err.element_path == e.element_path;
  }
  if (!same) {
    std::fprintf(stderr, "codecs_fuzz: compiled validator (%s, %s) and xerces (%s, %s) disagree\n",
                 ok ? "valid" : to_string(err.code), h().v->last_engine() == engine::compiled ? "compiled" : "xerces",
                 ok_oracle ? "valid" : to_string(e.code), e.text.c_str());
    std::abort();
  }
}

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
  const bool ok = h().v->parse(body, h().fields, out, err);
  differential(body, ok, out, err);
  if (ok) {
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
