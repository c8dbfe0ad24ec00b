// SPDX-License-Identifier: EUPL-1.2
// A damaged store is refused, never mounted and never a crash (issue 12, item 4): a truncated
// data.mdb, an empty one where a store was, a directory that lost its store, a file that is not
// LMDB. New stores need an empty directory or an explicit initialise.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "storage/admin.hpp"
#include "storage/store.hpp"
#include "test_util.hpp"

namespace jubes::storage {
namespace {

namespace fs = std::filesystem;
using test::make_req;

/// A closed store in `dir` with `n` messages of about 2 KiB each (several hundred pages).
void make_store(const fs::path& dir, int n) {
  auto o = test::test_options(dir);
  o.durable = false;
  auto s = test::open_ok(o);
  ASSERT_TRUE(s);
  for (int i = 0; i < n; ++i)
    test::ingest_ok(*s, make_req("tulp-gw", "r" + std::to_string(i), {"rvdk", "idv"}, std::string(2000, 'x')));
  s->close();
}

void write_file(const fs::path& p, const std::string& content) {
  std::ofstream(p, std::ios::binary | std::ios::trunc) << content;
}

TEST(damage, truncated_data_file_is_refused_by_open_and_open_readonly) {
  test::temp_dir d;
  make_store(d.path(), 300);
  const auto data = d.path() / "data.mdb";
  const auto full = fs::file_size(data);
  ASSERT_GT(full, 400'000u);
  // Half a restore, a page-aligned cut, a cut mid-page, the last page missing.
  for (auto size : {full / 2, std::uintmax_t{4096 * 3}, full / 2 + 123, full - 4096}) {
    fs::resize_file(data, size);
    auto ro = store::open_readonly(d.path());
    ASSERT_FALSE(ro) << size;
    EXPECT_EQ(ro.error(), errc::corrupt);
    EXPECT_NE(ro.error().message().find("truncated"), std::string::npos) << ro.error().message();
    auto rw = store::open(test::test_options(d.path()));
    ASSERT_FALSE(rw) << size;
    EXPECT_EQ(rw.error(), errc::corrupt);
    EXPECT_EQ(fs::file_size(data), size) << "a refused open must leave the file as it was";
  }
}

TEST(damage, empty_data_file_where_a_store_was_is_refused_not_made_new) {
  test::temp_dir d;
  make_store(d.path(), 3);
  fs::resize_file(d.path() / "data.mdb", 0);
  auto rw = store::open(test::test_options(d.path()));
  ASSERT_FALSE(rw);
  EXPECT_EQ(rw.error(), errc::corrupt);
  EXPECT_NE(rw.error().message().find("empty"), std::string::npos) << rw.error().message();
  EXPECT_EQ(fs::file_size(d.path() / "data.mdb"), 0u);
  auto ro = store::open_readonly(d.path());
  ASSERT_FALSE(ro);
  EXPECT_EQ(ro.error(), errc::corrupt);
  // Only the operator's explicit choice makes a new store here.
  ASSERT_TRUE(admin::initialise(test::test_options(d.path())));
  auto s = test::open_ok(test::test_options(d.path()));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->stats()->messages, 0u);
}

TEST(damage, directory_that_lost_its_store_is_refused_until_initialised) {
  test::temp_dir d;
  make_store(d.path(), 3);
  fs::remove(d.path() / "data.mdb");
  fs::remove(d.path() / "lock.mdb");
  auto rw = store::open(test::test_options(d.path()));
  ASSERT_FALSE(rw);
  EXPECT_EQ(rw.error(), errc::not_found);
  EXPECT_NE(rw.error().message().find("held a jubes store"), std::string::npos) << rw.error().message();
  EXPECT_FALSE(fs::exists(d.path() / "data.mdb"));
  auto o = test::test_options(d.path());
  o.initialise = true;
  auto s = test::open_ok(o);
  ASSERT_TRUE(s);
  test::ingest_ok(*s, make_req("tulp-gw", "a", {"rvdk"}));
}

TEST(damage, new_store_needs_an_empty_or_absent_directory) {
  test::temp_dir d;
  // Absent and empty directories are new stores (the first start of a gateway), private ones.
  auto absent = test::open_ok(test::test_options(d.path() / "fresh"));
  ASSERT_TRUE(absent);
  struct stat sb {};
  ASSERT_EQ(::stat((d.path() / "fresh").c_str(), &sb), 0);
  EXPECT_EQ(sb.st_mode & 0777, 0700u);
  EXPECT_TRUE(fs::exists(d.path() / "fresh" / "jubes-store"));
  fs::create_directories(d.path() / "empty");
  EXPECT_TRUE(test::open_ok(test::test_options(d.path() / "empty")));
  // Anything else in it: not ours to claim.
  fs::create_directories(d.path() / "other");
  write_file(d.path() / "other" / "notes.txt", "x");
  auto r = store::open(test::test_options(d.path() / "other"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::not_found);
  EXPECT_FALSE(fs::exists(d.path() / "other" / "data.mdb"));
}

TEST(damage, data_file_that_is_not_lmdb_is_refused_and_never_initialised_over) {
  test::temp_dir d;
  write_file(d.path() / "data.mdb", std::string(8192, 'g'));
  auto rw = store::open(test::test_options(d.path()));
  ASSERT_FALSE(rw);
  EXPECT_EQ(rw.error(), errc::corrupt);
  auto ro = store::open_readonly(d.path());
  ASSERT_FALSE(ro);
  EXPECT_EQ(ro.error(), errc::corrupt);
  auto init = admin::initialise(test::test_options(d.path()));
  ASSERT_FALSE(init);
  EXPECT_EQ(fs::file_size(d.path() / "data.mdb"), 8192u);
  write_file(d.path() / "data.mdb", "short");
  EXPECT_FALSE(store::open(test::test_options(d.path())));
}

TEST(damage, existing_store_without_marker_opens_and_gets_one) {
  test::temp_dir d;
  make_store(d.path(), 2);
  fs::remove(d.path() / "jubes-store");  // a store made before markers existed
  auto s = test::open_ok(test::test_options(d.path()));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->stats()->messages, 2u);
  EXPECT_TRUE(fs::exists(d.path() / "jubes-store"));
}

}  // namespace
}  // namespace jubes::storage
