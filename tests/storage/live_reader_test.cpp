// SPDX-License-Identifier: EUPL-1.2
// A second process reads a live store (as jubesctl does while jubesd runs) before and after the
// writer grows the LMDB map; it must follow the new size (MDB_MAP_RESIZED) and see every commit.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "storage/store.hpp"
#include "test_util.hpp"

namespace jubes::storage {
namespace {

struct reader_process {
  pid_t pid = -1;
  FILE* to = nullptr;
  FILE* from = nullptr;
  reader_process(const std::filesystem::path& dir, const char* recipient) {
    int in[2], out[2];
    if (::pipe(in) != 0 || ::pipe(out) != 0) return;
    pid = ::fork();
    if (pid == 0) {
      ::dup2(in[0], 0);
      ::dup2(out[1], 1);
      ::close(in[1]);
      ::close(out[0]);
      ::execl(JUBES_CRASH_CHILD, JUBES_CRASH_CHILD, "--read", dir.c_str(), recipient, nullptr);
      ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    to = ::fdopen(in[1], "w");
    from = ::fdopen(out[0], "r");
  }
  std::string line() {
    char buf[256] = {};
    if (!std::fgets(buf, sizeof buf, from)) return "EOF";
    std::string s(buf);
    if (!s.empty() && s.back() == '\n') s.pop_back();
    return s;
  }
  std::string ask() {
    std::fputs("count\n", to);
    std::fflush(to);
    return line();
  }
  ~reader_process() {
    if (to) std::fclose(to);  // EOF on stdin: the reader exits
    if (from) std::fclose(from);
    int status = 0;
    if (pid > 0) ::waitpid(pid, &status, 0);
  }
};

TEST(live_reader, another_process_follows_commits_and_map_growth) {
  test::temp_dir d;
  auto o = test::test_options(d.path());
  o.map_size_initial = 1u << 20;
  o.map_size_max = 64u << 20;
  auto s = test::open_ok(o);
  ASSERT_TRUE(s);
  test::ingest_ok(*s, test::make_req("tulp-gw", "first", {"rvdk"}));

  reader_process r(d.path(), "rvdk");
  ASSERT_GT(r.pid, 0);
  ASSERT_EQ(r.line(), "ready");
  EXPECT_EQ(r.ask(), "1 ok");

  const auto size_before = s->metrics().map_size;
  std::string body(32 * 1024, 'g');
  for (int i = 0; i < 100; ++i) {
    auto res =
        test::ingest_ok(*s, test::make_req("tulp-gw", "g" + std::to_string(i), {"rvdk"}, body + std::to_string(i)));
    ASSERT_EQ(res.outcome, ingest_outcome::accepted);
  }
  EXPECT_GT(s->metrics().map_size, size_before);
  EXPECT_EQ(r.ask(), "101 ok");
}

}  // namespace
}  // namespace jubes::storage
