// Kills a group-committing child with SIGKILL at random moments, many times, and checks after each
// reopen that every acknowledged message is present exactly once with all of its outbox entries,
// that seqs are gapless and that check() is clean. JUBES_CRASH_CYCLES=N runs a longer soak.
#include <gtest/gtest.h>
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
            int& ready_fd) {
  int pipefd[2];
  if (::pipe(pipefd) != 0) return -1;
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(pipefd[1], 1);
    ::close(pipefd[0]);
    ::close(pipefd[1]);
    std::string c = std::to_string(cycle), s = std::to_string(seed);
    ::execl(JUBES_CRASH_CHILD, JUBES_CRASH_CHILD, dir.c_str(), ackfile.c_str(), c.c_str(), s.c_str(), nullptr);
    ::_exit(127);
  }
  ::close(pipefd[1]);
  ready_fd = pipefd[0];
  return pid;
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
    verified_total = acks.size();
    st.close();
  }
  EXPECT_GT(verified_total, 0u);
  std::printf("crash: %zu acknowledged messages verified over %d SIGKILL cycles\n", verified_total, cycles);
}

}  // namespace
}  // namespace jubes::storage
