// SPDX-License-Identifier: EUPL-1.2
#include "routing/gemeente_registry.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "routing/errc.hpp"
#include "test_support.hpp"

namespace jubes::routing {
namespace {

using test::registry;

const char* k_header =
    "\"92.10 Gemeentecode\",\"92.11 Omschrijving\",\"92.12 Nieuwe code\",\"99.98 Datum ingang\",\"99.99 Datum "
    "einde\"\r\n";

TEST(gemeente_registry, loads_the_rvig_table) {
  auto reg = registry();
  ASSERT_TRUE(reg);
  EXPECT_EQ(reg->size(), 1474u);
  EXPECT_EQ(reg->name("0363"), "Amsterdam");
  EXPECT_EQ(reg->name("9876"), "");
}

TEST(gemeente_registry, exists_covers_every_code_in_the_table) {
  auto reg = registry();
  EXPECT_TRUE(reg->exists("0363"));  // current
  EXPECT_TRUE(reg->exists("1034"));  // Buiksloot, dissolved in 1921
  EXPECT_TRUE(reg->exists("0000"));  // unknown
  EXPECT_TRUE(reg->exists("1999"));  // RNI
  EXPECT_FALSE(reg->exists("9876"));
  EXPECT_FALSE(reg->exists("363"));
  EXPECT_FALSE(reg->exists("03630"));
  EXPECT_FALSE(reg->exists("03a3"));
  EXPECT_FALSE(reg->exists(""));
}

TEST(gemeente_registry, current_follows_mergers) {
  auto reg = registry();
  EXPECT_EQ(reg->current("0363"), "0363");
  EXPECT_EQ(reg->current("1034"), "0363");  // Buiksloot -> Amsterdam
  EXPECT_EQ(reg->current("0142"), "1735");  // Ambt Delden -> Hof van Twente
  EXPECT_EQ(reg->current("0689"), "1978");  // Giessenlanden -> Molenlanden
  EXPECT_EQ(reg->current("1009"), "0141");  // Ambt-Almelo -> Almelo
  EXPECT_TRUE(reg->is_current("0141"));
  EXPECT_FALSE(reg->is_current("1009"));
}

TEST(gemeente_registry, special_and_dead_end_codes_have_no_current_municipality) {
  auto reg = registry();
  EXPECT_FALSE(reg->current("0000"));  // unknown
  EXPECT_FALSE(reg->current("1999"));  // RNI is no municipality
  EXPECT_FALSE(reg->current("0997"));  // ended without a successor
  EXPECT_FALSE(reg->current("9876"));  // not in the table
}

TEST(gemeente_registry, lists_the_current_municipalities) {
  const auto& list = registry()->current_municipalities();
  EXPECT_EQ(list.size(), 355u);  // 357 codes without end date minus 0000 and 1999
  EXPECT_TRUE(std::is_sorted(list.begin(), list.end()));
  EXPECT_TRUE(std::binary_search(list.begin(), list.end(), "0363"));
  EXPECT_FALSE(std::binary_search(list.begin(), list.end(), "0000"));
  EXPECT_FALSE(std::binary_search(list.begin(), list.end(), "1034"));
}

TEST(gemeente_registry, follows_chains_transitively_and_survives_cycles) {
  std::string csv = std::string(k_header) +
                    "\"0001\",\"A\",\"0002\",\"\",\"19900101\",\"\"\n"
                    "\"0002\",\"B\",\"0003\",\"\",\"20000101\",\"\"\n"
                    "\"0003\",\"C\",\"\",\"\",\"\",\"\"\n"
                    "\"0010\",\"X\",\"0011\",\"\",\"19900101\",\"\"\n"
                    "\"0011\",\"Y\",\"0010\",\"\",\"19900101\",\"\"\n"
                    "\"0012\",\"Z\",\"0099\",\"\",\"19900101\",\"\"\n";
  auto reg = gemeente_registry::parse(csv, "test.csv");
  ASSERT_TRUE(reg) << reg.error().message();
  EXPECT_EQ((*reg)->current("0001"), "0003");
  EXPECT_EQ((*reg)->current("0002"), "0003");
  EXPECT_FALSE((*reg)->current("0010"));  // loop
  EXPECT_FALSE((*reg)->current("0011"));
  EXPECT_FALSE((*reg)->current("0012"));  // successor missing from the table
  EXPECT_TRUE((*reg)->exists("0010"));
  EXPECT_EQ((*reg)->current_municipalities(), std::vector<std::string>{"0003"});
}

struct bad_csv_case {
  std::string body;
  std::string expect;  // substring of the error
};

class gemeente_registry_bad : public ::testing::TestWithParam<bad_csv_case> {};

TEST_P(gemeente_registry_bad, refused_with_line) {
  auto reg = gemeente_registry::parse(GetParam().body, "g.csv");
  ASSERT_FALSE(reg);
  EXPECT_EQ(reg.error(), errc::bad_csv);
  EXPECT_NE(reg.error().detail.find(GetParam().expect), std::string::npos) << reg.error().detail;
}

INSTANTIATE_TEST_SUITE_P(
    cases, gemeente_registry_bad,
    ::testing::Values(
        bad_csv_case{"", "g.csv:0: empty"}, bad_csv_case{"\"code\",\"name\"\n", "g.csv:1: expected the RvIG"},
        bad_csv_case{std::string(k_header) + "\"363\",\"A\",\"\",\"\",\"\"\n", "g.csv:2: gemeentecode '363'"},
        bad_csv_case{std::string(k_header) + "\"0363\",\"A\",\"\",\"\",\"\"\n\"0363\",\"B\",\"\",\"\",\"\"\n",
                     "g.csv:3: gemeentecode 0363 appears twice"},
        bad_csv_case{std::string(k_header) + "\"0363\",\"A,\"\"\n", "g.csv:2: unterminated"},
        bad_csv_case{std::string(k_header) + "\"0363\",\"A\"\n", "g.csv:2: expected 5 columns"},
        bad_csv_case{std::string(k_header) + "\"0363\",\"A\",\"12\",\"\",\"\"\n", "nieuwe code '12'"},
        bad_csv_case{std::string(k_header) + "\"0363\",\"A\",\"\",\"\",\"2020\"\n", "datum einde"}));

TEST(gemeente_registry, missing_file_is_an_io_error) {
  auto reg = gemeente_registry::load("/nonexistent/gemeenten.csv");
  ASSERT_FALSE(reg);
  EXPECT_EQ(reg.error(), errc::io_error);
  EXPECT_NE(reg.error().detail.find("/nonexistent/gemeenten.csv"), std::string::npos);
}

}  // namespace
}  // namespace jubes::routing
