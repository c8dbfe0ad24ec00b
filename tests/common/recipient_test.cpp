// SPDX-License-Identifier: EUPL-1.2
#include "common/recipient.hpp"

#include <gtest/gtest.h>

using jubes::recipient;

TEST(recipient, parses_and_prints_a_municipality) {
  auto r = recipient::parse("gemeente:0363");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->is_municipality());
  EXPECT_EQ(r->gemeentecode(), "0363");
  EXPECT_EQ(r->str(), "gemeente:0363");
  EXPECT_EQ(*r, recipient::municipality("0363"));
}

TEST(recipient, parses_and_prints_a_named_organisation) {
  for (const char* n : {"rvdk", "3ro", "idv", "hvh-almelo", "tulp-gw"}) {
    auto r = recipient::parse(n);
    ASSERT_TRUE(r) << n;
    EXPECT_FALSE(r->is_municipality());
    EXPECT_EQ(r->gemeentecode(), "");
    EXPECT_EQ(r->str(), n);
  }
}

TEST(recipient, refuses_malformed_names) {
  for (const char* n : {"", "gemeente:", "gemeente:36", "gemeente:03630", "gemeente:03a3", "gemeente:0363 ", "a b",
                        "RVDK", "x/y", "gemeente:abcd"})
    EXPECT_FALSE(recipient::parse(n)) << n;
  EXPECT_FALSE(recipient::organisation("gemeente:0363"));  // a municipality is never an organisation
}

TEST(recipient, orders_by_printed_form) {
  EXPECT_LT(recipient::municipality("0141"), recipient::municipality("0363"));
  EXPECT_LT(*recipient::parse("3ro"), *recipient::parse("rvdk"));
}

TEST(recipient, is_municipality_name_matches_parse) {
  EXPECT_TRUE(jubes::is_municipality_name("gemeente:0599"));
  EXPECT_FALSE(jubes::is_municipality_name("gemeente:599"));
  EXPECT_FALSE(jubes::is_municipality_name("rvdk"));
}

TEST(recipient, parses_and_prints_a_municipal_mailbox) {
  auto r = recipient::parse("gemeente:0363/bij");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->is_municipality());
  EXPECT_EQ(r->gemeentecode(), "0363");
  EXPECT_EQ(r->box(), "bij");
  EXPECT_EQ(r->kind(), "gemeente/bij");
  EXPECT_EQ(r->str(), "gemeente:0363/bij");
  EXPECT_EQ(*r, recipient::municipality("0363", "bij"));
  EXPECT_NE(*r, *recipient::parse("gemeente:0363/reintegratie"));
  EXPECT_NE(*r, recipient::municipality("0363"));
  EXPECT_EQ(recipient::municipality("0363").box(), "");
  EXPECT_EQ(recipient::municipality("0363").kind(), "gemeente");
  EXPECT_EQ(recipient::parse("3ro")->kind(), "3ro");
  EXPECT_TRUE(jubes::is_municipality_name("gemeente:0363/reintegratie"));
  for (const char* n : {"gemeente:0363/", "gemeente:0363/Bij", "gemeente:0363/1bij", "gemeente:0363/b j",
                        "gemeente:0363bij", "gemeente:0363/bij/x", "gemeente:036/bij"}) {
    EXPECT_FALSE(recipient::parse(n)) << n;
    EXPECT_FALSE(jubes::is_municipality_name(n)) << n;
  }
}

TEST(recipient, a_municipal_certificate_names_one_configured_mailbox) {
  const std::vector<std::string> boxes{"bij", "reintegratie"};
  EXPECT_TRUE(jubes::is_municipal_mailbox("gemeente:0363/bij", boxes));
  EXPECT_TRUE(jubes::is_municipal_mailbox("gemeente:0363/reintegratie", boxes));
  EXPECT_FALSE(jubes::is_municipal_mailbox("gemeente:0363", boxes));
  EXPECT_FALSE(jubes::is_municipal_mailbox("gemeente:0363/overig", boxes));
  EXPECT_FALSE(jubes::is_municipal_mailbox("rvdk", boxes));
  EXPECT_TRUE(jubes::is_municipal_mailbox("gemeente:0363", {}));
  EXPECT_FALSE(jubes::is_municipal_mailbox("gemeente:0363/bij", {}));
}
