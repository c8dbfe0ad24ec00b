// SPDX-License-Identifier: EUPL-1.2
// Garbage pages, property style: a real store with random bytes overwritten in many places, one
// copy per seed. Opening it (read-only as jubesctl does, and for writing as jubesd does), checking
// it and reading every outbox and message must never crash the process (each probe runs in a
// forked child, so a SIGSEGV/SIGBUS/ASan report fails the test instead of ending it); damaged
// pages are refused at open (the page walk, storage/src/verify.hpp), damage to records is
// reported by check. JUBES_GARBAGE_SEEDS=N runs more seeds.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "storage/admin.hpp"
#include "storage/store.hpp"
#include "test_util.hpp"

namespace jubes::storage {
namespace {

namespace fs = std::filesystem;

constexpr int n_messages = 200;
const char* const recipients[] = {"rvdk", "idv", "gemeente:0363"};

std::string refnr(int i) {
  char b[32];
  std::snprintf(b, sizeof b, "REFNR-%05d", i);
  return b;
}

/// data.mdb of a closed store with messages to three outboxes, some parked, some acked.
std::string pristine_store(const fs::path& dir) {
  auto o = test::test_options(dir);
  o.durable = false;
  {
    auto s = test::open_ok(o);
    for (int i = 0; i < n_messages; ++i) {
      std::vector<std::string> r;
      if (i % 7 != 0) r = {recipients[i % 3], recipients[(i + 1) % 3]};
      auto req = test::make_req("tulp-gw", refnr(i), r, "BODY-" + std::to_string(i) + std::string(600, 'q'));
      if (r.empty()) req.park_reason = "none";
      test::ingest_ok(*s, req);
    }
    test::ack(*s, "rvdk", 10);
    // A compacting copy holds live pages only: no stale page copies for the targeted tests to hit.
    EXPECT_TRUE(s->backup(dir / "compact"));
  }
  std::ifstream in(dir / "compact" / "data.mdb", std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

enum probe_result { refused = 10, damage_found = 11, clean = 12 };

/// In the child: everything jubesctl and jubesd do to a store they open.
/// `full`: also check and read everything (only where LMDB's page structure is intact: LMDB
/// itself follows damaged page pointers without bounds checks, see docs/storage.md).
[[noreturn]] void probe(const fs::path& dir, bool full) {
  ::alarm(60);  // a hang is a failure too (SIGALRM)
  int verdict = refused;
  auto ro = store::open_readonly(dir);
  if (ro && !full) verdict = clean;
  if (ro && full) {
    auto& s = **ro;
    verdict = s.check().ok() ? clean : damage_found;
    (void)s.stats();
    (void)s.outboxes();
    (void)s.parked();
    for (const char* r : recipients)
      for (std::uint64_t after = 0;;) {
        auto b = s.read_outbox(r, after, 50);
        if (!b || b->empty() || b->back().seq <= after) break;
        after = b->back().seq;
      }
    for (std::uint64_t id = 1; id <= n_messages + 1; ++id) {
      auto m = s.get(id);
      if (!m && m.error() != errc::corrupt && verdict == clean) verdict = damage_found;
      (void)s.audit(id, 10);
    }
  }
  auto o = test::test_options(dir);
  o.durable = false;
  if (auto rw = store::open(o)) (*rw)->close();
  std::fflush(nullptr);
  ::_exit(verdict);
}

/// Writes `data` to a fresh directory and probes it in a child. @return the child's verdict.
int probe_copy(const std::string& data, const fs::path& dir, bool full = true) {
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "data.mdb", std::ios::binary) << data;
  pid_t pid = ::fork();
  if (pid == 0) probe(dir, full);
  int status = 0;
  EXPECT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status)) << "the probe died of signal " << (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int seeds() {
  const char* env = std::getenv("JUBES_GARBAGE_SEEDS");
  return env ? std::max(1, std::atoi(env)) : 60;
}

/// Random damage to one copy per seed. @return how many copies were refused or reported;
/// `open_too`: also open each copy (in a child) and require that it does not crash.
int random_damage(bool open_too) {
  test::temp_dir d;
  const std::string pristine = pristine_store(d.path() / "pristine");
  EXPECT_EQ(probe_copy(pristine, d.path() / "p"), clean);
  int found = 0, n = seeds();
  for (int seed = 0; seed < n; ++seed) {
    std::mt19937_64 rng(static_cast<unsigned>(seed));
    std::string bad = pristine;
    for (int k = 1 + static_cast<int>(rng() % 32); k > 0; --k) bad[rng() % bad.size()] = static_cast<char>(rng());
    if (open_too) {
      int v = probe_copy(bad, d.path() / "p", false);
      EXPECT_NE(v, -1) << "seed " << seed << ": opening crashed";
    } else {
      fs::remove_all(d.path() / "p");
      fs::create_directories(d.path() / "p");
      std::ofstream(d.path() / "p" / "data.mdb", std::ios::binary) << bad;
    }
    // jubesctl check's path: the report comes back whatever the damage does to the check.
    if (!admin::check_isolated(d.path() / "p").ok()) ++found;
  }
  std::printf("garbage: %d of %d damaged copies refused or reported\n", found, n);
  return found;
}

TEST(garbage, random_bytes_anywhere_are_reported_by_the_isolated_check) {
  EXPECT_GT(random_damage(false), seeds() / 2) << "most damaged copies must be refused or reported";
}

/// In the child: open the copy for writing as jubesd does (the store's page walk, in a grandchild,
/// before it is mounted). If it mounts, everything must then be readable and writable without a
/// crash: the walk must not let through page damage that a later read or write trips over.
[[noreturn]] void open_and_use(const fs::path& dir) {
  ::alarm(60);
  auto o = test::test_options(dir);
  o.durable = false;
  auto rw = store::open(o);
  if (!rw) {
    std::fflush(nullptr);
    ::_exit(refused);
  }
  auto& s = **rw;
  (void)s.check();
  (void)s.stats();
  (void)s.outboxes();
  (void)s.parked();
  for (const char* r : recipients)
    for (std::uint64_t after = 0;;) {
      auto b = s.read_outbox(r, after, 50);
      if (!b || b->empty() || b->back().seq <= after) break;
      after = b->back().seq;
    }
  for (std::uint64_t id = 1; id <= n_messages + 1; ++id) {
    (void)s.get(id);
    (void)s.audit(id, 10);
  }
  (void)test::ingest(s, test::make_req("tulp-gw", "NEW-AFTER-OPEN", {"rvdk"}));
  (void)test::ingest(s, test::make_req("tulp-gw", refnr(3), {"rvdk"}));  // a duplicate, or a conflict
  (void)test::ack(s, "rvdk", 20);
  s.close();
  std::fflush(nullptr);
  ::_exit(clean);
}

// Random bytes anywhere in the file: jubesd's open (and jubesctl's read-only one) never crashes:
// the store's page walk in a forked child refuses garbage pages before LMDB in the process
// follows them, and a store that does mount can be read and written without a crash. Before the
// walk, seed 0 crashed the process inside mdb_page_search at open.
TEST(garbage, random_bytes_anywhere_never_crash_open) {
  EXPECT_GT(random_damage(true), seeds() / 2);
  test::temp_dir d;
  const std::string pristine = pristine_store(d.path() / "pristine");
  int refused_n = 0, mounted_n = 0;
  for (int seed = 0; seed < seeds(); ++seed) {
    std::mt19937_64 rng(static_cast<unsigned>(seed));
    std::string bad = pristine;
    for (int k = 1 + static_cast<int>(rng() % 32); k > 0; --k) bad[rng() % bad.size()] = static_cast<char>(rng());
    fs::remove_all(d.path() / "p");
    fs::create_directories(d.path() / "p");
    std::ofstream(d.path() / "p" / "data.mdb", std::ios::binary) << bad;
    std::fflush(nullptr);  // the child must not write this process's buffered output again
    pid_t pid = ::fork();
    if (pid == 0) open_and_use(d.path() / "p");
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status)) << "seed " << seed << ": the process died of signal "
                                   << (WIFSIGNALED(status) ? WTERMSIG(status) : 0)
                                   << " (a store was mounted and crashed)";
    (WEXITSTATUS(status) == clean ? mounted_n : refused_n)++;
    if (seed == 0) {
      EXPECT_NE(WEXITSTATUS(status), clean) << "seed 0 damages a branch page: it must be refused";
    }
  }
  std::printf("garbage: %d refused, %d mounted and used without a crash\n", refused_n, mounted_n);
  EXPECT_GT(refused_n, 0);
}

TEST(garbage, damaged_records_are_reported_by_check) {
  test::temp_dir d;
  const std::string pristine = pristine_store(d.path() / "pristine");
  // Every place a referentienummer is stored: message records and dedup keys.
  std::vector<std::size_t> at;
  for (auto p = pristine.find("REFNR-"); p != std::string::npos; p = pristine.find("REFNR-", p + 1)) at.push_back(p);
  ASSERT_GE(at.size(), 2u * n_messages);
  int n = seeds();
  for (int seed = 0; seed < n; ++seed) {
    std::mt19937_64 rng(static_cast<unsigned>(seed));
    std::string bad = pristine;
    bad[at[rng() % at.size()] + 6 + rng() % 5] = '#';
    int v = probe_copy(bad, d.path() / "p");
    EXPECT_TRUE(v == damage_found || v == refused) << "seed " << seed << ": check found nothing (" << v << ")";
  }
}

TEST(garbage, damaged_bodies_are_reported_by_check) {
  test::temp_dir d;
  const std::string pristine = pristine_store(d.path() / "pristine");
  std::vector<std::size_t> at;
  for (auto p = pristine.find("BODY-"); p != std::string::npos; p = pristine.find("BODY-", p + 1)) at.push_back(p);
  ASSERT_EQ(at.size(), static_cast<std::size_t>(n_messages));
  for (int seed = 0; seed < seeds(); ++seed) {
    std::mt19937_64 rng(static_cast<unsigned>(seed));
    std::string bad = pristine;
    bad[at[rng() % at.size()] + 10 + rng() % 500] = '#';
    int v = probe_copy(bad, d.path() / "p");
    EXPECT_EQ(v, damage_found) << "seed " << seed;
  }
}

}  // namespace
}  // namespace jubes::storage
