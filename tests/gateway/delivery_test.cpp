// SPDX-License-Identifier: EUPL-1.2
// Issue 12, invariant 1, through the real handlers and a real store: every variant of a valid example (encodings,
// BOMs, XML declarations, references, comments and PIs around and inside the root, trailing bytes) is either
// refused at ingest with 400/415 and a cause, or accepted (201) and then polled by its recipient in a batch that
// is well-formed UTF-8 XML 1.0 whose entry carries the same infoset as the message; GET returns the bytes as sent.
#include <gtest/gtest.h>

#include <map>

#include "api_fixture.hpp"
#include "delivery_oracle.hpp"
#include "handlers/handler.hpp"

namespace jubes::gateway::detail {
namespace {

using v = http::verb;
namespace ct = codecs::test;

// Replaces ASCII `from` by `to` (same length) where it appears in `bytes` as 8-bit text or as UTF-16LE/BE.
void replace_ascii(std::string& bytes, const std::string& from, const std::string& to) {
  auto widen = [](const std::string& s, bool le) {
    std::string w;
    for (const char c : s) {
      w += le ? c : '\0';
      w += le ? '\0' : c;
    }
    return w;
  };
  for (const auto& [f, t] : {std::pair{from, to}, std::pair{widen(from, true), widen(to, true)},
                             std::pair{widen(from, false), widen(to, false)}}) {
    for (std::size_t p = 0; (p = bytes.find(f, p)) != std::string::npos; p += t.size()) bytes.replace(p, f.size(), t);
  }
}

// This property is about embedding as sent, so the table here declares no projections (the default routes file
// without its `projections:` section): the recipient gets the message as sent. Projections have their own tests
// (tests/codecs/projection_test.cpp, the need-to-know handler tests below and tests/e2e/needtoknow_test.cpp).
class delivery : public api_fixture {
  void tune(config& c) override {
    const auto conf = jubes::testing::source_dir() / "conf";
    std::string routes = jubes::testing::read_file(conf / "routes.yaml");
    const auto from = routes.find("\nprojections:"), to = routes.find("\nrules:");
    ASSERT_NE(from, std::string::npos);
    routes.erase(from, to - from);
    const auto dir = dir_.path() / "conf";
    std::filesystem::create_directories(dir);
    jubes::testing::write_file(dir, "bij-deelnemers.yaml", jubes::testing::read_file(conf / "bij-deelnemers.yaml"));
    jubes::testing::write_file(dir, "gemeente-splitsingen.yaml",
                               jubes::testing::read_file(conf / "gemeente-splitsingen.yaml"));
    c.routes_file = jubes::testing::write_file(dir, "routes.yaml", routes);
  }
};

TEST_F(delivery, every_variant_accepted_at_ingest_is_polled_with_the_same_infoset) {
  const std::string ref = "TULP-2026-0000184213";
  const auto variants = ct::delivery_variants(example("piBeeindiging"));
  std::map<std::string, std::size_t> accepted;  // message id -> variant
  std::size_t refused = 0;
  for (std::size_t i = 0; i < variants.size(); ++i) {
    std::string body = variants[i].bytes;
    std::string mine = std::to_string(i);
    mine = "TULP-2026-V" + std::string(ref.size() - 11 - mine.size(), '0') + mine;
    replace_ascii(body, ref, mine);
    auto r = run(handle_ingest, make_request(v::post, "/v1/messages", body), who("tulp-gw"));
    if (r.result_int() == 201) {
      const std::string loc(r[http::field::location]);
      const std::string id = loc.substr(loc.rfind('/') + 1);
      accepted[id] = i;
      auto got = run(handle_get_message, make_request(v::get, loc), who("tulp-gw"), std::stoull(id));
      EXPECT_EQ(got.body(), body) << variants[i].name << ": GET does not return the bytes as sent";
      continue;
    }
    ++refused;
    EXPECT_TRUE(r.result_int() == 400 || r.result_int() == 415) << variants[i].name << ": " << r.result_int();
    EXPECT_NE(r.body().find("Fo03"), std::string::npos) << variants[i].name << ": " << r.body();
  }
  ASSERT_GT(accepted.size(), 100u);
  EXPECT_GT(refused, 10u);

  // Poll gemeente:0363/bij's outbox to the end: every accepted message once, each faithful.
  const auto me = who("gemeente:0363/bij");
  std::string after = "0";
  std::size_t seen = 0;
  for (;;) {
    auto batch = run(handle_poll, make_request(v::get, "/v1/outbox?max=100&after=" + after), me);
    ASSERT_EQ(batch.result_int(), 200u);
    const std::string& xml = batch.body();
    ASSERT_TRUE(ct::is_xml10_utf8(xml));
    ASSERT_EQ(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", 0), 0u);
    std::size_t k = 0;
    for (std::size_t p = xml.find("<entry seq=\""); p != std::string::npos; p = xml.find("<entry seq=\"", p + 1), ++k) {
      const std::size_t seq = p + 12, id = xml.find("id=\"", seq) + 4;
      after = xml.substr(seq, xml.find('"', seq) - seq);
      const std::string message_id = xml.substr(id, xml.find('"', id) - id);
      const auto found = accepted.find(message_id);
      ASSERT_NE(found, accepted.end()) << "an entry nobody accepted: id " << message_id;
      const std::string sent = run(handle_get_message, make_request(v::get, "/v1/messages/" + found->first),
                                   who("tulp-gw"), std::stoull(found->first))
                                   .body();
      const auto want = ct::root_infoset(sent);
      const auto got = ct::entry_infoset(xml, k);
      ASSERT_TRUE(got.ok) << got.error;
      EXPECT_EQ(ct::first_difference(want.dump, got.dump), "") << variants[found->second].name;
      ++seen;
    }
    if (k == 0) break;
  }
  EXPECT_EQ(seen, accepted.size());
}

}  // namespace
}  // namespace jubes::gateway::detail
