// SPDX-License-Identifier: EUPL-1.2
// Crash-test child: ingests with group commit until it is killed with SIGKILL.
// Usage: storage_crash_child DATA_DIR ACK_FILE CYCLE SEED [STOP_AT]   (or --read DATA_DIR RECIPIENT,
//        or --backup DATA_DIR TARGET, see below)
// With STOP_AT the writer stops for good after its STOP_AT-th commit, between that commit's data
// sync and the flush of its meta page (options::test_after_commit): the child saves what that meta
// page's slot held before (ACK_FILE.meta: 8-byte offset, then the page), prints "stopped" and
// waits to be killed. The parent writes the old page back before reopening: the power cut that
// loses the unflushed meta write.
// Every message's body is a pure function of its referentienummer, so a later cycle can resend an
// earlier message and expect "duplicate" with the original id. After each completion callback the
// child appends one line to ACK_FILE (and fdatasyncs it from a flusher thread):
//   A <refnr> <id> <recipients,comma-separated or ->   acknowledged as accepted
//   D <refnr> <id> <recipients>                        acknowledged as duplicate (original id)
// The parent then checks the reopened store against every acknowledged line.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>

#include "storage/store.hpp"

namespace {

std::string body_for(const std::string& refnr) {
  std::string b = "<dti:piBeeindiging><referentienummer>" + refnr + "</referentienummer><pad>";
  std::uint64_t h = std::hash<std::string>{}(refnr);
  while (b.size() < 2000) b.push_back(static_cast<char>('a' + (h = h * 6364136223846793005ull + 1) % 26));
  return b + "</pad></dti:piBeeindiging>";
}

std::vector<std::string> recipients_for(const std::string& refnr) {
  static const char* all[] = {"gemeente:0363", "rvdk", "idv"};
  std::uint64_t h = std::hash<std::string>{}(refnr);
  std::vector<std::string> r;
  if (h % 10 == 0) return r;  // parked
  for (std::size_t i = 0; i < 3; ++i)
    if (h >> (i + 8) & 1) r.push_back(all[i]);
  if (r.empty()) r.push_back(all[h % 3]);
  return r;
}

/// Reads LMDB's two meta pages (pages 0 and 1 of data.mdb).
std::string read_metas(int fd, std::size_t page) {
  std::string b(2 * page, '\0');
  if (::pread(fd, b.data(), b.size(), 0) != static_cast<ssize_t>(b.size())) std::abort();
  return b;
}

/// The test hook: counts commits; at the STOP_AT-th saves the old content of the meta slot that
/// this commit rewrote, says so and never returns.
void stop_hook(const std::string& data_file, const std::string& save_to, int stop_at) {
  static int commits = 0;
  static std::string before;
  const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  int fd = ::open(data_file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) std::abort();
  std::string now = read_metas(fd, page);
  ::close(fd);
  if (++commits < stop_at || before.empty()) {
    before = std::move(now);
    return;
  }
  std::uint64_t slot = now.compare(0, page, before, 0, page) != 0 ? 0 : 1;
  std::uint64_t off = slot * page;
  int out = ::open(save_to.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (out < 0 || ::write(out, &off, sizeof off) != sizeof off ||
      ::write(out, before.data() + off, page) != static_cast<ssize_t>(page) || ::fsync(out) != 0)
    std::abort();
  ::close(out);
  std::printf("stopped\n");
  std::fflush(stdout);
  for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
}

}  // namespace

/// Reader mode (`--read DIR RECIPIENT`): opens DIR read-only like jubesctl, prints "ready", and for
/// every line on stdin prints the number of entries in RECIPIENT's outbox and the check verdict.
/// Lets a test exercise a second process reading a live store while the writer grows the map.
int reader_main(const char* dir, const char* recipient) {
  auto s = jubes::storage::store::open_readonly(dir);
  if (!s) {
    std::printf("error %s\n", s.error().message().c_str());
    return 4;
  }
  std::printf("ready\n");
  std::fflush(stdout);
  char line[64];
  while (std::fgets(line, sizeof line, stdin)) {
    std::uint64_t n = 0, after = 0;
    for (;;) {
      auto batch = (*s)->read_outbox(recipient, after, 1000);
      if (!batch) {
        std::printf("error %s\n", batch.error().message().c_str());
        std::fflush(stdout);
        return 5;
      }
      if (batch->empty()) break;
      n += batch->size();
      after = batch->back().seq;
    }
    std::printf("%llu %s\n", static_cast<unsigned long long>(n), (*s)->check().ok() ? "ok" : "bad");
    std::fflush(stdout);
  }
  return 0;
}

/// Backup mode (`--backup DIR TARGET`): opens DIR read-only like jubesctl, prints "ready" and
/// writes a backup to TARGET; backup_test kills it at random moments of the copy.
int backup_main(const char* dir, const char* target) {
  auto s = jubes::storage::store::open_readonly(dir);
  if (!s) return 4;
  std::printf("ready\n");
  std::fflush(stdout);
  auto r = (*s)->backup(target);
  if (!r) std::fprintf(stderr, "backup: %s\n", r.error().message().c_str());
  return r ? 0 : 5;
}

int main(int argc, char** argv) {
  if (argc == 4 && std::string(argv[1]) == "--read") return reader_main(argv[2], argv[3]);
  if (argc == 4 && std::string(argv[1]) == "--backup") return backup_main(argv[2], argv[3]);
  if (argc != 5 && argc != 6) {
    std::fprintf(stderr, "usage: %s DATA_DIR ACK_FILE CYCLE SEED [STOP_AT]\n", argv[0]);
    return 2;
  }
  const int cycle = std::atoi(argv[3]);
  std::mt19937_64 rng(std::strtoull(argv[4], nullptr, 10));
  int fd = ::open(argv[2], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return 3;
  jubes::storage::options o;
  o.dir = argv[1];
  o.map_size_initial = 4u << 20;  // small, so that map growth happens under the knife too
  o.map_size_max = 1u << 30;
  o.max_group = 64;
  o.queue_capacity = 512;
  o.retention_interval = std::chrono::milliseconds(0);
  if (argc == 6) {
    const int stop_at = std::atoi(argv[5]);
    o.test_after_commit = [data = std::string(argv[1]) + "/data.mdb", save = std::string(argv[2]) + ".meta", stop_at] {
      stop_hook(data, save, stop_at);
    };
  }
  auto s = jubes::storage::store::open(o);
  if (!s) {
    std::fprintf(stderr, "open: %s\n", s.error().message().c_str());
    return 4;
  }
  auto& st = **s;
  std::atomic<int> inflight{0};
  std::thread flusher([fd] {
    for (;;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      ::fdatasync(fd);
    }
  });
  flusher.detach();
  std::printf("ready\n");
  std::fflush(stdout);
  for (std::uint64_t n = 0;; ++n) {
    std::string refnr;
    if (cycle > 0 && rng() % 8 == 0) {
      refnr = "c" + std::to_string(rng() % cycle) + "-" + std::to_string(rng() % 200);  // maybe an earlier one
    } else {
      refnr = "c" + std::to_string(cycle) + "-" + std::to_string(n);
    }
    auto rcpts = recipients_for(refnr);
    jubes::storage::ingest_request r;
    r.party = "tulp-gw";
    r.referentienummer = refnr;
    r.message_type = "piBeeindiging";
    r.body = body_for(refnr);
    r.recipients = rcpts;
    r.park_reason = rcpts.empty() ? "crash test" : "";
    while (inflight.load() > 256) std::this_thread::yield();
    ++inflight;
    std::string joined;
    for (auto& x : rcpts) joined += (joined.empty() ? "" : ",") + x;
    if (joined.empty()) joined = "-";
    st.submit(std::move(r), [fd, refnr, joined, &inflight](jubes::result<jubes::storage::ingest_result> res) {
      std::string line;
      if (!res && res.error() == jubes::storage::errc::overloaded) {
        --inflight;  // refused at once on this thread: nothing stored, nothing to record
        std::this_thread::yield();
        return;
      }
      if (!res) {
        line = "E " + refnr + " " + res.error().message() + "\n";
      } else if (res->outcome == jubes::storage::ingest_outcome::accepted) {
        line = "A " + refnr + " " + std::to_string(res->rcpt.message_id) + " " + joined + "\n";
      } else if (res->outcome == jubes::storage::ingest_outcome::duplicate) {
        line = "D " + refnr + " " + std::to_string(res->rcpt.message_id) + " " + joined + "\n";
      } else {
        line = "E " + refnr + " " + std::string(jubes::storage::to_string(res->outcome)) + "\n";
      }
      if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) std::abort();
      --inflight;
    });
    if (n % 50 == 0) {  // acks too, so that cursors are committed under the knife
      st.submit_ack("rvdk", n / 4, [](jubes::result<std::uint64_t>) {});
    }
  }
}
