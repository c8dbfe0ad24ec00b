// SPDX-License-Identifier: EUPL-1.2
// Issue 14, corrections and withdrawals by StUF crossRefnummer, against the real jubesd over mTLS
// on both backends (e2e_supersede_test, e2e_supersede_test_pg; docs/MESSAGES.md, "Corrections and
// withdrawals"): a correction before the recipient polled replaces the notice (one current notice
// plus a superseded marker without body), after the poll it is delivered as related; a withdrawal;
// the same correction twice is one, a conflicting one 409, a second correction of the same notice
// 409; an unknown, foreign or missing crossRefnummer is 400 with the reason.
#include <gtest/gtest.h>

#include <regex>

#include "fixture.hpp"
#include "support.hpp"

namespace jubes::e2e {
namespace {

/// conf/examples/piBeeindiging.xml (to gemeente:0363) with referentienummer `ref`; with `soort` a
/// mutatiesoort (parameters) and `cross` a crossRefnummer; `end` its end dates.
std::string notice(const std::string& ref, const std::string& soort = "", const std::string& cross = "",
                   const std::string& end = "2026-11-28") {
  std::string xml = with_ref(example("piBeeindiging"), ref);
  if (!cross.empty())
    xml = std::regex_replace(xml, std::regex("</dti:tijdstipBericht>"),
                             "</dti:tijdstipBericht><dti:crossRefnummer>" + cross + "</dti:crossRefnummer>");
  if (!soort.empty())
    xml = std::regex_replace(
        xml, std::regex("</dti:stuurgegevens>"),
        "</dti:stuurgegevens><dti:parameters><dti:mutatiesoort>" + soort + "</dti:mutatiesoort></dti:parameters>");
  return std::regex_replace(xml, std::regex("Einddatum>2026-11-28<"), "Einddatum>" + end + "<");
}

class supersede : public started_gateway {
 protected:
  /// POST as `party`. @return status and the message id of the receipt's Location ("" if none)
  std::pair<unsigned, std::string> post(const std::string& xml, const std::string& party = "tulp-gw") {
    auto c = d_->client_for(party);
    auto r = c.request("POST", "/v1/messages", xml);
    if (!r) return {0, ""};
    last_body_ = r->body;
    auto loc = r->header("Location");
    return {r->status, loc.empty() ? "" : loc.substr(loc.rfind('/') + 1)};
  }
  std::string poll(std::uint64_t after) {
    auto c = d_->client_for(box_);
    auto r = c.request("GET", "/v1/outbox?after=" + std::to_string(after) + "&max=50");
    return r ? r->body : "";
  }
  unsigned ack(std::uint64_t upto) {
    auto c = d_->client_for(box_);
    auto r = c.request("POST", "/v1/outbox/ack?upto=" + std::to_string(upto));
    return r ? r->status : 0;
  }
  static bool has(const std::string& s, const std::string& what) { return s.find(what) != std::string::npos; }
  std::string box_ = "gemeente:0363/bij";
  std::string last_body_;
};

TEST_F(supersede, a_correction_before_the_poll_replaces_the_notice_after_it_is_related) {
  auto [s1, e] = post(notice("SUP-1"));
  ASSERT_EQ(s1, 201u) << last_body_;
  auto [s2, c] = post(notice("SUP-2", "C", "SUP-1", "2026-12-03"));
  ASSERT_EQ(s2, 201u) << last_body_;

  // One current notice plus a superseded marker without body.
  std::string b = poll(0);
  EXPECT_TRUE(has(b, "count=\"2\"")) << b;
  EXPECT_TRUE(std::regex_search(b, std::regex("<entry seq=\"1\" id=\"" + e + "\"[^>]* supersededBy=\"" + c + "\"/>")))
      << b;
  EXPECT_TRUE(std::regex_search(b, std::regex("<entry seq=\"2\" id=\"" + c + "\"[^>]* relatesTo=\"" + e + "\">"))) << b;
  EXPECT_TRUE(has(b, "2026-12-03")) << b;
  EXPECT_FALSE(has(b, "Einddatum>2026-11-28<")) << b;  // the old notice's body is not delivered

  // Exactly once: the same correction again is the original receipt; other content is 409.
  auto [s3, again] = post(notice("SUP-2", "C", "SUP-1", "2026-12-03"));
  EXPECT_EQ(s3, 200u);
  EXPECT_EQ(again, c);
  EXPECT_EQ(post(notice("SUP-2", "C", "SUP-1", "2026-12-04")).first, 409u);
  // A second correction of the same notice: 409, naming the correction to refer to.
  EXPECT_EQ(post(notice("SUP-3", "C", "SUP-1", "2026-12-05")).first, 409u);
  EXPECT_TRUE(has(last_body_, "by message " + c)) << last_body_;
  EXPECT_TRUE(has(poll(0), "count=\"2\""));

  // After the poll (acknowledged), a correction of the correction is delivered as related.
  ASSERT_EQ(ack(2), 200u);
  auto [s4, c2] = post(notice("SUP-3", "W", "SUP-2", "2026-12-06"));
  ASSERT_EQ(s4, 201u) << last_body_;
  b = poll(2);
  EXPECT_TRUE(has(b, "count=\"1\"")) << b;
  EXPECT_TRUE(std::regex_search(b, std::regex("<entry seq=\"3\" id=\"" + c2 + "\"[^>]* relatesTo=\"" + c + "\">")))
      << b;
  EXPECT_TRUE(has(b, "2026-12-06")) << b;
}

TEST_F(supersede, a_withdrawal_removes_the_unfetched_notice) {
  auto [s1, e] = post(notice("WD-1"));
  ASSERT_EQ(s1, 201u);
  auto [s2, w] = post(notice("WD-2", "V", "WD-1"));
  ASSERT_EQ(s2, 201u) << last_body_;
  std::string b = poll(0);
  EXPECT_TRUE(std::regex_search(b, std::regex("<entry seq=\"1\" id=\"" + e + "\"[^>]* withdrawnBy=\"" + w + "\"/>")))
      << b;
  EXPECT_TRUE(std::regex_search(b, std::regex("<entry seq=\"2\" id=\"" + w + "\"[^>]* relatesTo=\"" + e + "\">"))) << b;
  EXPECT_EQ(post(notice("WD-3", "C", "WD-1")).first, 409u);  // withdrawn: nothing left to correct
  EXPECT_TRUE(has(last_body_, "withdrawn")) << last_body_;
}

TEST_F(supersede, bad_references_are_400_with_the_reason_and_change_nothing) {
  ASSERT_EQ(post(notice("BAD-1")).first, 201u);
  EXPECT_EQ(post(notice("BAD-2", "C", "NO-SUCH-REF")).first, 400u);
  EXPECT_TRUE(has(last_body_, "NO-SUCH-REF")) << last_body_;
  EXPECT_TRUE(has(last_body_, "names no message of tulp-gw")) << last_body_;
  // Another source's referentienummer is unknown to this source.
  std::string foreign = std::regex_replace(notice("BAD-3", "V", "BAD-1"), std::regex("TULP-GW"), "SELECTIE");
  EXPECT_EQ(post(foreign, "selectie").first, 400u);
  EXPECT_TRUE(has(last_body_, "names no message of selectie")) << last_body_;
  // A correction without crossRefnummer, or referring to itself.
  EXPECT_EQ(post(notice("BAD-4", "C")).first, 400u);
  EXPECT_TRUE(has(last_body_, "needs stuurgegevens/crossRefnummer")) << last_body_;
  EXPECT_EQ(post(notice("BAD-5", "V", "BAD-5")).first, 400u);
  // An unknown mutatiesoort is schema-invalid.
  EXPECT_EQ(post(notice("BAD-6", "X", "BAD-1")).first, 400u);
  // Nothing of these reached the outbox; a crossRefnummer without mutatiesoort is a new notice.
  EXPECT_TRUE(has(poll(0), "count=\"1\""));
  EXPECT_EQ(post(notice("BAD-7", "", "BAD-1")).first, 201u);
  std::string b = poll(0);
  EXPECT_TRUE(has(b, "count=\"2\"")) << b;
  EXPECT_FALSE(has(b, "supersededBy")) << b;
}

}  // namespace
}  // namespace jubes::e2e
