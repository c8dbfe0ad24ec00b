// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Helpers shared by the storage tests: options for a small test store, and synchronous wrappers
// around the store's completions (they run on the writer thread; the test waits). Temporary
// directories and the clock come from jubes::testing.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <string>

#include "storage/store.hpp"
#include "testing/testing.hpp"

namespace jubes::storage::test {

using jubes::testing::temp_dir;
/// A settable clock (ms since epoch) for retention tests; `fn()` goes into options::clock.
using fake_clock = jubes::testing::manual_clock;

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

/// Submits through `submit_fn(done)` and waits for the completion, which must come exactly once.
template <class T, class F>
jubes::result<T> wait_for(F&& submit_fn) {
  std::promise<jubes::result<T>> p;
  auto f = p.get_future();
  submit_fn([&p](jubes::result<T> r) { p.set_value(std::move(r)); });
  return f.get();
}

inline jubes::result<ingest_result> ingest(store& s, ingest_request r) {
  return wait_for<ingest_result>([&](completion<ingest_result> done) { s.submit(std::move(r), std::move(done)); });
}
/// ingest() for a request that must succeed: its outcome (accepted, duplicate, conflict).
inline ingest_result ingest_ok(store& s, ingest_request r) {
  auto res = ingest(s, std::move(r));
  EXPECT_TRUE(res) << res.error().message();
  return res ? *res : ingest_result{};
}

inline jubes::result<std::uint64_t> ack(store& s, std::string recipient, std::uint64_t upto) {
  return wait_for<std::uint64_t>(
      [&](completion<std::uint64_t> done) { s.submit_ack(std::move(recipient), upto, std::move(done)); });
}

inline jubes::result<bool> forward(store& s, std::uint64_t id, std::string from, std::string to) {
  return wait_for<bool>(
      [&](completion<bool> done) { s.submit_forward(id, std::move(from), std::move(to), std::move(done)); });
}

inline jubes::result<void> reroute(store& s, std::uint64_t id, std::vector<std::string> r) {
  return wait_for<void>([&](completion<void> done) { s.submit_reroute(id, std::move(r), "v2", std::move(done)); });
}

inline jubes::result<purge_result> purge(store& s) {
  return wait_for<purge_result>([&](completion<purge_result> done) { s.submit_purge(std::move(done)); });
}

/// Blocks the writer thread until release(): lets a test pile requests into one group or fill the queue.
class writer_gate {
 public:
  explicit writer_gate(store& s) {
    auto f = entered_.get_future();
    auto released = release_.get_future().share();
    s.submit_ack("gate", 0, [this, released](jubes::result<std::uint64_t> r) {
      EXPECT_TRUE(r) << r.error().message();
      entered_.set_value();
      released.wait();
    });
    f.wait();  // the writer is now inside the completion, the queue is empty
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
