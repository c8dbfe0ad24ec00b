// SPDX-License-Identifier: EUPL-1.2
#include "writer.hpp"

#include "batch.hpp"
#include "common/log.hpp"
#include "storage/errc.hpp"

namespace jubes::pgstore::detail {

namespace {

using storage::errc;
constexpr std::string_view log_c = "pgstore";
constexpr int max_race_retries = 20;  // unique violation / deadlock / serialization: another node won
constexpr int max_reconnects = 3;     // nothing committed: try again on a new connection

template <class T>
void complete_error(const storage::completion<T>& done, const jubes::error& e) {
  if (done) done(jubes::result<T>(boost::system::in_place_error, e));
}
void complete_with(op& o, const jubes::error& e) {
  std::visit([&](auto& x) { complete_error(x.done, e); }, o);
}

}  // namespace

void counters::record_commit(std::size_t n, std::chrono::steady_clock::duration d) {
  ++commits;
  group_sum += n;
  std::size_t i = 0;
  while (i < storage::group_size_buckets.size() && static_cast<double>(n) > storage::group_size_buckets[i]) ++i;
  for (std::size_t k = i; k < group_hist.size(); ++k) ++group_hist[k];
  const double s = std::chrono::duration<double>(d).count();
  i = 0;
  while (i < storage::commit_seconds_buckets.size() && s > storage::commit_seconds_buckets[i]) ++i;
  for (std::size_t k = i; k < commit_hist.size(); ++k) ++commit_hist[k];
  commit_ns_sum += static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(d).count());
}

void counters::fill(storage::metrics_snapshot& m) const {
  m.rejected_overloaded = rejected;
  m.commits = commits;
  m.commit_failures = commit_failures;
  for (std::size_t i = 0; i < group_hist.size(); ++i) m.group_size_hist[i] = group_hist[i];
  m.group_size_sum = group_sum;
  for (std::size_t i = 0; i < commit_hist.size(); ++i) m.commit_seconds_hist[i] = commit_hist[i];
  m.commit_seconds_sum = static_cast<double>(commit_ns_sum.load()) / 1e9;
  m.parked = static_cast<std::uint64_t>(std::max<std::int64_t>(parked.load(), 0));
  m.accepted = accepted, m.duplicate = duplicate, m.conflict = conflict, m.store_full = store_full;
  m.io_error = io_error, m.acks = acks, m.forwards = forwards, m.reroutes = reroutes;
  m.purged_bodies = purged_bodies, m.purged_dedup = purged_dedup, m.purged_audit = purged_audit;
  m.last_message_id = last_id;
}

std::int64_t writer::now_ms() const {
  if (opt_.clock) return opt_.clock();
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

jubes::result<void> writer::start() {
  auto c = pq::connect(opt_.conninfo, "writer");
  if (!c) return c.error();
  if (auto p = prepare_writer(c->get()); !p) return p;
  conn_ = std::move(*c);
  std::lock_guard lk(mu_);
  started_ = true;
  thread_ = std::thread([this] { loop(); });
  if (opt_.retention_interval.count() > 0) retention_ = std::thread([this] { retention_loop(); });
  return {};
}

void writer::stop() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  retention_cv_.notify_all();
  if (retention_.joinable()) retention_.join();
  if (thread_.joinable()) thread_.join();
  conn_.reset();
}

std::size_t writer::depth() const {
  std::lock_guard lk(mu_);
  return q_.size();
}

std::optional<jubes::error> writer::enqueue(op& o) {
  {
    std::lock_guard lk(mu_);
    if (!started_ || stopping_) return jubes::error(errc::closed);
    if (auto full = q_.admit(o, opt_.queue_capacity, opt_.queue_max_bytes, counters_.rejected)) return full;
  }
  cv_.notify_one();
  return std::nullopt;
}

void writer::submit(op o) {
  if (auto e = enqueue(o)) complete_with(o, *e);
}

void writer::submit_background_purge() {
  if (purge_inflight_.exchange(true)) return;
  op o = purge_op{};
  if (enqueue(o)) purge_inflight_ = false;
}

bool writer::take(std::vector<op>& batch) {
  std::unique_lock lk(mu_);
  cv_.wait(lk, [&] { return !q_.empty() || stopping_; });
  if (q_.empty()) return false;
  q_.take(batch, opt_.max_group);
  return true;
}

void writer::loop() {
  std::vector<op> batch;
  for (;;) {
    batch.clear();
    if (!take(batch)) break;
    if (auto* p = std::get_if<purge_op>(&batch.front()))
      run_purge(*p);
    else
      run_group(batch);
  }
}

bool writer::ensure_connection(jubes::error& why) {
  if (conn_ && !pq::broken(conn_.get())) return true;
  conn_.reset();
  auto c = pq::connect(opt_.conninfo, "writer");
  if (c)
    if (auto p = prepare_writer(c->get()); !p) c = p.error();
  if (!c) {
    why = c.error();
    log::error(log_c, "writer_connect_failed", {{"error", why.message()}});
    return false;
  }
  log::info(log_c, "writer_connected", {});
  conn_ = std::move(*c);
  return true;
}

void writer::run_group(std::vector<op>& batch) {
  int races = 0, reconnects = 0;
  for (;;) {
    jubes::error why;
    if (!ensure_connection(why)) {
      if (++reconnects > max_reconnects) return fail_all(batch, why);
      std::this_thread::sleep_for(std::chrono::milliseconds(100) * reconnects);
      continue;
    }
    const auto t0 = std::chrono::steady_clock::now();
    auto b = run_batch(conn_.get(), batch, now_ms(), keys_);
    if (b.connection_lost) conn_.reset();
    using st = batch_result::status;
    if (b.st == st::committed) {
      counters_.record_commit(batch.size(), std::chrono::steady_clock::now() - t0);
      counters_.accepted += b.accepted, counters_.duplicate += b.duplicate, counters_.conflict += b.conflict;
      counters_.acks += b.acks, counters_.forwards += b.forwards, counters_.reroutes += b.reroutes;
      counters_.parked += b.parked_delta;
      if (b.last_id > counters_.last_id) counters_.last_id = b.last_id;
      auto wakes = hub_.publish(b.heads);
      for (auto& f : b.fire) f();
      for (auto& w : wakes) w();
      return;
    }
    if (b.st == st::retry && ++races <= max_race_retries) {
      ++counters_.retries;
      continue;
    }
    if (b.st == st::failed && b.connection_lost && ++reconnects <= max_reconnects) continue;
    if (b.st == st::failed && !b.connection_lost && batch.size() > 1) {
      // One request the database refuses must not fail the others: each alone.
      log::warn(log_c, "batch_split", {{"error", b.error.message()}, {"requests", batch.size()}});
      for (auto& o : batch) {
        std::vector<op> one;
        one.push_back(std::move(o));
        run_group(one);
      }
      return;
    }
    if (b.st == st::unknown) ++counters_.unknown;
    ++counters_.commit_failures;
    log::error(log_c, "batch_failed", {{"error", b.error.message()}, {"requests", batch.size()}});
    return fail_all(batch, b.error);
  }
}

void writer::fail_all(std::vector<op>& batch, const jubes::error& e) {
  for (auto& o : batch) {
    if (std::holds_alternative<ingest_op>(o)) (e == errc::store_full ? counters_.store_full : counters_.io_error)++;
    complete_with(o, e);
  }
}

void writer::run_purge(purge_op& o) {
  const std::int64_t now = now_ms();
  const auto ms = [](std::chrono::seconds s) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(s).count();
  };
  const std::int64_t body_cut = now - ms(opt_.retention_bodies);
  const std::int64_t dedup_cut = body_cut - ms(opt_.retention_dedup_extra);
  const std::int64_t audit_cut = now - ms(opt_.retention_audit);
  jubes::error why;
  storage::purge_result before = o.acc;
  jubes::result<void> r =
      ensure_connection(why) ? purge_pass(conn_.get(), now, body_cut, dedup_cut, audit_cut, opt_.retention_batch, o.acc)
                             : jubes::result<void>(why);
  if (!r) {
    if (pq::broken(conn_.get())) conn_.reset();
    ++counters_.commit_failures;
    log::error(log_c, "purge_failed", {{"error", r.error().message()}});
    if (o.done)
      o.done(r.error());
    else
      purge_inflight_ = false;
    return;
  }
  counters_.purged_bodies += o.acc.bodies - before.bodies;
  counters_.purged_dedup += o.acc.dedup - before.dedup;
  counters_.purged_audit += o.acc.audit - before.audit;
  if (o.acc.more) {
    // Requeue behind whatever arrived meanwhile, so ingest never waits for more than one pass.
    std::lock_guard lk(mu_);
    if (o.done || !stopping_) {
      q_.requeue(std::move(o));
      return;
    }
  }
  if (o.done)
    o.done(o.acc);
  else
    purge_inflight_ = false;
}

void writer::retention_loop() {
  std::unique_lock lk(mu_);
  while (!stopping_) {
    if (retention_cv_.wait_for(lk, opt_.retention_interval, [&] { return stopping_; })) break;
    lk.unlock();
    submit_background_purge();
    lk.lock();
  }
}

}  // namespace jubes::pgstore::detail
