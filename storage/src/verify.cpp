// SPDX-License-Identifier: EUPL-1.2
#include "verify.hpp"

#include <fcntl.h>
#include <lmdb.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "common/log.hpp"
#include "files.hpp"
#include "storage/errc.hpp"
#include "storage/store.hpp"

namespace jubes::storage::verify {

namespace {

constexpr std::string_view log_c = "storage";
volatile unsigned char g_sink = 0;

std::string lmdb_text(int rc) {
  return mdb_strerror(rc);
}

/// Reads one byte of every page `v` spans and its last byte: a value that points outside the map
/// faults here, in the child, not later in the parent.
unsigned char touch(const MDB_val& v) {
  const auto* p = static_cast<const unsigned char*>(v.mv_data);
  unsigned char x = 0;
  for (std::size_t i = 0; i < v.mv_size; i += 4096) x ^= p[i];
  if (v.mv_size) x ^= p[v.mv_size - 1];
  return x;
}

/// A free-list record: a page-number list (count, then count numbers), every number a data page.
std::string check_free_record(const MDB_val& v, std::size_t last_pgno) {
  constexpr std::size_t w = sizeof(std::size_t);
  std::size_t n = 0;
  if (v.mv_size < w || v.mv_size % w != 0) return "free list: a record of " + std::to_string(v.mv_size) + " bytes";
  std::memcpy(&n, v.mv_data, w);
  if (n != v.mv_size / w - 1)
    return "free list: a record says " + std::to_string(n) + " pages in " + std::to_string(v.mv_size) + " bytes";
  for (std::size_t i = 1; i <= n; ++i) {
    std::size_t pg = 0;
    std::memcpy(&pg, static_cast<const char*>(v.mv_data) + i * w, w);
    if (pg < 2 || pg > last_pgno)
      return "free list: page " + std::to_string(pg) + " outside 2.." + std::to_string(last_pgno);
  }
  return {};
}

/// Walks every record of one database. @return "" or the damage found
std::string walk(MDB_txn* t, MDB_dbi dbi, const std::string& name, std::size_t last_pgno, bool free_list,
                 std::vector<std::string>* names, unsigned char& sink) {
  MDB_stat st{};
  if (int rc = mdb_stat(t, dbi, &st); rc != 0) return name + ": " + lmdb_text(rc);
  if (st.ms_branch_pages + st.ms_leaf_pages + st.ms_overflow_pages > last_pgno + 1)
    return name + ": counts more pages than the file holds";
  MDB_cursor* c = nullptr;
  if (int rc = mdb_cursor_open(t, dbi, &c); rc != 0) return name + ": " + lmdb_text(rc);
  MDB_val k{}, v{};
  std::size_t n = 0;
  std::string problem;
  int rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
  for (; rc == 0 && problem.empty(); rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
    ++n;
    sink ^= static_cast<unsigned char>(touch(k) ^ touch(v));
    if (free_list) problem = check_free_record(v, last_pgno);
    if (names) names->emplace_back(static_cast<const char*>(k.mv_data), k.mv_size);
  }
  mdb_cursor_close(c);
  if (!problem.empty()) return problem;
  if (rc != MDB_NOTFOUND) return name + ": " + lmdb_text(rc);
  if (n != st.ms_entries)
    return name + ": " + std::to_string(n) + " records walked, its header says " + std::to_string(st.ms_entries);
  return {};
}

/// The page walk over every database. @return "" or the damage found
std::string walk_all(MDB_env* env, std::size_t last_pgno) {
  MDB_txn* t = nullptr;
  if (int rc = mdb_txn_begin(env, nullptr, MDB_RDONLY, &t); rc != 0) return "read transaction: " + lmdb_text(rc);
  unsigned char sink = 0;
  std::vector<std::string> names;
  std::string p = walk(t, 0, "free list", last_pgno, true, nullptr, sink);  // FREE_DBI
  if (p.empty()) p = walk(t, 1, "main", last_pgno, false, &names, sink);    // MAIN_DBI: the table names
  for (const auto& name : names) {
    if (!p.empty()) break;
    MDB_dbi dbi = 0;
    if (name.find('\0') != std::string::npos || name.empty()) continue;  // not a table name either
    if (int rc = mdb_dbi_open(t, name.c_str(), 0, &dbi); rc == MDB_INCOMPATIBLE) {
      continue;  // a plain record, not a table (another application's store: open says whose)
    } else if (rc != 0) {
      p = "table " + name + ": " + lmdb_text(rc);
    } else {
      p = walk(t, dbi, "table " + name, last_pgno, false, nullptr, sink);
    }
  }
  mdb_txn_abort(t);
  g_sink = sink;  // the reads above must happen; the value does not matter
  return p;
}

/// The child: open, walk, (full) check; the verdict on `fd`, "ok" or the damage.
std::string child_verdict(const std::filesystem::path& dir, open_check depth, bool live, const at_rest_options& ar) {
  MDB_env* env = nullptr;
  if (int rc = mdb_env_create(&env); rc != 0) return "cannot create an environment: " + lmdb_text(rc);
  mdb_env_set_maxdbs(env, 64);
  const unsigned flags = MDB_RDONLY | (live ? 0u : MDB_NOLOCK);
  std::string p;
  if (int rc = mdb_env_open(env, dir.c_str(), flags, 0600); rc != 0) {
    p = "cannot open: " + lmdb_text(rc);
  } else if (auto sz = files::check_size(env, dir); !sz) {
    p = sz.error().message();
  } else {
    MDB_envinfo info{};
    mdb_env_info(env, &info);
    p = walk_all(env, info.me_last_pgno);
  }
  mdb_env_close(env);
  if (p.empty() && depth == open_check::full) {
    auto s = store::open_readonly(dir, open_check::none, ar);
    if (!s) return "cannot open: " + s.error().message();
    auto r = (*s)->check();
    if (!r.ok()) p = "check: " + r.problems.front() + (r.problems.size() > 1 ? " (and more)" : "");
  }
  return p.empty() ? "ok" : p;
}

[[noreturn]] void run_child(int fd, const std::filesystem::path& dir, open_check depth, bool live,
                            const at_rest_options& ar) {
  const std::string out = child_verdict(dir, depth, live, ar) + "\n";
  for (std::size_t done = 0; done < out.size();) {
    ssize_t n = ::write(fd, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  ::_exit(0);
}

}  // namespace

jubes::result<void> isolated(const std::filesystem::path& dir, open_check depth, bool live, const at_rest_options& ar) {
  if (depth == open_check::none) return {};
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return fail(errc::io_error, std::string("verify: pipe: ") + std::strerror(errno));
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(p[0]);
    ::close(p[1]);
    return fail(errc::io_error, std::string("verify: fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    ::close(p[0]);
    run_child(p[1], dir, depth, live, ar);
  }
  ::close(p[1]);
  std::string text;
  char buf[1024];
  for (ssize_t n; (n = ::read(p[0], buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(p[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  while (!text.empty() && text.back() == '\n') text.pop_back();
  std::string why;
  if (WIFSIGNALED(status))
    why = "walking its pages crashed (signal " + std::to_string(WTERMSIG(status)) + ")";
  else if (text.empty())
    why = "the verification ended without a verdict (exit " + std::to_string(WEXITSTATUS(status)) + ")";
  else if (text != "ok")
    why = text;
  if (why.empty()) return {};
  log::error(log_c, "store_damaged", {{"dir", dir.string()}, {"error", why}});
  return fail(errc::corrupt, dir.string() + ": damaged store refused: " + why +
                                 "; restore a backup (docs/storage.md, \"Damaged stores\")");
}

}  // namespace jubes::storage::verify
