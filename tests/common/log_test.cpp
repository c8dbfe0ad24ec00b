#include "common/log.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

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
