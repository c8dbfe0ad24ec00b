#include "api.hpp"

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <chrono>
#include <cmath>
#include <ctime>
#include <map>
#include <mutex>
#include <set>

#include "codecs/codecs.hpp"
#include "common/log.hpp"
#include "gateway/errc.hpp"
#include "gateway/error_map.hpp"
#include "routing/table.hpp"
#include "storage/admin.hpp"
#include "storage/store.hpp"
#include "wiring.hpp"

namespace jubes::gateway::detail {
using namespace std::chrono_literals;

namespace {
constexpr std::string_view kComponent = "api";
const codecs::systeem kGateway{"JUSTID", "JUBES", "", ""};

// The BIJ message types: the only ones a municipality may forward (PRODUCT.md).
const std::set<std::string, std::less<>> kBijTypes = {
    "piBeeindiging", "piRegimefasering", "piVerlof",           "tbsVoorwaardelijkeBeeindiging",
    "tbsVerlof",     "pijBeeindiging",   "pijVerlofmachtiging"};

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string iso_time(std::int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

/// The routing table and the extraction set built from its field paths: always used together.
struct route_snapshot {
  std::shared_ptr<const routing::table> table;
  codecs::field_set fields;
};

struct token_bucket {
  double tokens = 0;
  std::chrono::steady_clock::time_point last;
};

/// A long poll waiting for a commit (or the drain).
struct waiter {
  explicit waiter(net::any_io_executor e) : ex(e), timer(e) {}
  net::any_io_executor ex;
  net::steady_timer timer;
};

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
std::string pct_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else if (s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

/// Path and decoded query parameters of a request target.
struct target_parts {
  std::string_view path;
  query_map query;
};
target_parts split_target(std::string_view t) {
  target_parts p;
  auto q = t.find('?');
  p.path = t.substr(0, q);
  if (q == std::string_view::npos) return p;
  std::string_view rest = t.substr(q + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    auto kv = rest.substr(0, amp);
    auto eq = kv.find('=');
    if (!kv.empty())
      p.query.values[pct_decode(kv.substr(0, eq))] =
          eq == std::string_view::npos ? std::string() : pct_decode(kv.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    rest = rest.substr(amp + 1);
  }
  return p;
}

/// Parses a non-negative decimal. @return false if `s` is not one.
bool parse_u64(std::string_view s, std::uint64_t& out) {
  if (s.empty() || s.size() > 19 || s.find_first_not_of("0123456789") != std::string_view::npos) return false;
  out = std::stoull(std::string(s));
  return true;
}

bool is_xml_content_type(std::string_view ct) {
  auto semi = ct.find(';');
  ct = ct.substr(0, semi);
  while (!ct.empty() && (ct.back() == ' ' || ct.back() == '\t')) ct.remove_suffix(1);
  while (!ct.empty() && (ct.front() == ' ' || ct.front() == '\t')) ct.remove_prefix(1);
  std::string lower(ct);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "application/xml" || lower == "text/xml") return true;
  return lower.size() > 4 && lower.rfind("+xml") == lower.size() - 4 && lower.find('/') != std::string::npos;
}

/// Bridges a store submit_* call (callback on the writer thread) to the awaiting coroutine: the
/// result is posted to the coroutine's executor (its strand). If the store refuses at once (queue
/// full or closed), completes with ok=false.
template <class T>
using submit_fn = std::function<bool(std::function<void(T)>)>;

/// Makes the shared submit function for writer_op. Build it as a named local before co_await:
/// GCC 12 mis-relocates non-trivial temporaries (lambdas with string captures) that live inside a
/// co_await expression, which ASan caught as a bad free of an SSO buffer.
template <class T, class F>
std::shared_ptr<submit_fn<T>> make_submit(F f) {
  return std::make_shared<submit_fn<T>>(std::move(f));
}

/// Bridges a store submit_* call (callback on the writer thread) to the awaiting coroutine: the
/// result is posted to the coroutine's executor (its strand). If the store refuses at once (queue
/// full or closed), completes with ok=false.
template <class T>
auto writer_op(std::shared_ptr<submit_fn<T>> submit) {
  return net::async_initiate<const net::use_awaitable_t<>, void(bool, T)>(
      [](auto handler, std::shared_ptr<submit_fn<T>> submit) {
        auto ex = net::get_associated_executor(handler);
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        bool ok = (*submit)(
            [h, ex](T v) { net::post(ex, [h, v = std::move(v)]() mutable { std::move (*h)(true, std::move(v)); }); });
        if (!ok) net::post(ex, [h]() mutable { std::move (*h)(false, T{}); });
      },
      net::use_awaitable, std::move(submit));
}

struct ec_u64 {
  boost::system::error_code ec;
  std::uint64_t v = 0;
};
struct ec_bool {
  boost::system::error_code ec;
  bool v = false;
};

// One validator per IO thread, bound to the catalog it was made for (xerces parsers are not
// thread-safe; the locked grammar pool behind them is shared).
thread_local std::unique_ptr<codecs::validator> tl_validator;
thread_local const codecs::schema_catalog* tl_catalog = nullptr;

}  // namespace

const std::string* query_map::get(std::string_view k) const {
  auto it = values.find(k);
  return it == values.end() ? nullptr : &it->second;
}

response make_response(unsigned status, std::string body, std::string_view content_type, unsigned version,
                       bool keep_alive) {
  response res{static_cast<http::status>(status), version};
  res.set(http::field::server, "jubesd");
  if (!content_type.empty()) res.set(http::field::content_type, content_type);
  res.body() = std::move(body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

struct api::state {
  state(const config& c, registry& m) : cfg(c), metrics(m) {}
  const config& cfg;
  registry& metrics;

  std::optional<codecs::xerces_guard> xerces;
  std::shared_ptr<const codecs::schema_catalog> catalog;
  std::shared_ptr<const routing::gemeente_registry> gemeenten;
  routing::compile_context cctx;
  std::atomic<std::shared_ptr<const route_snapshot>> routes;
  std::atomic<std::uint64_t> route_generation{0};
  std::mutex reload_mu;
  std::unique_ptr<storage::store> store;
  std::atomic<bool> draining{false};
  std::atomic<bool> opened{false};

  std::mutex mu;  // guards buckets and waiters
  std::map<std::string, token_bucket, std::less<>> buckets;
  std::set<std::shared_ptr<waiter>> waiters;

  // Unlabelled hot-path series, looked up once in open() (the registry's deque keeps them in place).
  histogram* accept_latency = nullptr;
  counter* duplicates = nullptr;
  counter* parked_total = nullptr;
  counter* entries_served = nullptr;
  counter* entries_acked = nullptr;

  codecs::validator& validator() {
    if (!tl_validator || tl_catalog != catalog.get()) {
      codecs::limits lim;
      lim.max_bytes = cfg.limits.max_body_bytes;
      lim.max_text_bytes = cfg.limits.max_body_bytes;
      codecs::semantic_options sem;
      auto g = gemeenten;
      sem.gemeentecode_exists = [g](std::string_view code) { return g->exists(code); };
      tl_validator = std::make_unique<codecs::validator>(catalog, lim, sem);
      tl_catalog = catalog.get();
    }
    return *tl_validator;
  }

  // --- replies ---------------------------------------------------------------------------------

  response fault_reply(const request& req, const boost::system::error_code& ec, const codecs::envelope* env = nullptr,
                       const codecs::fault* where = nullptr, std::string text = {}, unsigned retry_after = 0) {
    http_fault f = map_error(ec);
    codecs::fault_reply_info info;
    info.code = f.stuf_code;
    info.plek = f.plek;
    info.omschrijving = !text.empty() ? std::move(text) : where ? where->text : f.text;
    if (where) {
      info.line = where->line;
      info.column = where->column;
      info.element_path = where->element_path;
    }
    info.tijdstip_bericht = codecs::stuf_timestamp(now_ms());
    info.zender = kGateway;
    if (env) {
      info.ontvanger = codecs::zender_of(*env);
      info.cross_ref = env->referentienummer;
    }
    auto res =
        make_response(f.status, codecs::encode_fo03(info), "application/xml; charset=utf-8", req.version(), true);
    unsigned ra = retry_after ? retry_after : f.retry_after_s;
    if (ra) res.set(http::field::retry_after, std::to_string(ra));
    return res;
  }

  void count_rejected(std::string_view reason) {
    metrics
        .get_counter("jubes_ingest_rejected_total", "Ingest requests refused, by reason.",
                     {{"reason", std::string(reason)}})
        .inc();
  }

  // --- limits --------------------------------------------------------------------------------------

  /// Takes one token of the party's bucket. @return 0 if allowed, else the seconds to wait.
  unsigned take_token(const std::string& party) {
    auto now = std::chrono::steady_clock::now();
    std::lock_guard lk(mu);
    auto [it, fresh] = buckets.try_emplace(party);
    auto& b = it->second;
    const double burst = cfg.limits.burst_per_party, rate = cfg.limits.rate_per_party;
    if (fresh) {
      b.tokens = burst;
    } else {
      double dt = std::chrono::duration<double>(now - b.last).count();
      b.tokens = std::min(burst, b.tokens + dt * rate);
    }
    b.last = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return static_cast<unsigned>(std::max(1.0, std::ceil((1 - b.tokens) / rate)));
  }

  // --- routes ----------------------------------------------------------------------------------

  std::string compile_routes(bool initial) {
    std::lock_guard lk(reload_mu);
    std::string err;
    auto t = routing::table::compile(cfg.routes_file, cctx, err);
    if (!t) {
      log::error(kComponent, "routes_refused", {{"file", cfg.routes_file.string()}, {"error", err}});
      metrics.get_counter("jubes_route_reload_failures_total", "Route reloads refused (the old table keeps serving).")
          .inc();
      return err.empty() ? t.error().message() : err;
    }
    auto snap = std::make_shared<route_snapshot>(route_snapshot{*t, codecs::field_set((*t)->field_paths())});
    routes.store(std::move(snap));
    if (!initial) route_generation.fetch_add(1);
    log::info(kComponent, initial ? "routes_loaded" : "routes_reloaded",
              {{"version", (*t)->version()}, {"rules", (*t)->rule_count()}});
    return {};
  }

  // --- outbox batch ----------------------------------------------------------------------------

  std::string batch_xml(const std::string& recipient, std::uint64_t after,
                        const std::vector<storage::outbox_entry>& es) {
    std::string out;
    std::size_t total = 256;
    for (const auto& e : es) total += e.body.size() + 256;
    out.reserve(total);
    out +=
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<outbox xmlns=\"http://www.justid.nl/jubes/outbox/0100\" "
        "recipient=\"";
    codecs::append_escaped(out, recipient);
    out += "\" after=\"" + std::to_string(after) + "\" count=\"" + std::to_string(es.size()) + "\"";
    if (!es.empty()) out += " last=\"" + std::to_string(es.back().seq) + "\"";
    out += ">\n";
    for (const auto& e : es) {
      out += "<entry seq=\"" + std::to_string(e.seq) + "\" id=\"" + std::to_string(e.message_id) + "\" type=\"";
      codecs::append_escaped(out, e.message_type);
      out += "\" source=\"";
      codecs::append_escaped(out, e.source_party);
      out += "\" time=\"" + iso_time(e.accepted_at_ms) + "\"";
      if (e.purged) {
        out += " purged=\"true\"/>\n";
        continue;
      }
      out += ">";
      auto body = codecs::embeddable_body(e.body);
      if (body)
        out += *body;
      else  // cannot happen for a body that passed validation; never send broken XML
        out += "<unembeddable/>";
      out += "</entry>\n";
    }
    out += "</outbox>\n";
    return out;
  }
};

api::api(const config& cfg, registry& metrics) : st_(std::make_unique<state>(cfg, metrics)) {}
api::~api() {
  close();
}

boost::system::result<void, std::string> api::open() {
  auto& s = *st_;
  s.xerces.emplace();
  std::string err;
  auto g = routing::gemeente_registry::load(s.cfg.gemeenten_file, err);
  if (!g) return "gemeenten_file: " + err;
  s.gemeenten = *g;

  auto sets = schema_sets(s.cfg);
  if (sets.empty()) return std::string("schemas: no schema set configured");
  auto cat = codecs::schema_catalog::load(sets, err);
  if (!cat) return "schemas: " + err;
  s.catalog = *cat;

  s.cctx = compile_context(s.cfg, s.catalog, s.gemeenten);
  if (auto e = s.compile_routes(true); !e.empty()) return "routes_file: " + e;

  auto so = store_options(s.cfg);
  auto st = storage::store::open(so);
  if (!st) return "store " + so.dir.string() + ": " + st.error().message();
  s.store = std::move(*st);

  s.accept_latency = &s.metrics.get_histogram("jubes_accept_latency_seconds",
                                              "Time from a complete ingest request to its durable receipt.",
                                              {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5});
  s.duplicates = &s.metrics.get_counter("jubes_ingest_duplicates_total",
                                        "Repeated messages answered with the original receipt (200).");
  s.parked_total = &s.metrics.get_counter("jubes_ingest_parked_total", "Accepted messages no rule routed.");
  s.entries_served =
      &s.metrics.get_counter("jubes_outbox_entries_served_total", "Outbox entries returned by polls (incl. repeats).");
  s.entries_acked = &s.metrics.get_counter("jubes_outbox_acked_total", "Outbox entries acknowledged by recipients.");
  s.metrics.add_collector([this](registry& r) {
    auto& s = *st_;
    if (!s.store) return;
    auto m = s.store->metrics();
    r.get_gauge("jubes_writer_queue_depth", "Requests waiting for the store's writer.").set(double(m.queue_depth));
    r.get_gauge("jubes_writer_queue_capacity", "Capacity of the store's writer queue.").set(double(m.queue_capacity));
    r.get_gauge("jubes_store_map_size_bytes", "LMDB map size in bytes.").set(double(m.map_size));
    r.get_gauge("jubes_store_used_bytes", "Bytes of the LMDB map in use.").set(double(m.map_used));
    r.get_gauge("jubes_parked_messages", "Messages no rule routed, waiting for an operator.").set(double(m.parked));
    r.get_gauge("jubes_store_commits", "Successful write transactions since start.").set(double(m.commits));
    r.get_gauge("jubes_store_commit_failures", "Failed write transactions since start.").set(double(m.commit_failures));
    r.get_gauge("jubes_outbox_acks", "Ack requests committed since start.").set(double(m.acks));
    r.get_gauge("jubes_forwards", "Forwards committed since start.").set(double(m.forwards));
    {
      std::vector<double> b(storage::group_size_buckets.begin(), storage::group_size_buckets.end());
      std::vector<std::uint64_t> c(m.group_size_hist.begin(), m.group_size_hist.end());
      r.get_histogram("jubes_group_commit_size", "Requests per group commit.", b).load(c, double(m.group_size_sum));
    }
    {
      std::vector<double> b(storage::commit_seconds_buckets.begin(), storage::commit_seconds_buckets.end());
      std::vector<std::uint64_t> c(m.commit_seconds_hist.begin(), m.commit_seconds_hist.end());
      r.get_histogram("jubes_group_commit_seconds", "Duration of a group commit incl. fsync.", b)
          .load(c, m.commit_seconds_sum);
    }
    auto now = now_ms();
    if (auto obs = s.store->outboxes()) {
      for (const auto& [rcpt, o] : *obs) {
        labels l{{"recipient", rcpt}};
        r.get_gauge("jubes_outbox_head", "Seq of the newest outbox entry, per recipient.", l).set(double(o.head));
        r.get_gauge("jubes_outbox_cursor", "Highest acknowledged seq, per recipient.", l).set(double(o.cursor));
        r.get_gauge("jubes_outbox_backlog", "Unacknowledged outbox entries, per recipient.", l)
            .set(double(o.head - std::min(o.head, o.cursor)));
        r.get_gauge("jubes_outbox_oldest_unacked_age_seconds", "Age of the oldest unacknowledged entry, per recipient.",
                    l)
            .set(o.oldest_unacked_ms ? double(now - o.oldest_unacked_ms) / 1000.0 : 0.0);
      }
    }
    if (auto snap = s.routes.load()) {
      r.clear("jubes_route_table_info");
      r.get_gauge("jubes_route_table_info", "The routing table in service (version label).",
                  {{"version", snap->table->version()}})
          .set(1);
      r.get_gauge("jubes_route_table_reloads", "Successful route reloads since start.")
          .set(double(s.route_generation.load()));
    }
  });
  s.opened = true;
  return {};
}

bool api::ready() const {
  return st_->opened && !st_->draining && st_->store && st_->routes.load();
}

std::string api::reload_routes() {
  return st_->compile_routes(false);
}

void api::drain() {
  auto& s = *st_;
  s.draining = true;
  std::lock_guard lk(s.mu);
  for (const auto& w : s.waiters) net::post(w->ex, [w] { w->timer.cancel(); });
}

void api::close() {
  auto& s = *st_;
  if (s.store) {
    s.store->close();
    s.store.reset();
  }
  // This thread's validator (the IO threads' ones died with their threads) before the catalog and xerces.
  tl_validator.reset();
  tl_catalog = nullptr;
  s.routes.store(nullptr);
  s.cctx = {};  // its schema_can_supply holds the catalog too
  s.catalog.reset();
  s.xerces.reset();
}

net::awaitable<response> api::handle(request& req, const caller& c) {
  auto& s = *st_;
  auto t = split_target(req.target());
  const auto path = t.path;
  const auto m = req.method();
  response res;
  std::string reason;  // ingest rejection reason for metrics

  if (!c.party) {
    res = s.fault_reply(req, errc::unknown_party);
  } else if (unsigned wait = s.take_token(c.party->id); wait > 0) {
    res = s.fault_reply(req, errc::rate_limited, nullptr, nullptr, {}, wait);
    reason = "rate_limited";
  } else if (path == "/v1/messages") {
    if (m != http::verb::post)
      res = s.fault_reply(req, errc::method_not_allowed);
    else
      res = co_await ingest(req, c, reason);
  } else if (path == "/v1/outbox") {
    if (m == http::verb::get)
      res = co_await poll(req, t.query, c);
    else
      res = s.fault_reply(req, errc::method_not_allowed);
  } else if (path == "/v1/outbox/ack") {
    if (m == http::verb::post)
      res = co_await ack(req, t.query, c);
    else
      res = s.fault_reply(req, errc::method_not_allowed);
  } else if (path.rfind("/v1/messages/", 0) == 0) {
    auto rest = path.substr(13);
    auto slash = rest.find('/');
    std::uint64_t id = 0;
    if (!parse_u64(rest.substr(0, slash), id)) {
      res = s.fault_reply(req, errc::not_found);
    } else if (slash == std::string_view::npos) {
      if (m == http::verb::get)
        res = co_await get_message(req, id, c);
      else
        res = s.fault_reply(req, errc::method_not_allowed);
    } else if (rest.substr(slash) == "/forward") {
      if (m == http::verb::post)
        res = co_await forward(req, id, t.query, c);
      else
        res = s.fault_reply(req, errc::method_not_allowed);
    } else {
      res = s.fault_reply(req, errc::not_found);
    }
  } else if (path.rfind("/v1/admin/", 0) == 0) {
    if (c.party->role != party_role::operator_)
      res = s.fault_reply(req, errc::not_found);  // admin endpoints do not exist for other parties
    else
      res = co_await admin(req, path.substr(10), t.query, c);
  } else {
    res = s.fault_reply(req, errc::not_found);
  }
  if (!reason.empty() && path == "/v1/messages") s.count_rejected(reason);
  s.metrics
      .get_counter(
          "jubes_http_requests_total", "API requests by party and status.",
          {{"party", c.party ? c.party->id : std::string("unknown")}, {"status", std::to_string(res.result_int())}})
      .inc();
  co_return res;
}

net::awaitable<response> api::ingest(request& req, const caller& c, std::string& reason) {
  auto& s = *st_;
  const auto& party = *c.party;
  auto started = std::chrono::steady_clock::now();
  if (party.role != party_role::source) {
    reason = "forbidden";
    co_return s.fault_reply(req, errc::role_not_allowed);
  }
  if (!is_xml_content_type(req[http::field::content_type])) {
    reason = "media_type";
    co_return s.fault_reply(req, errc::unsupported_media_type);
  }
  if (s.draining) {
    reason = "draining";
    co_return s.fault_reply(req, errc::draining);
  }
  auto snap = s.routes.load();
  codecs::parsed parsed;
  codecs::fault fault;
  if (!s.validator().parse(req.body(), snap->fields, parsed, fault)) {
    reason = codecs::to_string(fault.code);
    co_return s.fault_reply(req, fault.code, nullptr, &fault);
  }
  const auto& env = parsed.env;
  bool type_ok = false;
  for (const auto& mt : party.message_types) type_ok = type_ok || mt == env.message_type;
  if (!type_ok) {
    reason = "forbidden";
    co_return s.fault_reply(req, errc::type_not_allowed, &env, nullptr,
                            "party " + party.id + " may not send message type " + env.message_type);
  }
  if (env.zender_organisatie != party.zender_organisatie || env.zender_applicatie != party.zender_applicatie) {
    reason = "zender";
    co_return s.fault_reply(
        req, errc::zender_mismatch, &env, nullptr,
        "zender " + env.zender_organisatie + "/" + env.zender_applicatie + " is not party " + party.id);
  }
  routing::facts f{env.message_type, party.id, &parsed.fields};
  auto d = snap->table->route(f);

  storage::ingest_request ir;
  ir.party = party.id;
  ir.referentienummer = env.referentienummer;
  ir.message_type = env.message_type;
  ir.body = std::move(req.body());
  ir.recipients = std::move(d.recipients);
  ir.park_reason = std::move(d.park_reason);
  ir.route_version = std::move(d.table_version);
  ir.matched_rules = std::move(d.matched_rules);
  ir.received_at_ms = now_ms();
  bool parked = ir.recipients.empty();
  auto* store = s.store.get();
  auto irp = std::make_shared<storage::ingest_request>(std::move(ir));
  auto op = make_submit<storage::ingest_result>([store, irp](std::function<void(storage::ingest_result)> cb) {
    return store->submit(std::move(*irp), std::move(cb));
  });
  auto done = co_await writer_op<storage::ingest_result>(op);
  auto& [queued, r] = done;
  if (!queued) {
    reason = "overloaded";
    co_return s.fault_reply(req, storage::errc::overloaded, &env);
  }
  switch (r.outcome) {
    case storage::ingest_outcome::accepted:
    case storage::ingest_outcome::duplicate: {
      bool dup = r.outcome == storage::ingest_outcome::duplicate;
      codecs::receipt_info ri;
      ri.message_id = std::to_string(r.rcpt.message_id);
      ri.tijdstip_bericht = codecs::stuf_timestamp(r.rcpt.accepted_at_ms);
      ri.zender = kGateway;
      ri.ontvanger = codecs::zender_of(env);
      ri.cross_ref = r.rcpt.referentienummer;
      auto res = make_response(dup ? 200 : 201, codecs::encode_bv03(ri), "application/xml; charset=utf-8",
                               req.version(), true);
      res.set(http::field::location, "/v1/messages/" + ri.message_id);
      if (dup) {
        s.duplicates->inc();
      } else {
        s.metrics
            .get_counter("jubes_ingest_accepted_total", "Messages accepted (201), by source party.",
                         {{"party", party.id}})
            .inc();
        if (parked) s.parked_total->inc();
        s.accept_latency->observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
      }
      co_return res;
    }
    case storage::ingest_outcome::conflict: {
      reason = "conflict";
      auto info = codecs::stuf016(env, kGateway, codecs::stuf_timestamp(now_ms()));
      co_return make_response(409, codecs::encode_fo03(info), "application/xml; charset=utf-8", req.version(), true);
    }
    case storage::ingest_outcome::store_full:
      reason = "store_full";
      co_return s.fault_reply(req, storage::errc::store_full, &env);
    case storage::ingest_outcome::invalid:
      reason = "invalid";
      co_return s.fault_reply(req, errc::bad_request, &env, nullptr, "message has no referentienummer");
    case storage::ingest_outcome::io_error:
      break;
  }
  reason = "io_error";
  co_return s.fault_reply(req, storage::errc::io_error, &env);
}

net::awaitable<response> api::poll(request& req, const query_map& q, const caller& c) {
  auto& s = *st_;
  const std::string& me = c.party->id;
  std::uint64_t after = 0, max = s.cfg.limits.max_batch, wait = 0;
  if (auto* v = q.get("after")) {
    if (!parse_u64(*v, after)) co_return s.fault_reply(req, errc::bad_request, nullptr, nullptr, "after: not a number");
  } else {
    auto o = s.store->outbox(me);
    if (!o) co_return s.fault_reply(req, o.error());
    after = o->cursor;
  }
  if (auto* v = q.get("max"); v && (!parse_u64(*v, max) || max == 0))
    co_return s.fault_reply(req, errc::bad_request, nullptr, nullptr, "max: not a positive number");
  if (auto* v = q.get("wait"); v && !parse_u64(*v, wait))
    co_return s.fault_reply(req, errc::bad_request, nullptr, nullptr, "wait: not a number of seconds");
  max = std::min<std::uint64_t>(max, s.cfg.limits.max_batch);
  wait = std::min<std::uint64_t>(wait, s.cfg.limits.long_poll_max_wait_s);

  auto entries = s.store->read_outbox(me, after, max);
  if (!entries) co_return s.fault_reply(req, entries.error());
  if (entries->empty() && wait > 0 && !s.draining) {
    auto w = std::make_shared<waiter>(co_await net::this_coro::executor);
    w->timer.expires_after(std::chrono::seconds(wait));
    {
      std::lock_guard lk(s.mu);
      s.waiters.insert(w);
    }
    auto woken = std::make_shared<std::atomic<bool>>(false);
    auto token = s.store->watch(me, after, [w, woken] {
      woken->store(true);
      net::post(w->ex, [w] { w->timer.cancel(); });
    });
    // A drain that began before we registered would not have seen us.
    if (!woken->load() && !s.draining) co_await w->timer.async_wait(net::as_tuple(net::use_awaitable));
    s.store->unwatch(token);
    {
      std::lock_guard lk(s.mu);
      s.waiters.erase(w);
    }
    if (s.draining)
      entries->clear();
    else
      entries = s.store->read_outbox(me, after, max);
    if (!entries) co_return s.fault_reply(req, entries.error());
  }
  s.entries_served->inc(entries->size());
  co_return make_response(200, s.batch_xml(me, after, *entries), "application/xml; charset=utf-8", req.version(), true);
}

net::awaitable<response> api::ack(request& req, const query_map& q, const caller& c) {
  auto& s = *st_;
  std::uint64_t upto = 0;
  auto* v = q.get("upto");
  if (!v || !parse_u64(*v, upto))
    co_return s.fault_reply(req, errc::bad_request, nullptr, nullptr, "upto: required, a sequence number");
  const std::string me = c.party->id;
  std::uint64_t before = 0;
  if (auto o = s.store->outbox(me)) before = o->cursor;
  auto* store = s.store.get();
  auto op = make_submit<ec_u64>([store, me, upto](std::function<void(ec_u64)> cb) {
    return store->submit_ack(me, upto, [cb](boost::system::error_code ec, std::uint64_t cur) { cb({ec, cur}); });
  });
  auto done = co_await writer_op<ec_u64>(op);
  auto& [queued, r] = done;
  if (!queued) co_return s.fault_reply(req, storage::errc::overloaded);
  if (r.ec)
    co_return s.fault_reply(req, r.ec, nullptr, nullptr,
                            r.ec == storage::errc::beyond_head ? "upto is beyond the outbox head" : "");
  if (r.v > before) s.entries_acked->inc(r.v - before);
  std::string body =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ack xmlns=\"http://www.justid.nl/jubes/outbox/0100\" recipient=\"";
  codecs::append_escaped(body, me);
  body += "\" cursor=\"" + std::to_string(r.v) + "\"/>\n";
  co_return make_response(200, std::move(body), "application/xml; charset=utf-8", req.version(), true);
}

net::awaitable<response> api::get_message(request& req, std::uint64_t id, const caller& c) {
  auto& s = *st_;
  auto m = s.store->get(id);
  if (!m) co_return s.fault_reply(req, m.error());
  // 404 for a party that may not see it: never reveal that the id exists.
  if (!*m || !storage::may_read(**m, c.party->id)) co_return s.fault_reply(req, errc::not_found);
  const auto& msg = **m;
  if (msg.purged) co_return s.fault_reply(req, errc::gone);
  s.store->audit_read(id, c.party->id);
  auto res = make_response(200, msg.body, "application/xml", req.version(), true);
  res.set("X-Jubes-Message-Type", msg.message_type);
  res.set("X-Jubes-Source", msg.source_party);
  res.set("X-Jubes-Accepted", iso_time(msg.accepted_at_ms));
  co_return res;
}

net::awaitable<response> api::forward(request& req, std::uint64_t id, const query_map& q, const caller& c) {
  auto& s = *st_;
  const std::string me = c.party->id;
  auto* to = q.get("to");
  if (me.rfind("gemeente:", 0) != 0)
    co_return s.fault_reply(req, errc::role_not_allowed, nullptr, nullptr, "only a municipality may forward");
  if (!to || to->size() != 13 || to->rfind("gemeente:", 0) != 0 || !s.gemeenten->is_current(to->substr(9)))
    co_return s.fault_reply(req, errc::bad_request, nullptr, nullptr,
                            "to: must be gemeente:NNNN, a municipality that exists today");
  if (*to == me) co_return s.fault_reply(req, errc::bad_request, nullptr, nullptr, "to: cannot forward to yourself");
  auto m = s.store->get(id);
  if (!m) co_return s.fault_reply(req, m.error());
  if (!*m || !storage::may_read(**m, me)) co_return s.fault_reply(req, errc::not_found);
  if (!kBijTypes.count((*m)->message_type))
    co_return s.fault_reply(req, errc::type_not_allowed, nullptr, nullptr, "only BIJ notices may be forwarded");
  auto* store = s.store.get();
  auto target = *to;
  auto op = make_submit<ec_bool>([store, id, me, target](std::function<void(ec_bool)> cb) {
    return store->submit_forward(id, me, target, [cb](boost::system::error_code ec, bool added) { cb({ec, added}); });
  });
  auto done = co_await writer_op<ec_bool>(op);
  auto& [queued, r] = done;
  if (!queued) co_return s.fault_reply(req, storage::errc::overloaded);
  if (r.ec) co_return s.fault_reply(req, r.ec);
  log::info(kComponent, "forwarded",
            {{"message_id", id}, {"from", me}, {"to", target}, {"new", r.v ? "true" : "false"}});
  std::string body =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<forward xmlns=\"http://www.justid.nl/jubes/outbox/0100\" id=\"" +
      std::to_string(id) + "\" to=\"" + target + "\" new=\"" + (r.v ? "true" : "false") + "\"/>\n";
  co_return make_response(r.v ? 201 : 200, std::move(body), "application/xml; charset=utf-8", req.version(), true);
}

net::awaitable<response> api::admin(request& req, std::string_view what, const query_map& q, const caller& c) {
  auto& s = *st_;
  auto text = [&](unsigned status, std::string body) {
    return make_response(status, std::move(body), "text/plain; charset=utf-8", req.version(), true);
  };
  log::info(kComponent, "admin", {{"party", c.party->id}, {"action", std::string(what)}});
  if (what == "routes/reload" && req.method() == http::verb::post) {
    auto e = s.compile_routes(false);
    if (!e.empty()) co_return text(400, "refused: " + e + "\n");
    co_return text(200, "ok: routes version " + s.routes.load()->table->version() + "\n");
  }
  if (what == "parked" && req.method() == http::verb::get) {
    auto p = storage::admin::parked_list(*s.store);
    if (!p) co_return s.fault_reply(req, p.error());
    co_return text(200, storage::admin::to_text(*p));
  }
  if (what == "parked/reroute" && req.method() == http::verb::post) {
    std::vector<std::uint64_t> ids;
    if (auto* v = q.get("id")) {
      std::uint64_t id = 0;
      if (!parse_u64(*v, id)) co_return text(400, "id: not a number\n");
      ids.push_back(id);
    } else if (q.get("all")) {
      auto p = s.store->parked();
      if (!p) co_return s.fault_reply(req, p.error());
      for (const auto& e : *p) ids.push_back(e.message_id);
    } else {
      co_return text(400, "give id=N or all=1\n");
    }
    std::string out;
    unsigned failed = 0;
    auto snap = s.routes.load();
    for (auto id : ids) {
      auto m = s.store->get(id);
      if (!m || !*m) {
        out += std::to_string(id) + ": not found\n";
        ++failed;
        continue;
      }
      const auto& msg = **m;
      codecs::parsed parsed;
      codecs::fault fault;
      if (msg.purged || !s.validator().parse(msg.body, snap->fields, parsed, fault)) {
        out += std::to_string(id) + ": cannot re-read the message\n";
        ++failed;
        continue;
      }
      auto d = snap->table->route(routing::facts{msg.message_type, msg.source_party, &parsed.fields});
      if (d.parked()) {
        out += std::to_string(id) + ": still unroutable: " + d.park_reason + "\n";
        continue;
      }
      auto* store = s.store.get();
      std::string rec;
      for (const auto& r : d.recipients) rec += (rec.empty() ? "" : ",") + r;
      auto op =
          make_submit<ec_bool>([store, id, rs = d.recipients, v = d.table_version](std::function<void(ec_bool)> cb) {
            return store->submit_reroute(id, rs, v, [cb](boost::system::error_code ec) { cb({ec, true}); });
          });
      auto done = co_await writer_op<ec_bool>(op);
      auto& [queued, r] = done;
      if (!queued || r.ec) {
        out += std::to_string(id) + ": " + (queued ? r.ec.message() : std::string("store overloaded")) + "\n";
        ++failed;
        continue;
      }
      out += std::to_string(id) + ": rerouted to " + rec + "\n";
    }
    co_return text(failed ? 409 : 200, out.empty() ? "nothing parked\n" : out);
  }
  if (what == "purge" && req.method() == http::verb::post) {
    auto* store = s.store.get();
    using pr = boost::system::result<storage::purge_result>;
    auto op = make_submit<pr>([store](std::function<void(pr)> cb) { return store->submit_purge(cb); });
    auto done = co_await writer_op<pr>(op);
    auto& [queued, r] = done;
    if (!queued) co_return s.fault_reply(req, storage::errc::overloaded);
    if (!r) co_return s.fault_reply(req, r.error());
    co_return text(200, storage::admin::to_text(*r));
  }
  if (what == "stats" && req.method() == http::verb::get) {
    auto st = s.store->stats();
    if (!st) co_return s.fault_reply(req, st.error());
    co_return text(200, storage::admin::to_text(*st));
  }
  co_return s.fault_reply(req, errc::not_found);
}

}  // namespace jubes::gateway::detail
