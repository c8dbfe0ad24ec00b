// SPDX-License-Identifier: EUPL-1.2
#include "storage/admin.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "common/iso_time.hpp"
#include "common/log.hpp"
#include "files.hpp"

namespace jubes::storage::admin {

jubes::result<std::vector<outbox_row>> outbox_list(const backend& s, std::int64_t now_ms) {
  auto all = s.outboxes();
  if (!all) return all.error();
  std::vector<outbox_row> rows;
  rows.reserve(all->size());
  for (const auto& [name, st] : *all) {
    outbox_row r;
    r.recipient = name;
    r.head = st.head;
    r.cursor = st.cursor;
    r.backlog = st.head > st.cursor ? st.head - st.cursor : 0;
    if (r.backlog > 0 && st.oldest_unacked_ms > 0 && now_ms > st.oldest_unacked_ms)
      r.oldest_unacked_age_s = (now_ms - st.oldest_unacked_ms) / 1000;
    rows.push_back(std::move(r));
  }
  return rows;
}

std::string to_text(const std::vector<outbox_row>& rows) {
  std::size_t w = 9;
  for (const auto& r : rows) w = std::max(w, r.recipient.size());
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "%-*s %12s %12s %12s %16s\n", static_cast<int>(w), "recipient", "head", "cursor",
                "backlog", "oldest_unacked_s");
  out += line;
  for (const auto& r : rows) {
    std::snprintf(line, sizeof line, "%-*s %12llu %12llu %12llu %16lld\n", static_cast<int>(w), r.recipient.c_str(),
                  static_cast<unsigned long long>(r.head), static_cast<unsigned long long>(r.cursor),
                  static_cast<unsigned long long>(r.backlog), static_cast<long long>(r.oldest_unacked_age_s));
    out += line;
  }
  return out;
}

jubes::result<std::vector<parked_entry>> parked_list(const backend& s) {
  return s.parked();
}

std::string to_text(const std::vector<parked_entry>& rows) {
  std::ostringstream os;
  os << "message_id source referentienummer message_type accepted_at reason\n";
  for (const auto& p : rows)
    os << p.message_id << ' ' << p.source_party << ' ' << p.referentienummer << ' ' << p.message_type << ' '
       << log::iso8601_utc(p.accepted_at_ms) << ' ' << '"' << p.park_reason << '"' << '\n';
  return os.str();
}

std::string to_text(const check_report& r) {
  std::ostringstream os;
  if (r.ok()) {
    os << "ok:";
  } else {
    os << "FAILED: " << r.problems.size() << " problem(s)\n";
    for (const auto& p : r.problems) os << "  " << p << '\n';
    os << "counts:";
  }
  os << " messages=" << r.messages << " purged=" << r.purged << " parked=" << r.parked << " dedup=" << r.dedup
     << " recipients=" << r.recipients << " outbox_entries=" << r.outbox_entries << " blobs=" << r.blobs
     << " plain_blobs=" << r.plain_blobs << " audit=" << r.audit << '\n';
  return os.str();
}

std::string to_text(const store_stats& s) {
  std::ostringstream os;
  os << "format_version=" << s.format_version << '\n'
     << "messages=" << s.messages << '\n'
     << "purged=" << s.purged << '\n'
     << "parked=" << s.parked << '\n'
     << "dedup_records=" << s.dedup << '\n'
     << "recipients=" << s.recipients << '\n'
     << "outbox_entries=" << s.outbox_entries << '\n'
     << "unacked=" << s.unacked << '\n'
     << "audit_records=" << s.audit << '\n'
     << "blobs=" << s.blobs << '\n'
     << "last_message_id=" << s.last_message_id << '\n'
     << "map_size_bytes=" << s.map_size << '\n'
     << "map_used_bytes=" << s.map_used << '\n'
     << "page_size=" << s.page_size << '\n';
  return os.str();
}

jubes::result<void> backup(const backend& s, const std::filesystem::path& dir,
                           const std::function<void(std::uint64_t bytes)>& progress) {
  if (!progress) return s.backup(dir);
  // The copy has no hook of its own: watch the temporary data.mdb grow (files::write_backup).
  std::mutex mu;
  std::condition_variable cv;
  bool finished = false;
  std::thread watcher([&] {
    const auto data = files::partial_path(dir) / files::data_name;
    std::unique_lock lk(mu);
    while (!cv.wait_for(lk, std::chrono::milliseconds(200), [&] { return finished; })) {
      std::error_code ec;
      auto n = std::filesystem::file_size(data, ec);
      if (!ec) progress(n);
    }
  });
  auto r = s.backup(dir);
  {
    std::lock_guard lk(mu);
    finished = true;
  }
  cv.notify_all();
  watcher.join();
  return r;
}

jubes::result<bool> held(const std::filesystem::path& dir) {
  const auto path = dir / "LOCK";
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return false;  // no store was ever opened here
    return jubes::result<bool>(boost::system::in_place_error,
                               fail(errc::io_error, path.string() + ": " + std::strerror(errno)));
  }
  bool taken = ::flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);  // releases our lock if we got it
  return taken;
}

jubes::result<restore_result> restore(const std::filesystem::path& backup, const std::filesystem::path& dir,
                                      bool force) {
  namespace fs = std::filesystem;
  if (auto v = files::verify_backup(backup); !v)
    return fail(v.error().code, "backup " + backup.string() + ": " + v.error().message());
  auto h = held(dir);
  if (!h) return h.error();
  if (*h)
    return fail(errc::locked, dir.string() + " is held by a running process (flock on " + (dir / "LOCK").string() +
                                  "); stop jubesd first");
  restore_result out;
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_empty(dir, ec)) {
    if (!force)
      return fail(errc::invalid_argument,
                  dir.string() + " already holds a store; restore --force keeps it aside and replaces it");
    out.kept_aside = dir.string() + ".replaced-" +
                     std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
    fs::rename(dir, out.kept_aside, ec);
    if (ec) return fail(errc::io_error, "keeping " + dir.string() + " aside: " + ec.message());
  }
  auto copied = files::write_backup(dir, [&](const fs::path& tmp) -> jubes::result<void> {
    std::error_code cec;
    fs::copy_file(backup / files::data_name, tmp / files::data_name, cec);
    if (cec) return fail(errc::io_error, "copying " + (backup / files::data_name).string() + ": " + cec.message());
    return {};
  });
  if (!copied) return copied.error();
  // write_backup wrote a manifest of the copy: the next open verifies it, as for the backup itself.
  out.bytes = fs::file_size(dir / files::data_name, ec);
  return out;
}

namespace {

/// The child's side of check_isolated: the report as lines (counts, then one problem a line).
[[noreturn]] void check_child(int fd, const std::filesystem::path& dir, const at_rest_options& ar) {
  std::ostringstream os;
  auto s = store::open_readonly(dir, open_check::structure, ar);
  if (!s) {
    os << "0 0 0 0 0 0 0 0 0\ncannot open the store: " << s.error().message() << '\n';
  } else {
    auto r = (*s)->check();
    os << r.messages << ' ' << r.purged << ' ' << r.parked << ' ' << r.dedup << ' ' << r.outbox_entries << ' '
       << r.recipients << ' ' << r.audit << ' ' << r.blobs << ' ' << r.plain_blobs << '\n';
    for (const auto& p : r.problems) os << p << '\n';
  }
  const std::string out = os.str();
  for (std::size_t done = 0; done < out.size();) {
    ssize_t n = ::write(fd, out.data() + done, out.size() - done);
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  ::_exit(0);
}

}  // namespace

check_report check_isolated(const std::filesystem::path& dir, const at_rest_options& ar) {
  check_report r;
  int p[2];
  if (::pipe(p) != 0) {
    r.problems.push_back("check: cannot create a pipe");
    return r;
  }
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(p[0]);
    check_child(p[1], dir, ar);
  }
  ::close(p[1]);
  std::string text;
  char buf[4096];
  for (ssize_t n; pid > 0 && (n = ::read(p[0], buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(p[0]);
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) != pid) {
    r.problems.push_back("check: cannot run the check process");
    return r;
  }
  std::istringstream in(text);
  in >> r.messages >> r.purged >> r.parked >> r.dedup >> r.outbox_entries >> r.recipients >> r.audit >> r.blobs >>
      r.plain_blobs;
  in.ignore(1);
  for (std::string line; std::getline(in, line);) r.problems.push_back(line);
  if (WIFSIGNALED(status))
    r.problems.push_back("check died of signal " + std::to_string(WTERMSIG(status)) +
                         " on damaged pages (LMDB trusts its page structure): the store is corrupt, restore a backup");
  else if (text.empty())
    r.problems.push_back("check ended without a report (exit " + std::to_string(WEXITSTATUS(status)) + ")");
  return r;
}

jubes::result<void> verify_backup(const std::filesystem::path& dir) {
  return files::verify_backup(dir);
}

jubes::result<void> initialise(const options& o) {
  options opt = o;
  opt.initialise = true;
  opt.retention_interval = std::chrono::milliseconds(0);
  auto st = store::open(opt);
  if (!st) return st.error();
  (*st)->close();
  return {};
}

namespace {
/// Runs `submit(done)` and waits for its completion.
template <class T, class F>
jubes::result<T> wait_for(F&& submit) {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<jubes::result<T>> out;
  submit([&](jubes::result<T> r) {
    std::lock_guard lk(mu);
    out = std::move(r);
    cv.notify_all();
  });
  std::unique_lock lk(mu);
  cv.wait(lk, [&] { return out.has_value(); });
  return std::move(*out);
}
}  // namespace

jubes::result<audit_record> record(backend& s, audit_event e) {
  return wait_for<audit_record>([&](completion<audit_record> d) { s.submit_audit(std::move(e), std::move(d)); });
}

jubes::result<purge_result> purge_offline(const options& o, const operator_action& by) {
  options opt = o;
  opt.retention_interval = std::chrono::milliseconds(0);  // this call purges; no background task
  auto st = store::open(opt);
  if (!st) return st.error();
  auto out = wait_for<purge_result>([&](completion<purge_result> d) { (*st)->submit_purge(std::move(d)); });
  if (out && !by.identity.empty()) {
    std::string what = to_text(*out);
    what.pop_back();  // the newline
    if (auto a = record(**st, {audit_kind::purge_ordered, 0, by.identity, operator_detail("purge: " + what, by)}); !a)
      return a.error();
  }
  (*st)->close();
  return out;
}

std::string to_text(const purge_result& r) {
  std::ostringstream os;
  os << "purged bodies=" << r.bodies << " dedup=" << r.dedup << " audit=" << r.audit << '\n';
  return os.str();
}

}  // namespace jubes::storage::admin
