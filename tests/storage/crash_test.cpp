// SPDX-License-Identifier: EUPL-1.2
// Kills a group-committing child with SIGKILL at random moments, many times, and checks after each
// reopen that every acknowledged message is present exactly once with all of its outbox entries,
// that seqs are gapless and that check() is clean. JUBES_CRASH_CYCLES=N runs a longer soak.
// A second test stops the writer between a commit's data sync and the flush of its meta page and
// plays the power cut that loses that meta page (see crash_child.cpp).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "storage/store.hpp"
#include "test_util.hpp"

namespace jubes::storage {
namespace {

struct acked {
  std::uint64_t id = 0;
  std::vector<std::string> recipients;
};

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  if (s == "-") return out;
  std::stringstream ss(s);
  std::string x;
  while (std::getline(ss, x, ',')) out.push_back(x);
  return out;
}

pid_t spawn(const std::filesystem::path& dir, const std::filesystem::path& ackfile, int cycle, unsigned seed,
            int& ready_fd, int stop_at = 0) {
  int pipefd[2];
  if (::pipe(pipefd) != 0) return -1;
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(pipefd[1], 1);
    ::close(pipefd[0]);
    ::close(pipefd[1]);
    std::string c = std::to_string(cycle), s = std::to_string(seed), st = std::to_string(stop_at);
    if (stop_at > 0)
      ::execl(JUBES_CRASH_CHILD, JUBES_CRASH_CHILD, dir.c_str(), ackfile.c_str(), c.c_str(), s.c_str(), st.c_str(),
              nullptr);
    else
      ::execl(JUBES_CRASH_CHILD, JUBES_CRASH_CHILD, dir.c_str(), ackfile.c_str(), c.c_str(), s.c_str(), nullptr);
    ::_exit(127);
  }
  ::close(pipefd[1]);
  ready_fd = pipefd[0];
  return pid;
}

/// Reads this cycle's acknowledgements (from ack_pos) into `acks`, reopens the store and checks that
/// every acknowledged message is there exactly once with all its outbox entries, seqs gapless,
/// and check() clean (nothing unacknowledged is half there).
void verify(const std::filesystem::path& dir, const std::filesystem::path& ackfile, std::streamoff& ack_pos,
            std::map<std::string, acked>& acks) {
  // Every line the child wrote after a completion is an acknowledgement the store must honour.
  std::ifstream in(ackfile);
  in.seekg(ack_pos);  // only the lines of this cycle
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // a torn last line (killed mid-write) is not an acknowledgement
    std::istringstream ls(line);
    std::string kind, refnr, rc;
    std::uint64_t id = 0;
    ls >> kind >> refnr;
    if (kind == "A" || kind == "D") {
      // A duplicate receipt acknowledges too: the message may have been committed by a child
      // that died before it could write its "A" line.
      ls >> id >> rc;
      auto [it, inserted] = acks.emplace(refnr, acked{id, split(rc)});
      ASSERT_TRUE(inserted || it->second.id == id) << refnr << " acknowledged as " << it->second.id << " and " << id;
      ASSERT_TRUE(kind == "D" || inserted) << refnr << " accepted twice";
    } else if (kind == "E") {
      ADD_FAILURE() << "unexpected failure: " << line;
    }
    ack_pos += static_cast<std::streamoff>(line.size() + 1);
  }
  auto s = store::open(test::test_options(dir));
  ASSERT_TRUE(s) << s.error().message();
  auto& st = **s;
  auto report = st.check();
  ASSERT_TRUE(report.ok()) << report.problems.front();
  std::map<std::string, std::multiset<std::uint64_t>> boxes;
  for (const char* r : {"gemeente:0363", "rvdk", "idv"}) {
    std::uint64_t after = 0;
    for (;;) {
      auto batch = st.read_outbox(r, after, 1000);
      ASSERT_TRUE(batch);
      if (batch->empty()) break;
      for (auto& e : *batch) {
        ASSERT_EQ(e.seq, after + 1) << r << " gap";
        after = e.seq;
        boxes[r].insert(e.message_id);
      }
    }
  }
  for (auto& [refnr, a] : acks) {
    auto m = st.get(a.id);
    ASSERT_TRUE(m);
    ASSERT_TRUE(m->has_value()) << "acknowledged message " << a.id << " (" << refnr << ") lost";
    EXPECT_EQ((*m)->referentienummer, refnr);
    EXPECT_EQ((*m)->recipients, a.recipients);
    EXPECT_EQ((*m)->parked, a.recipients.empty());
    for (auto& r : a.recipients) EXPECT_EQ(boxes[r].count(a.id), 1u) << refnr << " in " << r;
  }
  st.close();
}

TEST(crash, acknowledged_messages_survive_sigkill_exactly_once) {
  int cycles = 6;
  if (const char* env = std::getenv("JUBES_CRASH_CYCLES")) cycles = std::max(1, std::atoi(env));
  test::temp_dir d;
  auto dir = d.path() / "data";
  auto ackfile = d.path() / "acks.txt";
  std::mt19937 rng(12345);
  std::map<std::string, acked> acks;  // refnr -> first acknowledged accept
  std::size_t verified_total = 0;
  std::streamoff ack_pos = 0;

  for (int cycle = 0; cycle < cycles; ++cycle) {
    int ready = -1;
    pid_t pid = spawn(dir, ackfile, cycle, rng(), ready);
    ASSERT_GT(pid, 0);
    char buf[6] = {};
    ASSERT_EQ(::read(ready, buf, 6), 6) << "child did not start";  // "ready\n": the store is open
    ::close(ready);
    std::this_thread::sleep_for(std::chrono::milliseconds(50 + rng() % 250));
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited by itself with " << WEXITSTATUS(status);

    verify(dir, ackfile, ack_pos, acks);
    if (HasFatalFailure()) return;
    verified_total = acks.size();
  }
  EXPECT_GT(verified_total, 0u);
  std::printf("crash: %zu acknowledged messages verified over %d SIGKILL cycles\n", verified_total, cycles);
}

/// Waits (at most 60 s) for the child to print "stopped": its writer sits between a commit's data
/// sync and the flush of that commit's meta page.
bool wait_stopped(int fd) {
  std::string got;
  while (got.find("stopped\n") == std::string::npos) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 60000) != 1) return false;
    char buf[64];
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) return false;
    got.append(buf, static_cast<std::size_t>(n));
  }
  return true;
}

/// Writes back the meta page the child saved: the disk as a power cut leaves it when the last
/// commit's meta write had not been flushed. @return false if nothing was saved.
bool lose_last_meta_page(const std::filesystem::path& dir, const std::filesystem::path& saved) {
  std::ifstream in(saved, std::ios::binary);
  std::uint64_t off = 0;
  std::string page(static_cast<std::size_t>(::sysconf(_SC_PAGESIZE)), '\0');
  if (!in.read(reinterpret_cast<char*>(&off), sizeof off) ||
      !in.read(page.data(), static_cast<std::streamsize>(page.size())))
    return false;
  int fd = ::open((dir / "data.mdb").c_str(), O_RDWR | O_CLOEXEC);
  std::string current(page.size(), '\0');
  bool ok =
      fd >= 0 &&
      ::pread(fd, current.data(), current.size(), static_cast<off_t>(off)) == static_cast<ssize_t>(current.size()) &&
      current != page &&  // the last commit did rewrite this slot
      ::pwrite(fd, page.data(), page.size(), static_cast<off_t>(off)) == static_cast<ssize_t>(page.size());
  if (fd >= 0) ::close(fd);
  return ok;
}

TEST(crash, acknowledged_messages_survive_losing_the_unflushed_meta_page) {
  test::temp_dir d;
  auto dir = d.path() / "data";
  auto ackfile = d.path() / "acks.txt";
  std::mt19937 rng(4242);
  std::map<std::string, acked> acks;
  std::streamoff ack_pos = 0;
  for (int cycle = 0; cycle < 4; ++cycle) {
    int out = -1;
    const int stop_at = 3 + static_cast<int>(rng() % 60);
    pid_t pid = spawn(dir, ackfile, cycle, rng(), out, stop_at);
    ASSERT_GT(pid, 0);
    bool stopped = wait_stopped(out);
    ::close(out);
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(stopped) << "the writer never reached commit " << stop_at;
    ASSERT_TRUE(lose_last_meta_page(dir, ackfile.string() + ".meta"));
    verify(dir, ackfile, ack_pos, acks);
    if (HasFatalFailure()) return;
  }
  EXPECT_GT(acks.size(), 0u);
  std::printf("power cut: %zu acknowledged messages verified over 4 lost meta pages\n", acks.size());
}

}  // namespace
}  // namespace jubes::storage
