// SPDX-License-Identifier: EUPL-1.2
// Unit tests of jubes-bench --corrections: the planner (which posts amend which notice), the
// amendment's bytes, the record's amendment fields, and the judgement of --verify on hand-built
// outbox batches in the shapes docs/api.md gives a corrected or withdrawn notice.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "batch.hpp"
#include "generator.hpp"
#include "options.hpp"
#include "record.hpp"
#include "testing/testing.hpp"
#include "verify_check.hpp"

namespace jb = jubes::bench;

namespace {

// Drives a planner as a sender does: every post either amends or is a new notice (slot = post
// number); `acked` says which new notices the gateway acknowledged.
struct planned {
  std::vector<std::pair<std::uint64_t, jb::amendment>> amendments;  // (slot, what it amends)
  std::set<std::uint64_t> acknowledged;
};
planned run_planner(double f, std::uint64_t seed, std::uint64_t posts, bool (*acked)(std::uint64_t)) {
  jb::amendment_planner plan(f, seed);
  planned out;
  for (std::uint64_t slot = 0; slot < posts; ++slot) {
    if (auto am = plan.next()) {
      EXPECT_TRUE(out.acknowledged.count(am->of))
          << "slot " << slot << " amends " << am->of << ", not acknowledged (yet)";
      out.amendments.emplace_back(slot, *am);
    } else if (acked(slot)) {
      plan.acknowledged(slot);
      out.acknowledged.insert(slot);
    }
  }
  return out;
}

bool all(std::uint64_t) {
  return true;
}
bool every_third(std::uint64_t s) {
  return s % 3 == 0;
}

}  // namespace

TEST(amendment_planner, honours_the_fraction_half_each_kind_never_twice_and_is_deterministic) {
  for (double f : {0.05, 0.2, 0.4}) {
    const auto p = run_planner(f, 11, 20000, all);
    const double share = static_cast<double>(p.amendments.size()) / 20000;
    EXPECT_NEAR(share, f, 0.02) << f;
    std::set<std::uint64_t> amended;
    std::size_t withdrawals = 0;
    for (const auto& [slot, am] : p.amendments) {
      EXPECT_TRUE(amended.insert(am.of).second) << "notice " << am.of << " amended twice";
      EXPECT_LT(am.of, slot);
      EXPECT_TRUE(am.kind == 'C' || am.kind == 'V');
      withdrawals += am.kind == 'V';
    }
    EXPECT_NEAR(static_cast<double>(withdrawals) / static_cast<double>(p.amendments.size()), 0.5, 0.06) << f;
  }
  const auto a = run_planner(0.2, 5, 3000, all), b = run_planner(0.2, 5, 3000, all), c = run_planner(0.2, 6, 3000, all);
  EXPECT_EQ(a.amendments, b.amendments);
  EXPECT_NE(a.amendments, c.amendments);
  EXPECT_TRUE(run_planner(0, 5, 3000, all).amendments.empty());
}

TEST(amendment_planner, only_acknowledged_notices_are_amended) {
  // Two thirds of the new notices are refused: only the others are ever referred to (checked in
  // run_planner), and the fraction is still met from them.
  const auto p = run_planner(0.2, 3, 9000, every_third);
  EXPECT_NEAR(static_cast<double>(p.amendments.size()) / 9000, 0.2, 0.02);
  for (const auto& [slot, am] : p.amendments) EXPECT_EQ(am.of % 3, 0u) << slot;
  // Nothing acknowledged: nothing to amend.
  EXPECT_TRUE(run_planner(0.5, 3, 1000, [](std::uint64_t) { return false; }).amendments.empty());
}

TEST(generator, an_amendment_is_the_earlier_notice_with_its_own_ref_crossref_and_mutatiesoort) {
  jb::generator g({9, 0, 2048});
  g.prepare();
  for (int p = 0; p < 4; ++p) {
    for (char kind : {'C', 'V'}) {
      const jb::amendment am{kind, 7};
      const auto earlier = g.make(p, 7);
      const auto m = g.make(p, 40, &am);
      EXPECT_EQ(m.type, earlier.type);
      EXPECT_EQ(m.recipients, earlier.recipients);
      EXPECT_EQ(m.referentienummer, g.referentienummer(p, 40));
      EXPECT_NE(m.body.find("<dti:referentienummer>" + m.referentienummer + "</dti:referentienummer>"),
                std::string::npos);
      EXPECT_NE(m.body.find("</dti:tijdstipBericht><dti:crossRefnummer>" + earlier.referentienummer +
                            "</dti:crossRefnummer></dti:stuurgegevens><dti:parameters><dti:mutatiesoort>" +
                            std::string(1, kind) + "</dti:mutatiesoort></dti:parameters>"),
                std::string::npos)
          << m.body.substr(0, 800);
      std::string b;
      g.body(p, 40, b, &am);
      EXPECT_EQ(b, m.body);
      EXPECT_EQ(g.make(p, 40).body.find("crossRefnummer"), std::string::npos);
    }
  }
}

TEST(record, carries_corrections_and_withdrawals) {
  const jubes::testing::temp_dir d("bench");
  const auto path = (d.path() / "rec").string();
  std::string err;
  {
    jb::record_writer w;
    ASSERT_TRUE(w.open(path, {5, 0, 2048}, err)) << err;
    jb::outcome o;
    o.party = "jvs";
    o.slot = 9;
    o.referentienummer = "B-JVS-9";
    o.status = 201;
    o.message_id = "12";
    o.body = 1;
    o.amends = jb::amendment{'C', 4};
    w.write(o, {5, 0, 2048});
    o.target = "127.0.0.1:9443";
    o.amends = jb::amendment{'V', 5};
    w.write(o, {5, 0, 2048});
    o.amends.reset();
    w.write(o, {5, 0, 2048});
  }
  jb::record_file r;
  ASSERT_TRUE(jb::read_record(path, r, err)) << err;
  ASSERT_EQ(r.outcomes.size(), 3u);
  EXPECT_EQ(r.outcomes[0].amends, (jb::amendment{'C', 4}));
  EXPECT_EQ(r.outcomes[0].target, "");
  EXPECT_EQ(r.outcomes[1].amends, (jb::amendment{'V', 5}));
  EXPECT_EQ(r.outcomes[1].target, "127.0.0.1:9443");
  EXPECT_FALSE(r.outcomes[2].amends);
  jubes::testing::write_file(d.path(), "bad",
                             "# jubes-bench record v2 seed=1 plan_fraction=0 size=2048 templates=8\n"
                             "jvs 1 B-1 201 1 - 0000000000000001 corrects=x\n");
  EXPECT_FALSE(jb::read_record((d.path() / "bad").string(), r, err));
  EXPECT_NE(err.find("corrects=x"), std::string::npos) << err;
}

TEST(options, corrections_is_a_fraction_below_one) {
  jb::options o;
  EXPECT_EQ(jb::parse_options({"--target", "h:1", "--pki", "d", "--count", "5", "--corrections", "0.2"}, o), "");
  EXPECT_DOUBLE_EQ(o.corrections, 0.2);
  jb::options o2;
  EXPECT_NE(jb::parse_options({"--target", "h:1", "--pki", "d", "--count", "5", "--corrections", "1"}, o2)
                .find("--corrections"),
            std::string::npos);
  jb::options o3;
  EXPECT_NE(jb::parse_options({"--target", "h:1", "--pki", "d", "--count", "5", "--corrections", "-0.1"}, o3)
                .find("--corrections"),
            std::string::npos);
}

namespace {

// A notice O (id 1), its amendment N (id 2) and an unrelated notice P (id 3) of tulp-gw, and the
// outboxes a test lays out for them, as the gateway writes them (codecs' outbox encoder).
class verify_amended : public ::testing::Test {
 protected:
  void SetUp() override {
    // O: a notice that goes to two outboxes (an 18a notice: re-integration box and 3ro).
    for (std::uint64_t s = 0; o_slot_ == UINT64_MAX; ++s)
      if (g_.make(0, s).recipients.size() == 2) o_slot_ = s;
    boxes_ = g_.make(0, o_slot_).recipients;
    for (std::uint64_t s = o_slot_ + 1; p_slot_ == UINT64_MAX; ++s)
      if (g_.make(0, s).recipients.size() == 1) p_slot_ = s;
  }
  void amend(char kind) {
    outcomes_.push_back(outcome(o_slot_, "1", std::nullopt));
    outcomes_.push_back(outcome(900, "2", jb::amendment{kind, o_slot_}));
    outcomes_.push_back(outcome(p_slot_, "3", std::nullopt));
    add(g_.make(0, p_slot_).recipients[0], "3", "", ref(p_slot_));
  }
  jb::outcome outcome(std::uint64_t slot, std::string id, std::optional<jb::amendment> am) {
    jb::outcome o;
    o.party = "tulp-gw";
    o.slot = slot;
    o.referentienummer = ref(slot);
    o.status = 201;
    o.message_id = std::move(id);
    o.amends = am;
    return o;
  }
  std::string ref(std::uint64_t slot) const { return g_.referentienummer(0, slot); }
  /// Appends an entry to `box`: with `ref` a body carrying it, else empty (<entry .../>).
  void add(const std::string& box, const std::string& id, const std::string& attrs, const std::string& ref) {
    auto& x = xml_[box];
    x += "<entry seq=\"" + std::to_string(++seq_[box]) + "\" id=\"" + id +
         "\" type=\"t\" source=\"tulp-gw\" time=\"2026-11-26T10:30:15.123Z\"" + (attrs.empty() ? "" : " " + attrs);
    if (ref.empty())
      x += "/>\n";
    else
      x += "><dti:t xmlns:dti=\"d\"><dti:stuurgegevens><dti:referentienummer>" + ref +
           "</dti:referentienummer></dti:stuurgegevens></dti:t></entry>\n";
  }
  /// The allowed shapes, per box: the earlier notice replaced by a marker, or delivered before.
  void replaced(const std::string& box, const char* mark = "supersededBy") {
    add(box, "1", std::string(mark) + "=\"2\"", "");
    add(box, "2", "relatesTo=\"1\"", ref(900));
  }
  void related(const std::string& box) {
    add(box, "1", "", ref(o_slot_));
    add(box, "2", "relatesTo=\"1\"", ref(900));
  }
  jb::verify_report check() {
    jb::outbox_map seen;
    for (const auto& [box, x] : xml_) {
      std::string err;
      EXPECT_TRUE(jb::parse_batch("<outbox recipient=\"" + box + "\">\n" + x + "</outbox>", seen[box], err)) << err;
    }
    jb::verify_report rep;
    jb::check_outboxes(gens_, outcomes_, seen, rep);
    return rep;
  }
  static std::string problems(const jb::verify_report& r) {
    std::string s;
    for (const auto& p : r.problems) s += p + "\n";
    return s;
  }
  static bool says(const jb::verify_report& r, const std::string& what) {
    return problems(r).find(what) != std::string::npos;
  }

  jb::generator g_{{21, 0, 2048}};
  std::vector<jb::generator> gens_{g_};
  std::uint64_t o_slot_ = UINT64_MAX, p_slot_ = UINT64_MAX;
  std::vector<std::string> boxes_;
  std::vector<jb::outcome> outcomes_;
  std::map<std::string, std::string> xml_;
  std::map<std::string, std::uint64_t> seq_;
};

}  // namespace

TEST_F(verify_amended, the_parser_reads_the_link_attributes_and_empty_entries) {
  amend('C');
  replaced(boxes_[0]);
  jb::outbox_map seen;
  std::string err;
  ASSERT_TRUE(jb::parse_batch("<outbox>" + xml_[boxes_[0]] + "</outbox>", seen["x"], err)) << err;
  ASSERT_EQ(seen["x"].size(), 2u);
  EXPECT_EQ(seen["x"][0].superseded_by, "2");
  EXPECT_FALSE(seen["x"][0].has_body);
  EXPECT_EQ(seen["x"][0].referentienummer, "");
  EXPECT_EQ(seen["x"][1].relates_to, "1");
  EXPECT_TRUE(seen["x"][1].has_body);
  EXPECT_EQ(seen["x"][1].referentienummer, ref(900));
}

TEST_F(verify_amended, a_correction_replaced_in_one_outbox_and_related_in_the_other_passes) {
  amend('C');
  replaced(boxes_[0]);
  related(boxes_[1]);
  auto r = check();
  EXPECT_TRUE(r.ok) << problems(r);
  EXPECT_EQ(r.replaced, 1u);
  EXPECT_EQ(r.related, 1u);
  EXPECT_EQ(r.expected_entries, 2u * 2u + 1u);
}

TEST_F(verify_amended, either_shape_everywhere_passes_for_corrections_and_withdrawals) {
  for (char kind : {'C', 'V'}) {
    for (bool marker : {true, false}) {
      xml_.clear();
      seq_.clear();
      outcomes_.clear();
      amend(kind);
      for (const auto& b : boxes_) {
        if (marker)
          replaced(b, kind == 'V' ? "withdrawnBy" : "supersededBy");
        else
          related(b);
      }
      auto r = check();
      EXPECT_TRUE(r.ok) << kind << marker << "\n" << problems(r);
      EXPECT_EQ(marker ? r.replaced : r.related, 2u);
    }
  }
}

TEST_F(verify_amended, a_duplicated_amendment_fails) {
  amend('C');
  replaced(boxes_[0]);
  related(boxes_[1]);
  add(boxes_[1], "2", "relatesTo=\"1\"", ref(900));
  auto r = check();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.duplicated, 1u);
  EXPECT_TRUE(says(r, "correction " + ref(900) + " appears 2 times")) << problems(r);
}

TEST_F(verify_amended, the_earlier_notice_missing_instead_of_a_marker_fails) {
  amend('C');
  add(boxes_[0], "2", "relatesTo=\"1\"", ref(900));
  related(boxes_[1]);
  auto r = check();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.lost, 1u);
  EXPECT_TRUE(says(r, "appears 0 times, not once")) << problems(r);
}

TEST_F(verify_amended, a_superseded_notice_delivered_with_body_fails) {
  amend('C');
  add(boxes_[0], "1", "supersededBy=\"2\"", ref(o_slot_));
  add(boxes_[0], "2", "relatesTo=\"1\"", ref(900));
  related(boxes_[1]);
  auto r = check();
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(says(r, "supersededBy marker delivered with body")) << problems(r);
}

TEST_F(verify_amended, the_old_notice_twice_a_wrong_marker_or_a_missing_relation_fails) {
  {  // the earlier notice delivered and also a marker
    amend('C');
    add(boxes_[0], "1", "", ref(o_slot_));
    replaced(boxes_[0]);
    related(boxes_[1]);
    auto r = check();
    EXPECT_FALSE(r.ok);
    EXPECT_TRUE(says(r, "appears 2 times, not once")) << problems(r);
  }
  xml_.clear(), seq_.clear(), outcomes_.clear();
  {  // a withdrawal that left a supersededBy marker
    amend('V');
    replaced(boxes_[0], "supersededBy");
    related(boxes_[1]);
    auto r = check();
    EXPECT_FALSE(r.ok);
    EXPECT_TRUE(says(r, "made it a supersededBy marker, not withdrawnBy")) << problems(r);
  }
  xml_.clear(), seq_.clear(), outcomes_.clear();
  {  // the amendment not marked related, and a marker naming another message
    amend('C');
    add(boxes_[0], "1", "", ref(o_slot_));
    add(boxes_[0], "2", "", ref(900));
    add(boxes_[1], "1", "supersededBy=\"7\"", "");
    add(boxes_[1], "2", "relatesTo=\"1\"", ref(900));
    auto r = check();
    EXPECT_FALSE(r.ok);
    EXPECT_TRUE(says(r, "should carry relatesTo=\"1\", has none")) << problems(r);
    EXPECT_TRUE(says(r, "supersededBy=7, but the correction is id 2")) << problems(r);
  }
  xml_.clear(), seq_.clear(), outcomes_.clear();
  {  // a marker whose correction is not there, and a marker on a notice nothing amended
    amend('C');
    add(boxes_[0], "1", "supersededBy=\"2\"", "");
    related(boxes_[1]);
    const std::string p_box = g_.make(0, p_slot_).recipients[0];  // a BIJ or idv box, not one of O's
    ASSERT_EQ(std::count(boxes_.begin(), boxes_.end(), p_box), 0);
    xml_[p_box].clear();
    seq_[p_box] = 0;
    add(p_box, "3", "withdrawnBy=\"2\"", "");
    auto r = check();
    EXPECT_FALSE(r.ok);
    EXPECT_TRUE(says(r, "was acknowledged but is not in this outbox")) << problems(r);
    EXPECT_TRUE(says(r, "is a withdrawn marker, but this run never amended it")) << problems(r);
  }
}
