#pragma once
// Helpers shared by the storage tests: a temp dir that removes itself, and synchronous wrappers
// around the store's callback API (the callbacks run on the writer thread; the test waits).
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>
#include <random>
#include <string>

#include "storage/store.hpp"

namespace jubes::storage::test {

class temp_dir {
 public:
  temp_dir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("jubes-storage-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// A settable clock (ms since epoch) for retention tests.
struct fake_clock {
  std::shared_ptr<std::atomic<std::int64_t>> now = std::make_shared<std::atomic<std::int64_t>>(1'700'000'000'000);
  clock_fn fn() const {
    auto n = now;
    return [n] { return n->load(); };
  }
  void advance(std::chrono::milliseconds d) { *now += d.count(); }
};

inline options test_options(const std::filesystem::path& dir) {
  options o;
  o.dir = dir;
  o.map_size_initial = 8u << 20;
  o.map_size_max = 256u << 20;
  o.retention_interval = std::chrono::milliseconds(0);
  return o;
}

/// Opens a store or fails the test (the result is never empty when the test goes on).
inline std::unique_ptr<store> open_ok(const options& o) {
  auto r = store::open(o);
  if (!r) ADD_FAILURE() << "open: " << r.error().message();
  return r ? std::move(r.value()) : nullptr;
}
inline std::unique_ptr<store> open_ro_ok(const std::filesystem::path& dir) {
  auto r = store::open_readonly(dir);
  if (!r) ADD_FAILURE() << "open_readonly: " << r.error().message();
  return r ? std::move(r.value()) : nullptr;
}

inline ingest_request make_req(std::string party, std::string refnr, std::vector<std::string> recipients,
                               std::string body = "") {
  ingest_request r;
  r.party = std::move(party);
  r.referentienummer = refnr;
  r.message_type = "piBeeindiging";
  r.body = body.empty() ? "<dti:piBeeindiging>" + refnr + "</dti:piBeeindiging>" : std::move(body);
  r.recipients = std::move(recipients);
  r.route_version = "v1";
  r.matched_rules = {"bij-pi"};
  r.received_at_ms = 1;
  return r;
}

inline ingest_result ingest(store& s, ingest_request r) {
  std::promise<ingest_result> p;
  auto f = p.get_future();
  EXPECT_TRUE(s.submit(std::move(r), [&p](ingest_result res) { p.set_value(std::move(res)); }));
  return f.get();
}

struct ack_result {
  boost::system::error_code ec;
  std::uint64_t cursor = 0;
};
inline ack_result ack(store& s, std::string recipient, std::uint64_t upto) {
  std::promise<ack_result> p;
  auto f = p.get_future();
  EXPECT_TRUE(s.submit_ack(std::move(recipient), upto, [&p](boost::system::error_code ec, std::uint64_t c) {
    p.set_value({ec, c});
  }));
  return f.get();
}

struct forward_result {
  boost::system::error_code ec;
  bool added = false;
};
inline forward_result forward(store& s, std::uint64_t id, std::string from, std::string to) {
  std::promise<forward_result> p;
  auto f = p.get_future();
  EXPECT_TRUE(s.submit_forward(id, std::move(from), std::move(to), [&p](boost::system::error_code ec, bool a) {
    p.set_value({ec, a});
  }));
  return f.get();
}

inline boost::system::error_code reroute(store& s, std::uint64_t id, std::vector<std::string> r) {
  std::promise<boost::system::error_code> p;
  auto f = p.get_future();
  EXPECT_TRUE(s.submit_reroute(id, std::move(r), "v2", [&p](boost::system::error_code ec) { p.set_value(ec); }));
  return f.get();
}

inline boost::system::result<purge_result> purge(store& s) {
  std::promise<boost::system::result<purge_result>> p;
  auto f = p.get_future();
  EXPECT_TRUE(s.submit_purge([&p](boost::system::result<purge_result> r) { p.set_value(std::move(r)); }));
  return f.get();
}

/// Blocks the writer thread until release(): lets a test pile requests into one group or fill the queue.
class writer_gate {
 public:
  explicit writer_gate(store& s) {
    auto f = entered_.get_future();
    auto released = release_.get_future().share();
    EXPECT_TRUE(s.submit_ack("gate", 0, [this, released](boost::system::error_code, std::uint64_t) {
      entered_.set_value();
      released.wait();
    }));
    f.wait();  // the writer is now inside the callback, the queue is empty
  }
  void release() {
    if (!released_) release_.set_value();
    released_ = true;
  }
  ~writer_gate() { release(); }

 private:
  std::promise<void> entered_, release_;
  bool released_ = false;
};

}  // namespace jubes::storage::test
