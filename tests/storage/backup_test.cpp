// SPDX-License-Identifier: EUPL-1.2
// Backups: written under a temporary name and renamed only when complete, with a manifest (size,
// SHA-256) that check and a restore verify; private (0700 directory, 0600 files); a backup killed
// with SIGKILL mid-copy (a child process, as in crash_test) leaves nothing that looks complete.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "storage/admin.hpp"
#include "storage/store.hpp"
#include "test_util.hpp"

namespace jubes::storage {
namespace {

namespace fs = std::filesystem;
using test::make_req;

unsigned mode_of(const fs::path& p) {
  struct stat sb {};
  return ::stat(p.c_str(), &sb) == 0 ? (sb.st_mode & 0777) : 0;
}

void fill(store& s, int n, std::size_t body = 2000) {
  for (int i = 0; i < n; ++i)
    test::ingest_ok(s, make_req("tulp-gw", "r" + std::to_string(i), {"rvdk"}, std::string(body, 'b')));
}

TEST(backup, is_private_complete_and_verified) {
  test::temp_dir d, b;
  ::umask(022);
  auto s = test::open_ok(test::test_options(d.path()));
  fill(*s, 20);
  auto bk = b.path() / "bk";
  ASSERT_TRUE(s->backup(bk));
  EXPECT_EQ(mode_of(bk), 0700u);
  EXPECT_EQ(mode_of(bk / "data.mdb"), 0600u);
  EXPECT_EQ(mode_of(bk / "MANIFEST"), 0600u);
  ASSERT_TRUE(admin::verify_backup(bk));
  EXPECT_EQ(std::distance(fs::directory_iterator(b.path()), fs::directory_iterator()), 1) << "no temporary left";
  auto ro = test::open_ro_ok(bk);
  ASSERT_TRUE(ro);
  EXPECT_TRUE(ro->check().ok());
  // A second backup never writes into an existing one.
  auto again = s->backup(bk);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error(), errc::invalid_argument);
}

TEST(backup, damaged_backup_is_reported_by_check_and_refused_by_restore) {
  test::temp_dir d, b;
  auto s = test::open_ok(test::test_options(d.path()));
  fill(*s, 20);
  auto bk = b.path() / "bk";
  ASSERT_TRUE(s->backup(bk));
  {
    // One flipped byte inside a body: LMDB and the decoders would not notice, the manifest does.
    std::fstream f(bk / "data.mdb", std::ios::in | std::ios::out | std::ios::binary);
    std::string all((std::istreambuf_iterator<char>(f)), {});
    auto at = all.find(std::string(100, 'b'));
    ASSERT_NE(at, std::string::npos);
    f.seekp(static_cast<std::streamoff>(at + 50));
    f.put('c');
  }
  auto v = admin::verify_backup(bk);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error(), errc::corrupt);
  auto ro = test::open_ro_ok(bk);
  ASSERT_TRUE(ro);
  auto report = ro->check();
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.problems.back().find("SHA-256"), std::string::npos) << report.problems.back();
  ro.reset();
  auto restored = store::open(test::test_options(bk));
  ASSERT_FALSE(restored);
  EXPECT_EQ(restored.error(), errc::corrupt);
}

TEST(backup, restore_opens_a_verified_backup_and_retires_its_manifest) {
  test::temp_dir d, b;
  auto s = test::open_ok(test::test_options(d.path()));
  fill(*s, 5);
  auto bk = b.path() / "bk";
  ASSERT_TRUE(s->backup(bk));
  s->close();
  auto r = test::open_ok(test::test_options(bk));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->stats()->messages, 5u);
  test::ingest_ok(*r, make_req("tulp-gw", "after", {"rvdk"}));
  EXPECT_FALSE(fs::exists(bk / "MANIFEST"));
  EXPECT_TRUE(fs::exists(bk / "MANIFEST.restored"));
  EXPECT_TRUE(r->check().ok());
}

/// Runs `storage_crash_child --backup SRC DST`; returns its pid, `ready` is its stdout.
pid_t spawn_backup(const fs::path& src, const fs::path& dst, int& ready) {
  int p[2];
  if (::pipe(p) != 0) return -1;
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(p[1], 1);
    ::close(p[0]);
    ::close(p[1]);
    ::execl(JUBES_CRASH_CHILD, JUBES_CRASH_CHILD, "--backup", src.c_str(), dst.c_str(), nullptr);
    ::_exit(127);
  }
  ::close(p[1]);
  ready = p[0];
  return pid;
}

/// Starts a backup child, waits for "ready", kills it after `after` (or lets it finish when
/// negative). @return true if it was killed (false: it exited 0 first).
bool run_backup(const fs::path& src, const fs::path& dst, std::chrono::microseconds after) {
  int ready = -1;
  pid_t pid = spawn_backup(src, dst, ready);
  EXPECT_GT(pid, 0);
  char buf[6] = {};
  EXPECT_EQ(::read(ready, buf, 6), 6) << "backup child did not start";
  ::close(ready);
  if (after.count() >= 0) {
    std::this_thread::sleep_for(after);
    ::kill(pid, SIGKILL);
  }
  int status = 0;
  EXPECT_EQ(::waitpid(pid, &status, 0), pid);
  if (WIFEXITED(status)) {
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }
  return WIFSIGNALED(status);
}

TEST(backup, killed_mid_copy_leaves_nothing_that_looks_complete) {
  test::temp_dir d, b;
  {
    auto o = test::test_options(d.path());
    o.durable = false;
    o.map_size_initial = 64u << 20;
    auto s = test::open_ok(o);
    fill(*s, 6000, 3000);  // ~24 MB: the copy and its hash take a while
  }
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_FALSE(run_backup(d.path(), b.path() / "whole", std::chrono::microseconds(-1)));
  auto took = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0);
  ASSERT_TRUE(admin::verify_backup(b.path() / "whole"));
  std::mt19937 rng(7);
  int interrupted = 0;
  for (int i = 0; i < 8; ++i) {
    auto dst = b.path() / ("bk" + std::to_string(i));
    auto at = std::chrono::microseconds(rng() % std::max<long>(1, took.count()));
    if (!run_backup(d.path(), dst, at)) continue;
    if (!fs::exists(dst)) {
      ++interrupted;
    } else {  // killed after the rename: it must be whole
      EXPECT_TRUE(admin::verify_backup(dst)) << dst;
    }
  }
  EXPECT_GT(interrupted, 0) << "no kill landed mid-backup (took " << took.count() << " us)";
  // Whatever the kills left: published backups verify; an unpublished (dot) directory has no
  // manifest, or (killed between the manifest's rename and the directory's) a whole one that
  // verifies: never half a manifest.
  for (const auto& e : fs::directory_iterator(b.path())) {
    auto v = admin::verify_backup(e.path());
    if (e.path().filename().string().rfind(".", 0) == 0) {
      if (!v) {
        EXPECT_EQ(v.error(), errc::not_found) << e.path() << ": " << v.error().message();
      }
    } else {
      EXPECT_TRUE(v) << e.path() << ": " << v.error().message();
    }
  }
}

}  // namespace
}  // namespace jubes::storage
