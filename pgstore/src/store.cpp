// SPDX-License-Identifier: EUPL-1.2
#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>

#include "common/log.hpp"
#include "listener.hpp"
#include "pgstore/pgstore.hpp"
#include "reads.hpp"
#include "storage/errc.hpp"
#include "storage/watch_hub.hpp"
#include "text.hpp"
#include "writer.hpp"

namespace jubes::pgstore {

namespace detail {
jubes::result<void> check_schema(const std::string& conninfo);
}  // namespace detail

namespace {
using storage::errc;
constexpr std::string_view log_c = "pgstore";
}  // namespace

/// The parts of the store, in the order they start and the reverse of the order they stop.
struct store::impl {
  explicit impl(options o)
      : opt(std::move(o)),
        keys(opt.at_rest),
        reads(opt.conninfo, opt.read_connections, keys),
        listen(opt.conninfo, opt.safety_poll, hub) {}
  ~impl() { close(); }
  void close() {
    stop_reseal = true;
    if (resealer.joinable()) resealer.join();
    writer.stop();  // every queued request completes first
    listen.stop();
    hub.close();
  }

  options opt;
  detail::at_rest keys;
  detail::counters counters;
  detail::watch_hub hub;
  detail::reader reads;
  detail::listener listen;
  detail::writer writer{opt, counters, hub, keys};
  std::mutex reseal_mu;  // one rotation or re-encryption at a time
  std::atomic<bool> stop_reseal{false};
  std::thread resealer;
};

store::store(std::unique_ptr<impl> i) : impl_(std::move(i)) {}
store::~store() = default;

jubes::result<std::unique_ptr<store>> store::open(const options& o) {
  if (o.conninfo.empty() || o.queue_capacity == 0 || o.max_group == 0 || o.read_connections == 0 ||
      o.safety_poll.count() <= 0)
    return fail(errc::invalid_argument, "pgstore options: empty conninfo, zero queue, group, pool or poll interval");
  if (auto r = check_conninfo(o.conninfo); !r) return r.error();
  if (auto r = detail::check_schema(o.conninfo); !r) return r.error();
  auto p = std::make_unique<impl>(o);
  {
    // The data keys before anything else: a node whose KEK does not unwrap them is refused.
    auto c = pq::connect(o.conninfo, "keys");
    if (!c) return c.error();
    if (auto r = p->keys.load(c->get()); !r) return r.error();
  }
  if (auto r = p->reads.warm_up(); !r) return r.error();
  // LISTEN before reading the heads: a commit of another node in between is then notified.
  if (auto r = p->listen.start(); !r) return r.error();
  auto heads = p->reads.heads();
  if (!heads) return heads.error();
  p->hub.init({heads->begin(), heads->end()});
  auto st = p->reads.stats();
  if (!st) return st.error();
  p->counters.parked = static_cast<std::int64_t>(st->parked);
  p->counters.last_id = st->last_message_id;
  if (auto r = p->writer.start(); !r) return r.error();
  log::info(log_c, "open", {{"recipients", heads->size()}, {"schema_version", schema_version()}});
  return std::unique_ptr<store>(new store(std::move(p)));
}

void store::submit(storage::ingest_request req, storage::completion<storage::ingest_result> done) {
  detail::ingest_op o;
  // Hash and seal on the caller's thread: the single writer only talks to the database.
  o.sha_ok = detail::sha256(req.body, o.sha);
  o.sealed_ok = static_cast<bool>(impl_->keys.seal(req.body, req.party, req.referentienummer, o.stored, o.key_id));
  o.req = std::move(req);
  o.done = std::move(done);
  impl_->writer.submit(std::move(o));
}

void store::submit_ack(std::string recipient, std::uint64_t upto, storage::completion<std::uint64_t> done) {
  impl_->writer.submit(detail::ack_op{std::move(recipient), upto, std::move(done)});
}

void store::submit_forward(std::uint64_t message_id, std::string from_recipient, std::string to_recipient,
                           storage::completion<bool> done, storage::operator_action by, storage::entry_deadline dl) {
  impl_->writer.submit(detail::forward_op{message_id, std::move(from_recipient), std::move(to_recipient),
                                          std::move(done), std::move(by), dl});
}

void store::submit_reroute(std::uint64_t message_id, std::vector<std::string> recipients, std::string route_version,
                           storage::completion<void> done, storage::operator_action by, storage::entry_deadline dl) {
  impl_->writer.submit(detail::reroute_op{message_id, std::move(recipients), std::move(route_version), std::move(done),
                                          std::move(by), dl});
}

void store::submit_audit(storage::audit_event e, storage::completion<storage::audit_record> done) {
  impl_->writer.submit(detail::audit_op{std::move(e), std::move(done)});
}

void store::submit_park_decision(storage::park_decision d, storage::completion<bool> done) {
  impl_->writer.submit(detail::park_op{std::move(d), std::move(done)});
}

void store::submit_purge(storage::completion<storage::purge_result> done) {
  if (!done) return;
  impl_->writer.submit(detail::purge_op{{}, std::move(done)});
}

void store::audit_read(std::uint64_t message_id, std::string party) {
  impl_->writer.submit(detail::read_op{message_id, std::move(party), {}});
}

jubes::result<std::vector<storage::outbox_entry>> store::read_outbox(std::string_view recipient, std::uint64_t after,
                                                                     std::size_t max) const {
  return impl_->reads.read_outbox(recipient, after, max);
}
jubes::result<storage::outbox_batch> store::read_batch(std::string_view recipient, std::uint64_t after, std::size_t max,
                                                       std::size_t max_bytes) const {
  return impl_->reads.read_batch(recipient, after, max, max_bytes);
}
jubes::result<storage::outbox_state> store::outbox(std::string_view recipient) const {
  return impl_->reads.outbox(recipient);
}
jubes::result<std::vector<std::pair<std::string, storage::outbox_state>>> store::outboxes() const {
  return impl_->reads.outboxes();
}
jubes::result<storage::due_for_purge> store::unacked_due_for_purge(std::int64_t before_ms,
                                                                   std::size_t max_entries) const {
  return impl_->reads.unacked_due_for_purge(before_ms, max_entries);
}
jubes::result<std::vector<storage::late_entry>> store::late_entries(std::int64_t now_ms, std::size_t max) const {
  return impl_->reads.late_entries(now_ms, max);
}
jubes::result<std::optional<storage::stored_message>> store::get(std::uint64_t message_id) const {
  return impl_->reads.get(message_id);
}
jubes::result<std::vector<storage::parked_entry>> store::parked(std::size_t max) const {
  return impl_->reads.parked(max);
}
jubes::result<std::vector<storage::audit_record>> store::audit(std::uint64_t message_id, std::size_t max) const {
  return impl_->reads.audit(message_id, max);
}
jubes::result<storage::audit_chain_state> store::audit_chain() const {
  return impl_->reads.audit_chain();
}
jubes::result<void> store::scan_audit(std::uint64_t from,
                                      const std::function<bool(const storage::audit_record&)>& visit) const {
  return impl_->reads.scan_audit(from, visit);
}

std::uint64_t store::watch(std::string recipient, std::uint64_t after, std::function<void()> wake) {
  return impl_->hub.watch(std::move(recipient), after, std::move(wake));
}
void store::unwatch(std::uint64_t token) {
  impl_->hub.unwatch(token);
}

storage::metrics_snapshot store::metrics() const {
  storage::metrics_snapshot m;
  m.queue_depth = impl_->writer.depth();
  m.queue_capacity = impl_->opt.queue_capacity;
  impl_->counters.fill(m);
  return m;
}

storage::store_health store::health() const {
  storage::store_health h;
  if (auto why = impl_->listen.down()) {
    h.st = storage::store_health::state::failed;
    h.reason = "no connection to a read-write PostgreSQL server: " + *why;
  }
  return h;
}

jubes::result<storage::store_stats> store::stats() const {
  return impl_->reads.stats();
}
storage::check_report store::check() const {
  return impl_->reads.check();
}

jubes::result<void> store::backup(const std::filesystem::path&) const {
  return fail(errc::invalid_argument,
              "a PostgreSQL store is backed up by PostgreSQL (pg_basebackup and WAL archiving), not by jubesctl");
}

namespace {
std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}
}  // namespace

jubes::result<std::uint32_t> store::rotate_key(const storage::key_bytes& kek, bool reencrypt) {
  std::lock_guard lk(impl_->reseal_mu);
  auto c = pq::connect(impl_->opt.conninfo, "keys");
  if (!c) return c.error();
  auto id = impl_->keys.rotate(c->get(), kek, impl_->opt.clock ? impl_->opt.clock() : wall_ms());
  if (!id || !reencrypt) return id;
  if (impl_->resealer.joinable()) impl_->resealer.join();  // a previous run finished or was stopped
  impl_->resealer = std::thread([this] {
    auto n = reseal();
    if (!n)
      log::error(log_c, "reencrypt_failed", {{"error", n.error().message()}});
    else
      log::info(log_c, "reencrypted", {{"bodies", *n}});
  });
  return id;
}

jubes::result<std::uint64_t> store::reseal(std::size_t batch) {
  auto c = pq::connect(impl_->opt.conninfo, "reencrypt");
  if (!c) return c.error();
  std::uint64_t from = 0, total = 0;
  for (bool done = false; !done;) {
    if (impl_->stop_reseal) return fail(errc::closed, "re-encryption stopped by close(); run it again to resume");
    auto n = impl_->keys.reseal_some(c->get(), from, batch ? batch : 64, done);
    if (!n) return n.error();
    total += *n;
  }
  return total;
}

void store::close() {
  impl_->close();
}

}  // namespace jubes::pgstore
