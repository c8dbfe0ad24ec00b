// SPDX-License-Identifier: EUPL-1.2
#include "process_stats.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <ctime>

using jubes::gateway::detail::read_process_stats;

TEST(process_stats, cpu_time_grows_with_work_done) {
  auto before = read_process_stats();
  ASSERT_TRUE(before) << before.error().message();
  // Burn about 50 ms of CPU (measured with the process CPU clock, not wall time).
  timespec t0{}, t{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
  volatile unsigned long x = 0;
  do {
    for (int i = 0; i < 100000; ++i) x = x + static_cast<unsigned long>(i);
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  } while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < 50);
  auto after = read_process_stats();
  ASSERT_TRUE(after);
  EXPECT_GT(after->cpu_seconds, before->cpu_seconds);
}

TEST(process_stats, counts_open_descriptors_and_resident_memory) {
  auto before = read_process_stats();
  ASSERT_TRUE(before);
  EXPECT_GT(before->rss_bytes, 1 << 20);
  int fd = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(fd, 0);
  auto after = read_process_stats();
  ::close(fd);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->open_fds, before->open_fds + 1);
}

TEST(process_stats, start_time_is_in_the_past_and_recent) {
  auto s = read_process_stats();
  ASSERT_TRUE(s);
  const double now = static_cast<double>(std::time(nullptr));
  EXPECT_LE(s->start_time_s, now + 1);
  EXPECT_GT(s->start_time_s, now - 24 * 3600);  // a test binary is not a day old
}
