// Reload under concurrent routing: readers route with whatever table is current while a writer
// swaps tables; every decision must come from one consistent table.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "routing/table.hpp"
#include "test_support.hpp"

namespace jubes::routing {
namespace {

std::shared_ptr<const table> make(const std::string& recipient) {
  std::string err;
  auto r = table::compile_text(
      "version: 1\nrules:\n"
      "  - id: to-" +
          recipient +
          "\n"
          "    types: [einddetentie]\n"
          "    when: [{field: detentie/onherroepelijk, eq: true}]\n"
          "    recipients: [" +
          recipient + "]\n",
      "t.yaml", testing::conf_dir(), testing::context(), err);
  EXPECT_TRUE(r) << err;
  return *r;
}

TEST(table_holder, starts_empty_or_with_a_table) {
  table_holder empty;
  EXPECT_FALSE(empty.current());
  EXPECT_EQ(empty.generation(), 0u);
  auto t = make("rvdk");
  table_holder h(t);
  EXPECT_EQ(h.current(), t);
  EXPECT_EQ(h.generation(), 0u);
  h.replace(make("idv"));
  EXPECT_EQ(h.generation(), 1u);
  EXPECT_NE(h.current(), t);
}

TEST(table_holder, a_reader_keeps_the_table_it_started_with) {
  table_holder h(make("rvdk"));
  auto in_flight = h.current();
  h.replace(make("idv"));
  testing::message m("einddetentie");
  auto d = in_flight->route(m.facts_for(*in_flight));
  EXPECT_EQ(d.recipients, std::vector<std::string>{"rvdk"});
  EXPECT_EQ(d.table_version, in_flight->version());
}

TEST(table_holder, reload_under_concurrent_routing_gives_consistent_decisions) {
  auto a = make("rvdk");
  auto b = make("idv");
  ASSERT_NE(a->version(), b->version());
  table_holder h(a);
  constexpr int k_swaps = 2000;
  std::atomic<bool> done{false};
  std::atomic<long> decisions{0};
  std::atomic<long> inconsistent{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 3; ++i) {
    readers.emplace_back([&] {
      testing::message m("einddetentie");
      while (!done.load()) {
        auto t = h.current();
        auto d = t->route(m.facts_for(*t));
        bool ok = (d.table_version == a->version() && d.recipients == std::vector<std::string>{"rvdk"} &&
                   d.matched_rules == std::vector<std::string>{"to-rvdk"}) ||
                  (d.table_version == b->version() && d.recipients == std::vector<std::string>{"idv"} &&
                   d.matched_rules == std::vector<std::string>{"to-idv"});
        if (!ok) ++inconsistent;
        ++decisions;
      }
    });
  }
  for (int i = 0; i < k_swaps; ++i) {
    h.replace(i % 2 ? a : b);
    // Also swap in freshly compiled tables, whose old versions die while readers may hold them.
    if (i % 100 == 0) h.replace(make(i % 200 ? "rvdk" : "idv"));
  }
  // Let the readers see the last table at least once more before stopping.
  long seen = decisions.load();
  while (decisions.load() < seen + 10) std::this_thread::yield();
  done = true;
  for (auto& r : readers) r.join();
  EXPECT_EQ(inconsistent.load(), 0);
  EXPECT_GT(decisions.load(), 0);
  EXPECT_EQ(h.generation(), static_cast<std::uint64_t>(k_swaps + k_swaps / 100));
}

}  // namespace
}  // namespace jubes::routing
