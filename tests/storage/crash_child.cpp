// Crash-test child: ingests with group commit until it is killed with SIGKILL.
// Usage: storage_crash_child DATA_DIR ACK_FILE CYCLE SEED   (or --read DATA_DIR RECIPIENT, or
//        --backup DATA_DIR TARGET, see below)
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
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s DATA_DIR ACK_FILE CYCLE SEED\n", argv[0]);
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
