// SPDX-License-Identifier: EUPL-1.2
#include "writer.hpp"

#include <algorithm>

#include "common/log.hpp"
#include "retention.hpp"
#include "storage/errc.hpp"

namespace jubes::storage {

namespace {

constexpr std::string_view log_c = "storage";

std::int64_t system_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

template <class T>
void complete_error(const completion<T>& done, const jubes::error& e) {
  if (done) done(tables::failed<T>(e));
}
/// Completes an operation with an error (an empty `done` is a fire-and-forget request).
void complete_with(op& o, const jubes::error& e) {
  std::visit([&](auto& x) { complete_error(x.done, e); }, o);
}

std::int64_t now_ms(const options& opt) {
  return opt.clock ? opt.clock() : system_now_ms();
}

}  // namespace

void writer::start(writer_state ws) {
  ws_ = std::move(ws);
  {
    std::lock_guard pl(pmu_);
    durable_heads_ = ws_.heads;
  }
  std::lock_guard lk(mu_);
  started_ = true;
  thread_ = std::thread([this] { loop(); });
  if (opt_.durable) sync_thread_ = std::thread([this] { sync_loop(); });
}

void writer::stop() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();  // the writer flushed and released everything it committed
  {
    std::lock_guard lk(mu_);
    sync_stop_ = true;
  }
  sync_cv_.notify_all();
  if (sync_thread_.joinable()) sync_thread_.join();
}

std::size_t writer::depth() const {
  std::lock_guard lk(mu_);
  return q_.size();
}

store_health writer::health() const {
  std::lock_guard lk(mu_);
  if (failed_) return {store_health::state::failed, failed_->message()};
  if (full_)
    return {store_health::state::full, "store full: new messages no longer fit in " +
                                           std::to_string(opt_.map_size_max) +
                                           " bytes less the reserve kept for acks and audit records"};
  return {};
}

void writer::fail_store(const jubes::error& cause) {
  std::deque<op> queued;
  jubes::error e;
  {
    std::lock_guard lk(mu_);
    if (!failed_) {
      failed_ = jubes::error(errc::io_error, "store failed: " + cause.message() +
                                                 "; writes stopped, nothing not on stable storage was acknowledged;"
                                                 " restart jubesd");
      log::error(log_c, "store_failed", {{"error", cause.message()}, {"pending_groups", pending_.size()}});
    }
    e = *failed_;
    queued = q_.take_all();
  }
  for (auto& o : queued) {
    if (auto* p = std::get_if<purge_op>(&o); p && !p->done) purge_inflight_ = false;
    complete_with(o, e);
  }
  // Committed, perhaps even on disk, but not known to be: the senders retry after the restart,
  // and dedup answers with the original receipt whatever survived.
  for (auto& g : pending_) fail_all(g.batch, e);
  pending_.clear();
}

std::optional<jubes::error> writer::enqueue(op& o) {
  {
    std::lock_guard lk(mu_);
    if (!started_) return jubes::error(errc::read_only);
    if (failed_) return *failed_;  // the cause, at once: nothing is queued into a failed writer
    if (stopping_) return jubes::error(errc::closed);
    if (auto full = q_.admit(o, opt_.queue_capacity, opt_.queue_max_bytes, counters_.rejected)) return full;
  }
  cv_.notify_one();
  return std::nullopt;
}

void writer::submit(op o) {
  if (auto e = enqueue(o)) complete_with(o, *e);
}

bool writer::submit_background_purge() {
  if (purge_inflight_.exchange(true)) return true;  // one is queued or running already
  op o = purge_op{};
  if (enqueue(o)) {
    purge_inflight_ = false;
    return false;
  }
  return true;
}

writer::next writer::take(std::vector<op>& batch) {
  std::unique_lock lk(mu_);
  cv_.wait(lk,
           [&] { return !q_.empty() || stopping_ || synced_upto_ > released_upto_ || (failed_ && !pending_.empty()); });
  if (failed_ && !pending_.empty()) return next::failed;
  if (synced_upto_ > released_upto_) return next::release;  // completions before new work
  if (q_.empty()) return next::stop;
  // A purge runs alone; everything else goes into one group, up to max_group.
  if (q_.purge_next()) {
    q_.take(batch, 1);
    return next::group;
  }
  // Linger: the queue is not idle but holds fewer requests than the last group had, so the rest
  // of that group's senders are probably on their way back (closed-loop clients answer a
  // completion with their next request). Wait for them, at most group_linger.
  const std::size_t want = std::min(last_group_, opt_.max_group);
  if (opt_.group_linger.count() > 0 && q_.size() < want && !stopping_)
    cv_.wait_for(lk, opt_.group_linger, [&] { return q_.size() >= want || stopping_; });
  q_.take(batch, opt_.max_group);
  last_group_ = batch.size();
  return next::group;
}

void writer::loop() {
  std::vector<op> batch;
  for (;;) {
    batch.clear();
    const next n = take(batch);
    if (n == next::stop) break;
    if (n == next::failed) {
      jubes::error e;
      {
        std::lock_guard lk(mu_);
        e = *failed_;
      }
      fail_store(e);
      continue;
    }
    if (n == next::release) {
      std::uint64_t upto = 0;
      {
        std::lock_guard lk(mu_);
        upto = synced_upto_;
      }
      release_upto(upto);
      continue;
    }
    if (auto* p = std::get_if<purge_op>(&batch.front())) {
      run_purge(*p);
    } else {
      run_group(batch);
    }
    // Nobody queued behind this commit, so no next commit will flush its meta page soon: the
    // sync thread does, while this thread waits for (or builds) the next group.
    if (opt_.durable && !pending_.empty()) {
      bool ask = false;
      {
        std::lock_guard lk(mu_);
        ask = q_.empty() && sync_wanted_ < pending_.back().seq;
        if (ask) sync_wanted_ = pending_.back().seq;
      }
      if (ask) sync_cv_.notify_one();
    }
  }
  // Stopping: flush what is committed and complete it, here.
  if (!pending_.empty()) {
    auto r = opt_.durable ? db_.sync() : jubes::result<void>{};
    if (r && may_release_by_commit()) {
      release_upto(pending_.back().seq);
    } else {
      if (!r) log::error(log_c, "sync_failed", {{"error", r.error().message()}});
      fail_store(r ? jubes::error(errc::io_error, "an earlier flush failed") : r.error());  // never acknowledged
    }
  }
}

bool writer::may_release_by_commit() {
  std::unique_lock lk(mu_);
  cv_.wait(lk, [&] { return !sync_busy_; });
  return !failed_;
}

void writer::sync_loop() {
  std::unique_lock lk(mu_);
  for (;;) {
    sync_cv_.wait(lk, [&] { return (sync_wanted_ > synced_upto_ && !failed_) || sync_stop_; });
    if (sync_stop_) return;
    // Every group up to `upto` wrote its meta page before the writer asked for this sync.
    const std::uint64_t upto = sync_wanted_;
    sync_busy_ = true;
    lk.unlock();
    auto r = db_.sync();
    lk.lock();
    sync_busy_ = false;
    if (!r) {
      // Never retried: after a failed fdatasync the kernel may have dropped the dirty pages, so a
      // later success would prove nothing. The writer fails the pending groups (fail_store).
      ++counters_.commit_failures;
      log::error(log_c, "sync_failed", {{"error", r.error().message()}});
      if (!failed_)
        failed_ = jubes::error(errc::io_error, "store failed: " + r.error().message() +
                                                   "; writes stopped, nothing not on stable storage was "
                                                   "acknowledged; restart jubesd");
    } else {
      synced_upto_ = std::max(synced_upto_, upto);
    }
    cv_.notify_one();
  }
}

void writer::release_upto(std::uint64_t upto) {
  while (!pending_.empty() && pending_.front().seq <= upto) {
    pending_group g = std::move(pending_.front());
    pending_.pop_front();
    {
      std::lock_guard pl(pmu_);
      for (const auto& [r, h] : g.heads) durable_heads_[r] = h;
    }
    auto wakes = watch_.publish(g.heads);
    for (auto& f : g.fire) f();
    for (auto& w : wakes) w();
  }
  std::lock_guard lk(mu_);
  released_upto_ = std::max(released_upto_, upto);
}

std::uint64_t writer::durable_head(std::string_view recipient) const {
  std::lock_guard pl(pmu_);
  auto it = durable_heads_.find(std::string(recipient));
  return it == durable_heads_.end() ? 0 : it->second;
}

bool writer::try_group(std::vector<op>& batch, level lvl, jubes::error& failure, bool& disk) {
  auto t0 = std::chrono::steady_clock::now();
  disk = false;
  auto t = db_.begin_write();
  if (!t) {
    failure = t.error();
    disk = true;
    return false;
  }
  if (lvl == level::all && above_high_water(*t)) lvl = level::no_growth;  // ingest stops before audit does
  group g(db_, opt_, ws_, *t, lvl, now_ms(opt_));
  std::vector<std::function<void()>> fire;  // completions, in request order, run after the commit
  fire.reserve(batch.size());
  for (auto& o : batch) {
    bool ok = std::visit(
        [&](auto& x) {
          if constexpr (std::is_same_v<std::decay_t<decltype(x)>, purge_op>) {
            return true;  // never grouped (see loop)
          } else {
            auto r = g.apply(x);
            if (!r) {
              failure = std::move(r.error());
              return false;
            }
            if (x.done) fire.push_back([&x, v = std::move(*r)]() mutable { x.done(std::move(v)); });
            return true;
          }
        },
        o);
    if (!ok) return false;
  }
  if (auto f = g.finish(); !f) {
    failure = f.error();
    return false;
  }
  if (int rc = t->commit(); rc != 0) {
    failure = tables::lmdb_error(rc);
    disk = failure != errc::store_full;
    return false;
  }
  counters_.record_commit(batch.size(), std::chrono::steady_clock::now() - t0);
  const auto& c = g.changes();
  ws_.next_id = c.next_id;
  if (c.audit_head.seq != ws_.audit_head.seq) ws_.chain_stored = true;
  ws_.audit_head = c.audit_head;
  for (const auto& [r, h] : c.heads) ws_.heads[r] = h;
  counters_.last_id = ws_.next_id - 1;
  counters_.parked += static_cast<std::uint64_t>(c.parked_delta);
  counters_.accepted += c.accepted;
  counters_.duplicate += c.duplicate;
  counters_.conflict += c.conflict;
  counters_.store_full += c.store_full;
  counters_.acks += c.acks;
  counters_.forwards += c.forwards;
  counters_.reroutes += c.reroutes;
  if (lvl != level::all || c.accepted > 0) {
    std::lock_guard lk(mu_);
    full_ = lvl != level::all;  // full until new messages fit again
  }
  pending_group pg{0, std::move(batch), std::move(fire), c.heads};
  batch.clear();  // the closures in `fire` point into pg.batch's elements (moving keeps them)
  // This commit's data sync flushed the previous group's meta page (see writer.hpp).
  if (opt_.durable) {
    if (!pending_.empty() && may_release_by_commit()) release_upto(pending_.back().seq);
    // Crash tests stop here: this group's data is synced, its meta page written but not flushed.
    if (opt_.test_after_commit) opt_.test_after_commit();
  }
  pg.seq = ++committed_seq_;
  pending_.push_back(std::move(pg));
  if (!opt_.durable) release_upto(committed_seq_);  // MDB_NOSYNC: nothing is ever flushed (tests only)
  return true;
}

bool writer::above_high_water(const lmdb::txn& t) const {
  std::size_t reserve = opt_.audit_reserve_bytes;
  if (reserve == 0) reserve = std::clamp<std::size_t>(opt_.map_size_max / 16, 256u << 10, 64u << 20);
  const std::uint64_t mark = opt_.map_size_max > reserve ? opt_.map_size_max - reserve : 0;
  return db_.map_usage().used > mark && db_.live_bytes(t) > mark;
}

void writer::run_group(std::vector<op>& batch) {
  level lvl = level::all;
  jubes::error failure;
  bool disk = false;
  for (int attempt = 0;; ++attempt) {
    if (try_group(batch, lvl, failure, disk)) {
      if (db_.grow_ahead(opt_.map_size_max)) ++counters_.map_grows;
      return;
    }
    if (failure == errc::store_full && attempt < 8) {
      if (db_.grow(opt_.map_size_max, "map_full")) {
        ++counters_.map_grows;
        continue;
      }
      if (lvl == level::all) {
        // New messages no longer fit: acks, reads and audit records still go on (they fit in
        // the reserve the high-water mark keeps); if even they do not, the group fails below.
        lvl = level::no_growth;
        log::warn(log_c, "store_full", {{"map_size", db_.map_size()}, {"level", static_cast<int>(lvl)}});
        continue;
      }
    }
    ++counters_.commit_failures;
    log::error(log_c, "group_commit_failed", {{"error", failure.message()}, {"requests", batch.size()}});
    if (disk) {
      fail_store(failure);  // the groups before it waited for a flush that is now in doubt
      std::lock_guard lk(mu_);
      failure = *failed_;
    }
    fail_all(batch, failure);
    return;
  }
}

void writer::fail_all(std::vector<op>& batch, const jubes::error& e) {
  for (auto& o : batch) {
    if (std::holds_alternative<ingest_op>(o)) (e == errc::store_full ? counters_.store_full : counters_.io_error)++;
    complete_with(o, e);
  }
}

void writer::run_purge(purge_op& o) {
  auto r = purge_once(db_, opt_, ws_, counters_, now_ms(opt_), o.acc);
  if (!r && r.error() == errc::store_full && db_.grow(opt_.map_size_max, "purge")) {
    ++counters_.map_grows;
    r = purge_once(db_, opt_, ws_, counters_, now_ms(opt_), o.acc);
  }
  if (!r) {
    ++counters_.commit_failures;
    log::error(log_c, "purge_failed", {{"error", r.error().message()}});
    if (r.error() == errc::io_error) fail_store(r.error());  // a commit or begin the disk refused
    if (o.done) o.done(r.error());
    if (!o.done) purge_inflight_ = false;
    return;
  }
  if (o.acc.more) {
    // Requeue behind whatever arrived meanwhile, so ingest never waits for more than one batch.
    std::lock_guard lk(mu_);
    if (o.done || !stopping_) {
      q_.requeue(std::move(o));
      return;
    }
  }
  if (o.done) {
    // Purges are not pipelined: the caller hears back only after an explicit flush (which
    // also covers the groups committed before; they are released by the next take()).
    if (auto f = opt_.durable ? db_.sync() : jubes::result<void>{}; !f) {
      fail_store(f.error());
      o.done(f.error());
      return;
    }
    o.done(o.acc);
  } else {
    purge_inflight_ = false;
  }
}

}  // namespace jubes::storage
