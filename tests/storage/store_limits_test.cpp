// SPDX-License-Identifier: EUPL-1.2
// The store at its limits, each test on its own store: refused dirs, a full map, backup, many threads, damaged records.
#include <gtest/gtest.h>
#include <lmdb.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <thread>

#include "storage/store.hpp"
#include "test_util.hpp"

namespace jubes::storage {
namespace {

using test::make_req;
using test::temp_dir;

TEST(store_open, unknown_format_version_and_foreign_dirs_are_refused) {
  temp_dir d;
  auto o = test::test_options(d.path());
  {
    auto s = store::open(o);
    ASSERT_TRUE(s);
  }
  {  // Rewrite the version as a future jubes would.
    MDB_env* env = nullptr;
    ASSERT_EQ(mdb_env_create(&env), 0);
    mdb_env_set_maxdbs(env, 16);
    ASSERT_EQ(mdb_env_open(env, d.path().c_str(), 0, 0600), 0);
    MDB_txn* t = nullptr;
    ASSERT_EQ(mdb_txn_begin(env, nullptr, 0, &t), 0);
    MDB_dbi meta;
    ASSERT_EQ(mdb_dbi_open(t, "meta", 0, &meta), 0);
    char v[8] = {0, 0, 0, 0, 0, 0, 0, 99};
    MDB_val k{14, const_cast<char*>("format_version")}, dv{8, v};
    ASSERT_EQ(mdb_put(t, meta, &k, &dv, 0), 0);
    ASSERT_EQ(mdb_txn_commit(t), 0);
    mdb_env_close(env);
  }
  auto s = store::open(o);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error(), errc::bad_version);
  auto ro = store::open_readonly(d.path());
  ASSERT_FALSE(ro);
  EXPECT_EQ(ro.error(), errc::bad_version);

  temp_dir empty;
  auto none = store::open_readonly(empty.path());
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error(), errc::not_found);

  temp_dir foreign;  // some other LMDB application's store
  {
    MDB_env* env = nullptr;
    ASSERT_EQ(mdb_env_create(&env), 0);
    ASSERT_EQ(mdb_env_open(env, foreign.path().c_str(), 0, 0600), 0);
    MDB_txn* t = nullptr;
    ASSERT_EQ(mdb_txn_begin(env, nullptr, 0, &t), 0);
    MDB_dbi main_db;
    ASSERT_EQ(mdb_dbi_open(t, nullptr, 0, &main_db), 0);
    MDB_val k{3, const_cast<char*>("key")}, dv{5, const_cast<char*>("value")};
    ASSERT_EQ(mdb_put(t, main_db, &k, &dv, 0), 0);
    ASSERT_EQ(mdb_txn_commit(t), 0);
    mdb_env_close(env);
  }
  auto f = store::open(test::test_options(foreign.path()));
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error(), errc::bad_version);

  auto bad = test::test_options(d.path());
  bad.queue_capacity = 0;
  EXPECT_EQ(store::open(bad).error(), errc::invalid_argument);
}

TEST(store_full, ingest_gets_store_full_while_acks_and_reads_go_on) {
  temp_dir d;
  auto o = test::test_options(d.path());
  o.map_size_initial = 1u << 20;
  o.map_size_max = 2u << 20;
  o.max_group = 8;
  auto s = test::open_ok(o);
  std::string body(16 * 1024, 'x');
  std::uint64_t accepted = 0;
  jubes::result<ingest_result> last = ingest_result{};
  for (int i = 0; i < 400; ++i) {
    last = test::ingest(*s, make_req("tulp-gw", "big" + std::to_string(i), {"rvdk"}, body + std::to_string(i)));
    if (!last) break;
    EXPECT_EQ(last->outcome, ingest_outcome::accepted);
    ++accepted;
  }
  ASSERT_FALSE(last);
  EXPECT_EQ(last.error(), errc::store_full);
  EXPECT_GT(accepted, 10u);
  auto m = s->metrics();
  EXPECT_GE(m.map_grows, 1u);
  EXPECT_EQ(m.map_size, 2u << 20);
  EXPECT_GE(m.store_full, 1u);
  // Nothing half-written: exactly the accepted messages exist, reads and acks work.
  EXPECT_EQ(s->stats()->messages, accepted);
  auto e = s->read_outbox("rvdk", 0, 5);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->size(), 5u);
  auto a = test::ack(*s, "rvdk", 5);
  ASSERT_TRUE(a) << a.error().message();
  EXPECT_EQ(*a, 5u);
  // A duplicate is still recognised when full.
  EXPECT_EQ(test::ingest_ok(*s, make_req("tulp-gw", "big0", {"rvdk"}, body + "0")).outcome, ingest_outcome::duplicate);
  EXPECT_TRUE(s->check().ok());
  s->close();
  s.reset();
  // Reopen with a larger maximum: ids continue where the committed ones end.
  o.map_size_max = 64u << 20;
  s = test::open_ok(o);
  auto more = test::ingest_ok(*s, make_req("tulp-gw", "after", {"rvdk"}));
  EXPECT_EQ(more.outcome, ingest_outcome::accepted);
  EXPECT_EQ(more.rcpt.message_id, accepted + 1);
  EXPECT_EQ(s->read_outbox("rvdk", accepted, 10)->front().seq, accepted + 1);
  EXPECT_TRUE(s->check().ok());
}

TEST(store_backup, hot_compacting_copy_is_a_complete_store) {
  temp_dir d, b;
  auto s = test::open_ok(test::test_options(d.path()));
  for (int i = 0; i < 20; ++i) test::ingest_ok(*s, make_req("tulp-gw", "b" + std::to_string(i), {"rvdk", "idv"}));
  test::ack(*s, "rvdk", 7);
  auto target = b.path() / "copy";
  ASSERT_TRUE(s->backup(target));
  EXPECT_EQ(s->backup(target).error(), errc::invalid_argument);  // never overwrites a store
  auto c = store::open_readonly(target);
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ((*c)->read_outbox("idv", 0, 100)->size(), 20u);
  EXPECT_EQ((*c)->outbox("rvdk")->cursor, 7u);
  EXPECT_TRUE((*c)->check().ok());
}

TEST(store_concurrency, many_threads_ingest_and_read_at_once) {
  temp_dir d;
  auto o = test::test_options(d.path());
  o.durable = false;
  auto s = test::open_ok(o);
  constexpr int threads = 4, per = 200;
  std::atomic<int> accepted{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t)
    ts.emplace_back([&, t] {
      for (int i = 0; i < per; ++i) {
        auto r = make_req("src" + std::to_string(t), std::to_string(i), {"rvdk"});
        auto res = test::ingest_ok(*s, r);
        if (res.outcome == ingest_outcome::accepted) ++accepted;
        ASSERT_TRUE(s->read_outbox("rvdk", 0, 10));
      }
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(accepted.load(), threads * per);
  auto e = s->read_outbox("rvdk", 0, 10000);
  ASSERT_EQ(e->size(), static_cast<std::size_t>(threads * per));
  for (std::size_t i = 0; i < e->size(); ++i) EXPECT_EQ((*e)[i].seq, i + 1);
  EXPECT_TRUE(s->check().ok());
}

/// Overwrites one value in a closed store with raw LMDB, as a disk fault or a bug might.
void poke(const std::filesystem::path& dir, const char* db, std::string key, std::string value) {
  MDB_env* env = nullptr;
  ASSERT_EQ(mdb_env_create(&env), 0);
  mdb_env_set_maxdbs(env, 16);
  ASSERT_EQ(mdb_env_open(env, dir.c_str(), 0, 0600), 0);
  MDB_txn* t = nullptr;
  ASSERT_EQ(mdb_txn_begin(env, nullptr, 0, &t), 0);
  MDB_dbi dbi;
  ASSERT_EQ(mdb_dbi_open(t, db, 0, &dbi), 0);
  MDB_val k{key.size(), key.data()}, v{value.size(), value.data()};
  ASSERT_EQ(mdb_put(t, dbi, &k, &v, 0), 0);
  ASSERT_EQ(mdb_txn_commit(t), 0);
  mdb_env_close(env);
}

std::string be(std::uint64_t v) {
  std::string s(8, '\0');
  for (int i = 7; i >= 0; --i, v >>= 8) s[static_cast<std::size_t>(i)] = static_cast<char>(v & 0xff);
  return s;
}

TEST(store_corruption, damaged_records_are_reported_never_crash) {
  test::temp_dir d;
  auto o = test::test_options(d.path());
  {
    auto s = test::open_ok(o);
    ASSERT_TRUE(s);
    test::ingest_ok(*s, make_req("tulp-gw", "a", {"rvdk"}));
    test::ingest_ok(*s, make_req("tulp-gw", "b", {"rvdk"}));
    EXPECT_TRUE(s->check().ok());
  }
  poke(d.path(), "messages", be(1), "garbage");
  poke(d.path(), "outbox", std::string("rvdk\0", 5) + be(5), be(99));  // a gap and a dangling id
  auto s = test::open_ok(o);
  ASSERT_TRUE(s);
  auto m = s->get(1);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error(), errc::corrupt);
  auto r = s->read_outbox("rvdk", 0, 10);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::corrupt);
  auto ok2 = s->get(2);  // the undamaged message still reads
  ASSERT_TRUE(ok2 && ok2->has_value());
  auto rep = s->check();
  EXPECT_FALSE(rep.ok());
  std::string all;
  for (auto& p : rep.problems) all += p + "\n";
  EXPECT_NE(all.find("message: undecodable record"), std::string::npos) << all;
  EXPECT_NE(all.find("outbox rvdk: gap after seq 2 (next 5)"), std::string::npos) << all;
  EXPECT_NE(all.find("message 99 missing"), std::string::npos) << all;
  // A forward of the damaged message fails cleanly and the writer goes on.
  EXPECT_EQ(test::forward(*s, 1, "rvdk", "idv").error(), errc::corrupt);
  EXPECT_EQ(test::ingest_ok(*s, make_req("tulp-gw", "c", {"idv"})).outcome, ingest_outcome::accepted);
}

}  // namespace
}  // namespace jubes::storage
