#include "writer.hpp"

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

std::size_t op_bytes(const op& o) {
  auto* i = std::get_if<ingest_op>(&o);
  return i ? i->req.body.size() : 0;
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
  std::lock_guard lk(mu_);
  started_ = true;
  thread_ = std::thread([this] { loop(); });
}

void writer::stop() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::size_t writer::depth() const {
  std::lock_guard lk(mu_);
  return q_.size();
}

std::optional<jubes::error> writer::enqueue(op& o, bool bypass_capacity) {
  const std::size_t bytes = op_bytes(o);
  {
    std::lock_guard lk(mu_);
    if (!started_) return jubes::error(errc::read_only);
    if (stopping_) return jubes::error(errc::closed);
    // An empty queue takes any one request, so a single large body is never refused for size.
    if (!bypass_capacity &&
        (q_.size() >= opt_.queue_capacity || (!q_.empty() && q_bytes_ + bytes > opt_.queue_max_bytes))) {
      ++counters_.rejected;
      return jubes::error(errc::overloaded);
    }
    q_bytes_ += bytes;
    q_.push_back(std::move(o));
  }
  cv_.notify_one();
  return std::nullopt;
}

void writer::submit(op o) {
  if (auto e = enqueue(o, false)) complete_with(o, *e);
}

bool writer::submit_background_purge() {
  if (purge_inflight_.exchange(true)) return true;  // one is queued or running already
  op o = purge_op{};
  if (enqueue(o, true)) {
    purge_inflight_ = false;
    return false;
  }
  return true;
}

void writer::loop() {
  std::vector<op> batch;
  for (;;) {
    batch.clear();
    {
      std::unique_lock lk(mu_);
      cv_.wait(lk, [&] { return !q_.empty() || stopping_; });
      if (q_.empty()) return;
      // A purge runs alone; everything else goes into one group, up to max_group.
      if (std::holds_alternative<purge_op>(q_.front())) {
        batch.push_back(std::move(q_.front()));
        q_.pop_front();
      } else {
        while (!q_.empty() && batch.size() < opt_.max_group && !std::holds_alternative<purge_op>(q_.front())) {
          q_bytes_ -= op_bytes(q_.front());
          batch.push_back(std::move(q_.front()));
          q_.pop_front();
        }
      }
    }
    if (auto* p = std::get_if<purge_op>(&batch.front())) {
      run_purge(*p);
    } else {
      run_group(batch);
    }
  }
}

bool writer::try_group(std::vector<op>& batch, level lvl, jubes::error& failure) {
  auto t0 = std::chrono::steady_clock::now();
  auto t = db_.begin_write();
  if (!t) {
    failure = t.error();
    return false;
  }
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
    return false;
  }
  counters_.record_commit(batch.size(), std::chrono::steady_clock::now() - t0);
  const auto& c = g.changes();
  ws_.next_id = c.next_id;
  ws_.next_audit = c.next_audit;
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
  auto wakes = watch_.publish(c.heads);
  for (auto& f : fire) f();
  for (auto& w : wakes) w();
  return true;
}

void writer::run_group(std::vector<op>& batch) {
  level lvl = level::all;
  jubes::error failure;
  for (int attempt = 0;; ++attempt) {
    if (try_group(batch, lvl, failure)) {
      if (db_.grow_ahead(opt_.map_size_max)) ++counters_.map_grows;
      return;
    }
    if (failure == errc::store_full && attempt < 8) {
      if (db_.grow(opt_.map_size_max, "map_full")) {
        ++counters_.map_grows;
        continue;
      }
      if (lvl != level::no_audit) {
        lvl = lvl == level::all ? level::no_growth : level::no_audit;
        log::warn(log_c, "store_full", {{"map_size", db_.map_size()}, {"level", static_cast<int>(lvl)}});
        continue;
      }
    }
    ++counters_.commit_failures;
    log::error(log_c, "group_commit_failed", {{"error", failure.message()}, {"requests", batch.size()}});
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
    if (o.done) o.done(r.error());
    if (!o.done) purge_inflight_ = false;
    return;
  }
  if (o.acc.more) {
    // Requeue behind whatever arrived meanwhile, so ingest never waits for more than one batch.
    std::lock_guard lk(mu_);
    if (o.done || !stopping_) {
      q_.push_back(std::move(o));
      return;
    }
  }
  if (o.done) {
    o.done(o.acc);
  } else {
    purge_inflight_ = false;
  }
}

}  // namespace jubes::storage
