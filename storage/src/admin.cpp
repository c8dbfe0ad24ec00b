#include "storage/admin.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <optional>
#include <sstream>

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
  os << "message_id source referentienummer message_type accepted_at_ms reason\n";
  for (const auto& p : rows)
    os << p.message_id << ' ' << p.source_party << ' ' << p.referentienummer << ' ' << p.message_type << ' '
       << p.accepted_at_ms << ' ' << '"' << p.park_reason << '"' << '\n';
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
     << " audit=" << r.audit << '\n';
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

jubes::result<void> backup(const backend& s, const std::filesystem::path& dir) {
  return s.backup(dir);
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

jubes::result<purge_result> purge_offline(const options& o) {
  options opt = o;
  opt.retention_interval = std::chrono::milliseconds(0);  // this call purges; no background task
  auto st = store::open(opt);
  if (!st) return st.error();
  std::mutex mu;
  std::condition_variable cv;
  std::optional<jubes::result<purge_result>> out;
  (*st)->submit_purge([&](jubes::result<purge_result> r) {
    std::lock_guard lk(mu);
    out = std::move(r);
    cv.notify_all();
  });
  {
    std::unique_lock lk(mu);
    cv.wait(lk, [&] { return out.has_value(); });
  }
  (*st)->close();
  return std::move(*out);
}

std::string to_text(const purge_result& r) {
  std::ostringstream os;
  os << "purged bodies=" << r.bodies << " dedup=" << r.dedup << " audit=" << r.audit << '\n';
  return os.str();
}

}  // namespace jubes::storage::admin
