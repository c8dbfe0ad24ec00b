// SPDX-License-Identifier: EUPL-1.2
#include "common/log.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <limits>
#include <string>

namespace {

// Captures what log::write sends to stderr by pointing fd 2 at a pipe for the duration.
std::string capture(auto&& fn) {
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  int saved = ::dup(STDERR_FILENO);
  ::dup2(fds[1], STDERR_FILENO);
  fn();
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  ::close(fds[1]);
  std::string out;
  char buf[512];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  return out;
}

TEST(Log, OneLineWithComponentEventAndFields) {
  auto out = capture([] { jubes::log::info("storage", "open", {{"path", "/tmp/x"}, {"groups", 3}}); });
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.back(), '\n');
  EXPECT_EQ(out.find('\n'), out.size() - 1);
  EXPECT_NE(out.find(" INFO storage open path=/tmp/x groups=3\n"), std::string::npos) << out;
  EXPECT_EQ(out[4], '-');  // ISO-8601 date first
}

TEST(Log, QuotesValuesWithSpacesAndEscapesNewlines) {
  auto out = capture([] { jubes::log::warn("gateway", "reject", {{"reason", "bad \"x\"\nnext"}}); });
  EXPECT_NE(out.find("reason=\"bad \\\"x\\\"\\nnext\"\n"), std::string::npos) << out;
  EXPECT_EQ(out.find('\n'), out.size() - 1);
}

TEST(Log, LevelFilters) {
  jubes::log::set_level(jubes::log::level::warn);
  auto out = capture([] { jubes::log::info("x", "hidden"); });
  jubes::log::set_level(jubes::log::level::info);
  EXPECT_TRUE(out.empty());
  jubes::log::level l;
  EXPECT_TRUE(jubes::log::parse_level("debug", l));
  EXPECT_EQ(l, jubes::log::level::debug);
  EXPECT_FALSE(jubes::log::parse_level("loud", l));
}

}  // namespace

namespace {

using jubes::log::format;
using jubes::log::format_line;
using jubes::log::level;
constexpr std::string_view kTime = "2026-11-30T12:00:00.000Z";

TEST(LogFormat, TextLineHasTimeLevelComponentEventAndFields) {
  EXPECT_EQ(format_line(format::text, level::info, kTime, "api", "request_rejected",
                        {{"status", 409}, {"stuf_code", "StUF016"}, {"party", "tulp-gw"}}),
            "2026-11-30T12:00:00.000Z INFO api request_rejected status=409 stuf_code=StUF016 party=tulp-gw\n");
}

TEST(LogFormat, TextEscapesQuotesAndEveryControlCharacter) {
  auto line = format_line(format::text, level::warn, kTime, "api", "x",
                          {{"subject", "CN=a\r\n2026 ERROR forged\x1b[31m\x7f \"q\" \\"}, {"empty", ""}});
  EXPECT_EQ(
      line,
      "2026-11-30T12:00:00.000Z WARN api x subject=\"CN=a\\x0D\\n2026 ERROR forged\\x1B[31m\\x7F \\\"q\\\" \\\\\" "
      "empty=\"\"\n");
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  EXPECT_EQ(line.find('\r'), std::string::npos);
}

TEST(LogFormat, JsonLineParsesBackWithStableNamesAndTypes) {
  auto line = format_line(format::json, level::info, kTime, "api", "request_rejected",
                          {{"status", 400u}, {"reason", "schema_invalid"}, {"duration_us", 1234}, {"ratio", 0.5}});
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  auto v = boost::json::parse(line).as_object();
  EXPECT_EQ(v.at("time").as_string(), kTime);
  EXPECT_EQ(v.at("level").as_string(), "INFO");
  EXPECT_EQ(v.at("component").as_string(), "api");
  EXPECT_EQ(v.at("event").as_string(), "request_rejected");
  EXPECT_EQ(v.at("status").to_number<int>(), 400);
  EXPECT_EQ(v.at("reason").as_string(), "schema_invalid");
  EXPECT_EQ(v.at("duration_us").to_number<int>(), 1234);
  EXPECT_DOUBLE_EQ(v.at("ratio").to_number<double>(), 0.5);
}

TEST(LogFormat, JsonEscapesQuotesControlCharactersAndInvalidUtf8) {
  const std::string nasty = std::string("a\"b\\c\nd\re\tf\x01g\x1f\x7f") + "\xc3\xa9" + "\xff\xc3" + "}\n{";
  auto line = format_line(format::json, level::error, kTime, "t", "e\"vent", {{"k\n", nasty}});
  EXPECT_EQ(line.find('\n'), line.size() - 1) << line;
  for (char c : line.substr(0, line.size() - 1))
    EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20) << "raw control character in " << line;
  auto v = boost::json::parse(line).as_object();
  EXPECT_EQ(v.at("event").as_string(), "e\"vent");
  // Valid text comes back exactly (é included); the two invalid bytes become U+FFFD.
  EXPECT_EQ(std::string(v.at("k\n").as_string()),
            std::string("a\"b\\c\nd\re\tf\x01g\x1f\x7f") + "\xc3\xa9" + "\xef\xbf\xbd\xef\xbf\xbd" + "}\n{");
}

TEST(LogFormat, JsonNumbersThatAreNotJsonAreStrings) {
  auto v = boost::json::parse(format_line(format::json, level::info, kTime, "t", "e",
                                          {{"inf", std::numeric_limits<double>::infinity()}}))
               .as_object();
  EXPECT_TRUE(v.at("inf").is_string());
}

TEST(LogFormat, WriteUsesTheCurrentFormatAndEnabledFollowsTheLevel) {
  jubes::log::set_format(format::json);
  auto out = capture([] { jubes::log::info("storage", "open", {{"path", "/tmp/x"}}); });
  jubes::log::set_format(format::text);
  auto v = boost::json::parse(out).as_object();
  EXPECT_EQ(v.at("path").as_string(), "/tmp/x");
  EXPECT_TRUE(jubes::log::enabled(level::info));
  EXPECT_FALSE(jubes::log::enabled(level::debug));
  format f;
  EXPECT_TRUE(jubes::log::parse_format("json", f));
  EXPECT_EQ(f, format::json);
  EXPECT_FALSE(jubes::log::parse_format("xml", f));
}

TEST(LogFormat, ToggleDebugSwitchesBetweenDebugAndTheBase) {
  jubes::log::set_level(level::warn);
  EXPECT_EQ(jubes::log::toggle_debug(level::warn), level::debug);
  EXPECT_TRUE(jubes::log::enabled(level::debug));
  EXPECT_EQ(jubes::log::toggle_debug(level::warn), level::warn);
  EXPECT_FALSE(jubes::log::enabled(level::info));
  jubes::log::set_level(level::info);
}

}  // namespace
