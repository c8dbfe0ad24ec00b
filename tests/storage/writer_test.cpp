// SPDX-License-Identifier: EUPL-1.2
// The writer's pipeline (issue 11): a group committed with MDB_NOMETASYNC is not durable until a
// later flush covers its meta page, so nothing of it may be seen before then.
#include "writer.hpp"

#include <gtest/gtest.h>

#include <future>
#include <thread>
#include <vector>

#include "storage/store.hpp"
#include "test_util.hpp"
#include "testing/fault_sync.hpp"

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

// A disk that refuses writes (fault_sync.hpp: fdatasync fails with EIO at the syscall boundary, as
// LMDB calls it). Disarms whatever the test did, so that no other test sees a failing disk.
class failing_disk : public ::testing::Test {
 protected:
  void TearDown() override { jubes::testing::fault::disarm(); }
  static std::string id_of(const jubes::result<ingest_result>& r) {
    return r ? std::to_string(r->rcpt.message_id) : "-";
  }
};

TEST_F(failing_disk, a_commit_whose_flush_fails_is_never_acknowledged_and_the_store_stops_for_good) {
  test::temp_dir d;
  auto s = test::open_ok(test::test_options(d.path()));
  ASSERT_TRUE(s);
  ASSERT_TRUE(test::ingest(*s, test::make_req("tulp-gw", "before", {"rvdk"})));
  EXPECT_EQ(s->health().st, store_health::state::writable);

  jubes::testing::fault::fail_flushes_after(0);  // the next commit's data sync fails
  auto r = test::ingest(*s, test::make_req("tulp-gw", "during", {"rvdk"}));
  ASSERT_FALSE(r) << "acknowledged although its flush failed: id " << id_of(r);
  EXPECT_EQ(r.error(), errc::io_error);
  EXPECT_GE(jubes::testing::fault::failed_calls.load(), 1);
  auto h = s->health();
  EXPECT_EQ(h.st, store_health::state::failed);
  EXPECT_NE(h.reason.find("store failed"), std::string::npos) << h.reason;

  // The disk "recovers": a success now proves nothing about what the failed flush dropped, so
  // the store stays failed and answers at once with the cause instead of queueing.
  jubes::testing::fault::disarm();
  auto after = test::ingest(*s, test::make_req("tulp-gw", "after", {"rvdk"}));
  ASSERT_FALSE(after) << "a failed store took a write: id " << id_of(after);
  EXPECT_EQ(after.error(), errc::io_error);
  EXPECT_NE(after.error().message().find("restart"), std::string::npos) << after.error().message();
  EXPECT_FALSE(test::ack(*s, "rvdk", 1));
  EXPECT_EQ(s->health().st, store_health::state::failed);
  // Reads go on: what was acknowledged is still delivered.
  auto b = s->read_outbox("rvdk", 0, 10);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->size(), 1u);
  s->close();
  s.reset();

  // A restart reads what is on disk and takes writes again.
  auto s2 = test::open_ok(test::test_options(d.path()));
  ASSERT_TRUE(s2);
  EXPECT_EQ(s2->health().st, store_health::state::writable);
  EXPECT_TRUE(test::ingest(*s2, test::make_req("tulp-gw", "after", {"rvdk"})));
  EXPECT_TRUE(s2->check().ok());
}

// The group's own commit synced its data, but the flush that would make its meta page durable
// (the sync thread's, the queue being empty) fails. The old writer retried that flush every
// 100 ms and acknowledged the group once a retry succeeded: after a failed fdatasync the kernel may
// have dropped the dirty meta page, so that acknowledgement could be a lie.
TEST_F(failing_disk, a_group_whose_meta_flush_fails_is_never_acknowledged_even_if_a_later_flush_succeeds) {
  test::temp_dir d;
  auto s = test::open_ok(test::test_options(d.path()));
  ASSERT_TRUE(s);
  ASSERT_TRUE(test::ingest(*s, test::make_req("tulp-gw", "before", {"rvdk"})));
  // One flush passes (the commit's data sync), the next (the meta page's) fails, and only that
  // one: every later flush succeeds again.
  jubes::testing::fault::fail_flushes_after(1);
  std::promise<jubes::result<ingest_result>> p;
  auto f = p.get_future();
  s->submit(test::make_req("tulp-gw", "meta", {"rvdk"}), [&](jubes::result<ingest_result> r) { p.set_value(r); });
  while (jubes::testing::fault::failed_calls.load() == 0) std::this_thread::yield();
  jubes::testing::fault::disarm();
  auto r = f.get();
  ASSERT_FALSE(r) << "acknowledged although the flush of its meta page failed: id " << id_of(r);
  EXPECT_EQ(r.error(), errc::io_error);
  EXPECT_EQ(s->health().st, store_health::state::failed);
  auto b = s->read_outbox("rvdk", 0, 10);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->size(), 1u) << "a poll showed the group that was never durable";
}

}  // namespace
}  // namespace jubes::storage
