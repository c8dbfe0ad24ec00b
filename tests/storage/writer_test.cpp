// The writer's pipeline (issue 11): a group committed with MDB_NOMETASYNC is not durable until a
// later flush covers its meta page, so nothing of it may be seen before then.
#include "writer.hpp"

#include <gtest/gtest.h>

#include <future>
#include <vector>

#include "storage/store.hpp"
#include "test_util.hpp"

namespace jubes::storage {
namespace {

TEST(writer, a_poll_never_shows_a_group_before_its_meta_page_is_flushed) {
  test::temp_dir d;
  auto o = test::test_options(d.path());
  store* sp = nullptr;
  std::vector<std::size_t> visible_at_commit;  // writer thread; read after the completions
  o.test_after_commit = [&] {
    // Here the group's commit returned: data synced, meta page written, not flushed.
    auto b = sp->read_outbox("rvdk", 0, 100);
    visible_at_commit.push_back(b ? b->size() : 999);
  };
  auto s = test::open_ok(o);
  ASSERT_TRUE(s);
  sp = s.get();
  for (int i = 0; i < 3; ++i) {
    std::promise<jubes::result<ingest_result>> p;
    s->submit(test::make_req("tulp-gw", "r" + std::to_string(i), {"rvdk"}),
              [&p](jubes::result<ingest_result> r) { p.set_value(std::move(r)); });
    auto r = p.get_future().get();
    ASSERT_TRUE(r);
    // Completed: durable, and from now on visible.
    auto b = s->read_outbox("rvdk", 0, 100);
    ASSERT_TRUE(b);
    EXPECT_EQ(b->size(), static_cast<std::size_t>(i + 1));
  }
  // At each commit only the earlier (flushed) groups were visible, never the committing one.
  EXPECT_EQ(visible_at_commit, (std::vector<std::size_t>{0, 1, 2}));
  EXPECT_EQ(s->metrics().commits, 3u);
}

}  // namespace
}  // namespace jubes::storage
