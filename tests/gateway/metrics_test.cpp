// SPDX-License-Identifier: EUPL-1.2
#include "gateway/metrics.hpp"

#include <gtest/gtest.h>

namespace jubes::gateway {
namespace {

TEST(metrics, counter_and_gauge_text_format) {
  registry r;
  r.get_counter("jubes_x_total", "X things.", {{"party", "a"}}).inc(3);
  r.get_counter("jubes_x_total", "X things.", {{"party", "b\"q"}}).inc();
  r.get_gauge("jubes_depth", "Depth.").set(2.5);
  auto t = r.render();
  EXPECT_NE(t.find("# HELP jubes_x_total X things.\n# TYPE jubes_x_total counter\n"), std::string::npos) << t;
  EXPECT_NE(t.find("jubes_x_total{party=\"a\"} 3\n"), std::string::npos) << t;
  EXPECT_NE(t.find("jubes_x_total{party=\"b\\\"q\"} 1\n"), std::string::npos) << t;
  EXPECT_NE(t.find("# TYPE jubes_depth gauge\njubes_depth 2.5\n"), std::string::npos) << t;
}

TEST(metrics, same_series_is_the_same_object) {
  registry r;
  auto& a = r.get_counter("c_total", "c", {{"k", "v"}});
  auto& b = r.get_counter("c_total", "c", {{"k", "v"}});
  EXPECT_EQ(&a, &b);
}

TEST(metrics, histogram_buckets_are_cumulative) {
  registry r;
  auto& h = r.get_histogram("lat_seconds", "Latency.", {0.001, 0.01});
  h.observe(0.0005);
  h.observe(0.005);
  h.observe(5);
  auto t = r.render();
  EXPECT_NE(t.find("lat_seconds_bucket{le=\"0.001\"} 1\n"), std::string::npos) << t;
  EXPECT_NE(t.find("lat_seconds_bucket{le=\"0.01\"} 2\n"), std::string::npos) << t;
  EXPECT_NE(t.find("lat_seconds_bucket{le=\"+Inf\"} 3\n"), std::string::npos) << t;
  EXPECT_NE(t.find("lat_seconds_count 3\n"), std::string::npos) << t;
}

TEST(metrics, histogram_load_from_cumulative_snapshot) {
  registry r;
  auto& h = r.get_histogram("g", "Group.", {1, 2}, {{"a", "b"}});
  h.load({4, 6, 7}, 12);
  auto t = r.render();
  EXPECT_NE(t.find("g_bucket{a=\"b\",le=\"1\"} 4\n"), std::string::npos) << t;
  EXPECT_NE(t.find("g_bucket{a=\"b\",le=\"2\"} 6\n"), std::string::npos) << t;
  EXPECT_NE(t.find("g_bucket{a=\"b\",le=\"+Inf\"} 7\n"), std::string::npos) << t;
  EXPECT_NE(t.find("g_sum{a=\"b\"} 12\n"), std::string::npos) << t;
}

TEST(metrics, collectors_run_at_render_and_clear_drops_series) {
  registry r;
  int runs = 0;
  r.add_collector([&](registry& m) {
    ++runs;
    m.clear("info");
    m.get_gauge("info", "Info.", {{"version", std::to_string(runs)}}).set(1);
  });
  r.render();
  auto t = r.render();
  EXPECT_EQ(runs, 2);
  EXPECT_NE(t.find("info{version=\"2\"} 1"), std::string::npos) << t;
  EXPECT_EQ(t.find("info{version=\"1\"}"), std::string::npos) << t;
}

}  // namespace
}  // namespace jubes::gateway

TEST(metrics, sampled_counter_is_a_counter_with_a_fractional_total) {
  jubes::gateway::registry r;
  r.get_sampled_counter("process_cpu_seconds_total", "CPU.").set(12.25);
  auto text = r.render();
  EXPECT_NE(text.find("# TYPE process_cpu_seconds_total counter\n"), std::string::npos) << text;
  EXPECT_NE(text.find("process_cpu_seconds_total 12.25\n"), std::string::npos) << text;
}
