// SPDX-License-Identifier: EUPL-1.2
#include "storage/store.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <thread>

#include "check.hpp"
#include "codec.hpp"
#include "common/log.hpp"
#include "database.hpp"
#include "files.hpp"
#include "reads.hpp"
#include "retention.hpp"
#include "state.hpp"
#include "storage/watch_hub.hpp"
#include "verify.hpp"
#include "writer.hpp"

namespace jubes::storage {

namespace {
constexpr std::string_view log_c = "storage";
}  // namespace

/// The parts of a store, in the order they are built and the reverse of the order they stop:
/// the directory lock, the environment, the watchers, the writer, the retention task.
struct store::impl {
  /// The flock's descriptor; declared before db_ so that LMDB closes before the lock is released.
  struct lock_file {
    int fd = -1;
    ~lock_file() {
      if (fd >= 0) ::close(fd);
    }
  };
  options opt_;
  bool read_only_ = false;
  bool restoring_ = false;  // opening a verified backup: its manifest goes after the open
  bool existing_ = false;   // data.mdb was there before this open
  lock_file lock_;
  database db_;
  counters counters_;
  watch_hub watch_;
  writer writer_{db_, opt_, counters_, watch_};
  retention_task retention_;
  std::atomic<bool> stop_reseal_{false};
  std::mutex reseal_mu_;
  std::thread resealer_;  // rotate_key(.., true): re-seals old blobs in the background

  ~impl() { close(); }

  void close() {
    stop_reseal_ = true;
    {
      std::lock_guard lk(reseal_mu_);
      if (resealer_.joinable()) resealer_.join();
    }
    retention_.stop();
    writer_.stop();
    watch_.close();
  }

  /// Takes the exclusive flock on <dir>/LOCK.
  jubes::result<void> lock() {
    auto path = opt_.dir / "LOCK";
    lock_.fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock_.fd < 0) {
      log::error(log_c, "lock_open_failed", {{"path", path.string()}, {"error", std::strerror(errno)}});
      return fail(errc::io_error, path.string() + ": " + std::strerror(errno));
    }
    if (::flock(lock_.fd, LOCK_EX | LOCK_NB) != 0) {
      int e = errno;  // not logged here: the caller says why it stops (jubesctl must stay quiet)
      if (e != EWOULDBLOCK) return fail(errc::io_error, path.string() + ": " + std::strerror(e));
      return fail(errc::locked, "data directory is in use by another process (flock on " + path.string() +
                                    " held; is jubesd running?)");
    }
    return {};
  }

  /// Before LMDB opens the directory (and holding the lock): a damaged, empty or missing data.mdb
  /// is refused unless this is a new store; a restored backup must match its manifest.
  jubes::result<void> prepare_files() {
    auto pre = files::preflight(opt_.dir, opt_.initialise, false);
    if (!pre) return pre.error();
    existing_ = *pre == files::found::existing;
    restoring_ = existing_ && files::has_manifest(opt_.dir);
    if (restoring_)
      if (auto r = files::verify_backup(opt_.dir); !r) {
        log::error(log_c, "restore_refused", {{"dir", opt_.dir.string()}, {"error", r.error().message()}});
        return r;
      }
    if (*pre == files::found::new_store) {
      // The store will hold BSNs: only the gateway's user may enter the directory.
      if (::chmod(opt_.dir.c_str(), 0700) != 0) log::warn(log_c, "chmod_failed", {{"dir", opt_.dir.string()}});
      log::info(log_c, "new_store", {{"dir", opt_.dir.string()}, {"initialise", opt_.initialise}});
    }
    return {};
  }

  /// After the tables opened: from now on the directory is known to hold a store.
  jubes::result<void> mark_opened() {
    if (auto r = files::ensure_marker(opt_.dir); !r) return r;
    // The first write will change data.mdb: the manifest stops describing it.
    if (restoring_) return files::retire_manifest(opt_.dir);
    return {};
  }

  /// Loads the committed state for the writer, the watchers and the metrics.
  jubes::result<writer_state> load() {
    return db_.read([&](const lmdb::txn& t) -> jubes::result<writer_state> {
      auto ws = writer_state::load(db_, t);
      if (!ws) return ws;
      auto parked = db_.t().parked.count(t);
      if (!parked) return parked.error();
      counters_.parked = *parked;
      counters_.last_id = ws->next_id - 1;
      watch_.init(ws->heads);
      if (read_only_) watch_.close();
      return ws;
    });
  }
};

store::store(std::unique_ptr<impl> i) : impl_(std::move(i)) {}
store::~store() = default;

jubes::result<std::unique_ptr<store>> store::open(const options& o) {
  if (o.dir.empty() || o.queue_capacity == 0 || o.max_group == 0 || o.map_size_initial == 0 ||
      o.map_size_max < o.map_size_initial) {
    log::error(log_c, "bad_options", {{"dir", o.dir.string()}});
    return fail(errc::invalid_argument, "store options: empty dir, zero queue or group, or map sizes out of order");
  }
  auto p = std::make_unique<impl>();
  p->opt_ = o;
  std::error_code fec;
  std::filesystem::create_directories(o.dir, fec);
  if (fec) {
    log::error(log_c, "mkdir_failed", {{"dir", o.dir.string()}, {"error", fec.message()}});
    return fail(errc::io_error, o.dir.string() + ": " + fec.message());
  }
  if (auto r = p->lock(); !r) return r.error();
  if (auto r = p->prepare_files(); !r) return r.error();
  // Garbage pages would crash LMDB at the first read: walk them in a child first (verify.hpp).
  if (p->existing_)
    if (auto r = verify::isolated(o.dir, o.verify, false, o.at_rest); !r) return r.error();
  // MDB_NOMETASYNC: one flush per commit; the writer completes a group only after a later flush
  // covered its meta page (writer.hpp, docs/storage.md "Crash safety").
  if (auto r = database::open(p->db_, o.dir, o.durable ? MDB_NOMETASYNC : MDB_NOSYNC, o.map_size_initial); !r)
    return r.error();
  if (auto r = p->db_.open_tables(true); !r) return r.error();
  if (auto r = p->db_.open_at_rest(o.at_rest); !r) return r.error();
  if (auto r = p->mark_opened(); !r) return r.error();
  auto ws = p->load();
  if (!ws) return ws.error();
  log::info(log_c, "open", {{"dir", o.dir.string()}, {"map_size", p->db_.map_size()}, {"next_id", ws->next_id}});
  p->writer_.start(std::move(*ws));
  if (o.retention_interval.count() > 0)
    p->retention_.start(o.retention_interval, [w = &p->writer_] { w->submit_background_purge(); });
  return std::unique_ptr<store>(new store(std::move(p)));
}

jubes::result<std::unique_ptr<store>> store::open_readonly(const std::filesystem::path& dir, open_check check,
                                                           const at_rest_options& at_rest) {
  // A backup's manifest is not verified here but by check(), so that `jubesctl check` can say so.
  if (auto pre = files::preflight(dir, false, true); !pre) return pre.error();
  if (auto r = verify::isolated(dir, check, true, at_rest); !r) return r.error();
  auto p = std::make_unique<impl>();
  p->opt_.dir = dir;
  p->opt_.at_rest = at_rest;
  p->read_only_ = true;
  if (auto r = database::open(p->db_, dir, MDB_RDONLY, 0); !r) return r.error();
  if (auto r = p->db_.open_tables(false); !r) return r.error();
  if (auto r = p->db_.open_at_rest(at_rest); !r) return r.error();
  if (auto ws = p->load(); !ws) return ws.error();
  return std::unique_ptr<store>(new store(std::move(p)));
}

void store::submit(ingest_request req, completion<ingest_result> done) {
  ingest_op o;
  // Hash on the caller's thread: it keeps the single writer for LMDB work only.
  o.sha_ok = codec::sha256(req.body, o.sha);
  o.req = std::move(req);
  o.done = std::move(done);
  impl_->writer_.submit(std::move(o));
}

void store::submit_ack(std::string recipient, std::uint64_t upto, completion<std::uint64_t> done) {
  impl_->writer_.submit(ack_op{std::move(recipient), upto, std::move(done)});
}

void store::submit_forward(std::uint64_t message_id, std::string from_recipient, std::string to_recipient,
                           completion<bool> done, operator_action by, entry_deadline dl) {
  impl_->writer_.submit(
      forward_op{message_id, std::move(from_recipient), std::move(to_recipient), std::move(done), std::move(by), dl});
}

void store::submit_reroute(std::uint64_t message_id, std::vector<std::string> recipients, std::string route_version,
                           completion<void> done, operator_action by, entry_deadline dl) {
  impl_->writer_.submit(
      reroute_op{message_id, std::move(recipients), std::move(route_version), std::move(done), std::move(by), dl});
}

void store::submit_park_decision(park_decision d, completion<bool> done) {
  impl_->writer_.submit(park_op{std::move(d), std::move(done)});
}

void store::submit_purge(completion<purge_result> done) {
  if (!done) return;  // nobody to tell: the background task purges on its own schedule
  impl_->writer_.submit(purge_op{{}, std::move(done)});
}

void store::audit_read(std::uint64_t message_id, std::string party) {
  impl_->writer_.submit(read_op{message_id, std::move(party), {}});
}

jubes::result<std::vector<outbox_entry>> store::read_outbox(std::string_view recipient, std::uint64_t after,
                                                            std::size_t max) const {
  auto r = read_batch(recipient, after, max, SIZE_MAX);
  if (!r) return r.error();
  return std::move(r->entries);
}
jubes::result<outbox_batch> store::read_batch(std::string_view recipient, std::uint64_t after, std::size_t max,
                                              std::size_t max_bytes) const {
  auto r = reads::read_outbox(impl_->db_, recipient, after, max, max_bytes);
  if (!r || impl_->read_only_) return r;
  // A committed group is visible before its meta page is flushed: never deliver what a power cut
  // could still take back (the sender was not acknowledged yet and would resend under a new id).
  const std::uint64_t durable = impl_->writer_.durable_head(recipient);
  auto& es = r->entries;
  while (!es.empty() && es.back().seq > durable) es.pop_back();
  r->more = (es.empty() ? after : es.back().seq) < durable;
  return r;
}
jubes::result<outbox_state> store::outbox(std::string_view recipient) const {
  return reads::outbox(impl_->db_, recipient);
}
jubes::result<std::vector<std::pair<std::string, outbox_state>>> store::outboxes() const {
  return impl_->db_.read([&](const lmdb::txn& t) { return reads::list_outboxes(impl_->db_, t, true); });
}
jubes::result<std::vector<late_entry>> store::late_entries(std::int64_t now_ms, std::size_t max) const {
  return reads::late_entries(impl_->db_, now_ms, max);
}
jubes::result<due_for_purge> store::unacked_due_for_purge(std::int64_t before_ms, std::size_t max_entries) const {
  return reads::unacked_due_for_purge(impl_->db_, before_ms, max_entries);
}
jubes::result<std::optional<stored_message>> store::get(std::uint64_t id) const {
  return reads::get(impl_->db_, id);
}
jubes::result<std::vector<parked_entry>> store::parked(std::size_t max) const {
  return reads::parked(impl_->db_, max);
}
void store::submit_audit(audit_event e, completion<audit_record> done) {
  impl_->writer_.submit(audit_op{std::move(e), std::move(done)});
}

jubes::result<std::vector<audit_record>> store::audit(std::uint64_t message_id, std::size_t max) const {
  return reads::audit(impl_->db_, message_id, max);
}
jubes::result<audit_chain_state> store::audit_chain() const {
  return impl_->db_.read([&](const lmdb::txn& t) { return reads::audit_chain(impl_->db_, t); });
}
jubes::result<void> store::scan_audit(std::uint64_t from, const std::function<bool(const audit_record&)>& visit) const {
  return reads::scan_audit(impl_->db_, from, visit);
}
jubes::result<store_stats> store::stats() const {
  return reads::stats(impl_->db_);
}
check_report store::check() const {
  return storage::check(impl_->db_);
}

std::uint64_t store::watch(std::string recipient, std::uint64_t after, std::function<void()> wake) {
  return impl_->watch_.watch(std::move(recipient), after, std::move(wake));
}
void store::unwatch(std::uint64_t token) {
  impl_->watch_.unwatch(token);
}

metrics_snapshot store::metrics() const {
  metrics_snapshot m;
  m.queue_depth = impl_->writer_.depth();
  m.queue_capacity = impl_->opt_.queue_capacity;
  impl_->counters_.fill(m);
  auto u = impl_->db_.map_usage();
  m.map_size = u.map_size;
  m.map_used = u.used;
  return m;
}

store_health store::health() const {
  if (impl_->read_only_) return {store_health::state::failed, "opened read-only"};
  return impl_->writer_.health();
}

jubes::result<void> store::backup(const std::filesystem::path& dir) const {
  return files::write_backup(dir, [this](const std::filesystem::path& tmp) { return impl_->db_.copy_compact(tmp); });
}

jubes::result<std::uint32_t> store::rotate_key(const key_bytes& kek, bool reencrypt) {
  auto id = impl_->db_.rotate_key(kek);
  if (!id || !reencrypt) return id;
  std::lock_guard lk(impl_->reseal_mu_);
  if (impl_->stop_reseal_) return id;
  if (impl_->resealer_.joinable()) impl_->resealer_.join();  // an earlier pass: finish it first
  impl_->resealer_ = std::thread([this] {
    auto n = reseal();
    if (!n)
      log::error(log_c, "reencrypt_failed", {{"error", n.error().message()}});
    else
      log::info(log_c, "reencrypted", {{"blobs", *n}});
  });
  return id;
}

jubes::result<std::uint64_t> store::reseal(std::size_t batch) {
  std::uint64_t from = 0, total = 0;
  std::uint32_t active = keys().first;
  while (!impl_->stop_reseal_) {
    // A rotation meanwhile: blobs already passed are under the previous key, so start again.
    if (auto now = keys().first; now != active) {
      active = now;
      from = 0;
    }
    auto n = impl_->db_.reseal_some(from, std::max<std::size_t>(batch, 1));
    if (!n) return n.error();
    if (*n == 0) break;
    total += *n;
  }
  return total;
}

std::pair<std::uint32_t, std::size_t> store::keys() const {
  auto k = impl_->db_.codec()->keys();
  return {k->active, k->keys.size()};
}

bool store::read_only() const noexcept {
  return impl_->read_only_;
}
const std::filesystem::path& store::dir() const noexcept {
  return impl_->opt_.dir;
}
void store::close() {
  impl_->close();
}

}  // namespace jubes::storage
