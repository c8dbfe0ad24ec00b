// jubes-bench: the load tool of issue 7 (docs/BENCHMARKS.md). See options.cpp for the command line.
//
// Shape: one io_context run by --threads threads; every connection is a coroutine on its own strand
// (a sender per --connections, bound to one source party and its certificate; a poller per known
// recipient with --poll; idle long polls with --idle-polls). Counters are atomics; each coroutine
// keeps its own latency histogram and outcome list, merged after the io_context stops, so the hot
// path takes no lock (the record file takes one, per line).
#include <openssl/ssl.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cinttypes>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>

#include "batch.hpp"
#include "conn.hpp"
#include "generator.hpp"
#include "histogram.hpp"
#include "options.hpp"
#include "record.hpp"

namespace jubes::bench {
namespace {

using clock_t_ = std::chrono::steady_clock;

std::string fmt_ms(std::uint64_t us) {
  char b[32];
  std::snprintf(b, sizeof b, "%.3f", static_cast<double>(us) / 1000.0);
  return b;
}

// ---- shared state ---------------------------------------------------------------------------

// What a sender sends next: a fresh or repeated (party, slot), or a recorded outcome to replay.
struct work {
  std::uint64_t slot = 0;
  bool repeat = false;               // a deliberate duplicate
  std::int64_t replay_index = -1;    // index into the replayed record
  clock_t_::time_point scheduled{};  // with --rate: when it should be sent
};

struct sender_result {
  histogram hist;
  std::vector<outcome> outcomes;
  std::map<int, std::uint64_t> errors_by_status;  // 0 = transport
  std::vector<std::string> replay_failures;
  std::string last_error;
};

struct poller_result {
  std::string recipient;
  std::vector<batch_entry> delivered;  // in order, acked
  std::uint64_t acked_upto = 0;
  std::uint64_t polls = 0;
  std::string error;
};

struct app {
  options opt;
  generator gen{generator_options{}};
  asio::io_context ioc;
  std::unique_ptr<ssl::context> source_ctx[4];
  std::map<std::string, std::unique_ptr<ssl::context>> recipient_ctx;
  record_writer rec;
  bool keep_outcomes = false;

  // generation
  std::atomic<std::uint64_t> issued{0};
  std::atomic<std::uint64_t> fresh[4]{};
  clock_t_::time_point start{}, deadline{}, send_end{};
  // replay
  record_file replayed;
  std::vector<std::vector<std::size_t>> replay_queue{4};
  std::atomic<std::size_t> replay_next[4]{};
  std::unordered_map<std::string, std::pair<std::string, std::uint64_t>> replay_receipt;  // ref -> (id, fp)

  // live counters (progress line)
  std::atomic<std::uint64_t> sent{0}, accepted{0}, duplicates{0}, errors{0}, retries{0}, delivered{0};
  std::atomic<int> senders_running{0};
  std::atomic<bool> senders_done{false};
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> idle_open{0}, idle_failed{0};  // --idle-polls: polls that completed once / failed

  std::vector<std::unique_ptr<sender_result>> senders;
  std::vector<std::unique_ptr<poller_result>> pollers;
};

std::string cert_path(const app& a, const std::string& party, const char* ext) {
  return (std::filesystem::path(a.opt.pki) / "clients" / (party + ext)).string();
}

// ---- senders --------------------------------------------------------------------------------

bool next_work(app& a, int party, std::uint64_t& rnd, work& w) {
  if (a.stop.load(std::memory_order_relaxed)) return false;
  if (!a.opt.replay.empty()) {
    auto i = a.replay_next[party].fetch_add(1);
    auto& q = a.replay_queue[static_cast<std::size_t>(party)];
    if (i >= q.size()) return false;
    w.replay_index = static_cast<std::int64_t>(q[i]);
    w.slot = a.replayed.outcomes[q[i]].slot;
  } else {
    auto k = a.issued.fetch_add(1);
    if (a.opt.count && k >= a.opt.count) return false;
    if (a.opt.duration_s > 0 && clock_t_::now() >= a.deadline) return false;
    rnd = mix(rnd);
    double u = static_cast<double>(rnd >> 11) * (1.0 / 9007199254740992.0);
    std::uint64_t have = a.fresh[party].load();
    if (a.opt.duplicates > 0 && have > 0 && u < a.opt.duplicates) {
      w.repeat = true;
      w.slot = mix(rnd) % have;  // an earlier message of this party, perhaps still in flight
    } else {
      w.slot = a.fresh[party].fetch_add(1);
    }
    if (a.opt.rate > 0) {
      auto ns = static_cast<std::int64_t>(static_cast<double>(k) * 1e9 / a.opt.rate);
      w.scheduled = a.start + std::chrono::nanoseconds(ns);
    }
  }
  return true;
}

asio::awaitable<void> sender(app& a, int party, int index, sender_result& r) {
  auto ex = co_await asio::this_coro::executor;
  connection c(ex, *a.source_ctx[party], a.opt.target_host, a.opt.target_port,
               std::chrono::milliseconds(static_cast<long>(a.opt.timeout_s * 1000)));
  std::uint64_t rnd = mix(a.opt.seed ^ (0xabcdef12345ULL + static_cast<std::uint64_t>(index)));
  asio::steady_timer timer(ex);
  work w;
  int consecutive_failures = 0;
  while (next_work(a, party, rnd, w)) {
    if (a.opt.rate > 0 && w.scheduled > clock_t_::now()) {
      timer.expires_at(w.scheduled);
      co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    message m = a.gen.make(party, w.slot);
    outcome o;
    o.party = m.party;
    o.slot = m.slot;
    o.referentienummer = m.referentienummer;
    o.body = fnv1a(m.body);
    if (w.replay_index >= 0) {
      const auto& orig = a.replayed.outcomes[static_cast<std::size_t>(w.replay_index)];
      if (orig.body != o.body) {
        r.replay_failures.push_back(m.referentienummer +
                                    ": the generator no longer builds the recorded bytes (body fingerprint differs)");
        continue;
      }
    }
    const auto t0 = a.opt.rate > 0 ? w.scheduled : clock_t_::now();
    reply rep;
    for (int attempt = 0;; ++attempt) {
      rep = co_await c.request(http::verb::post, "/v1/messages", "application/xml; charset=utf-8", m.body);
      // A real source retries 429/503 after Retry-After; so does the tool (a bounded number of times),
      // and the dedup of the gateway absorbs any repeat.
      if ((rep.status == 503 || rep.status == 429) && attempt < 50 && !a.stop.load()) {
        a.retries.fetch_add(1, std::memory_order_relaxed);
        int wait_ms = rep.retry_after_s > 0 ? std::min(rep.retry_after_s * 1000, 1000) : 50;
        timer.expires_after(std::chrono::milliseconds(wait_ms));
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        continue;
      }
      break;
    }
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(clock_t_::now() - t0).count();
    a.sent.fetch_add(1, std::memory_order_relaxed);
    o.status = rep.status;
    if (rep.status == 201 || rep.status == 200) {
      (rep.status == 201 ? a.accepted : a.duplicates).fetch_add(1, std::memory_order_relaxed);
      r.hist.record(static_cast<std::uint64_t>(us));
      o.message_id = receipt_id(rep.location, rep.body);
      o.receipt = fnv1a(rep.body);
      consecutive_failures = 0;
    } else {
      a.errors.fetch_add(1, std::memory_order_relaxed);
      ++r.errors_by_status[rep.status];
      r.last_error =
          rep.status == 0 ? rep.error : "HTTP " + std::to_string(rep.status) + ": " + rep.body.substr(0, 300);
      if (rep.status == 0 && ++consecutive_failures >= 3) {
        // The gateway is gone (e.g. a crash test): back off instead of spinning through the work.
        timer.expires_after(std::chrono::milliseconds(200));
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
      }
    }
    if (w.replay_index >= 0) {
      auto it = a.replay_receipt.find(o.referentienummer);
      if (it != a.replay_receipt.end()) {
        if (o.status != 200 || o.message_id != it->second.first || o.receipt != it->second.second)
          r.replay_failures.push_back(o.referentienummer + ": expected 200 with the original receipt (id " +
                                      it->second.first + "), got " + std::to_string(o.status) +
                                      (o.message_id.empty() ? "" : " id " + o.message_id) +
                                      (o.receipt != it->second.second && o.status == 200 ? " (receipt differs)" : ""));
      } else if (o.status != 201 && o.status != 200) {
        r.replay_failures.push_back(o.referentienummer + ": expected 201 (never acknowledged before), got " +
                                    std::to_string(o.status));
      }
    }
    if (a.rec.is_open()) a.rec.write(o);
    if (a.keep_outcomes) r.outcomes.push_back(std::move(o));
  }
  c.close();
  if (--a.senders_running == 0) {
    a.send_end = clock_t_::now();
    a.senders_done = true;
  }
}

// ---- pollers --------------------------------------------------------------------------------

// Without `after`, the gateway starts at the recipient's acknowledged cursor.
std::string outbox_target(std::optional<std::uint64_t> after, int max, int wait) {
  std::string t = "/v1/outbox?max=" + std::to_string(max) + "&wait=" + std::to_string(wait);
  if (after) t += "&after=" + std::to_string(*after);
  return t;
}

// Drains one recipient's outbox and acks, until the senders are done and a poll comes back empty.
asio::awaitable<void> poller(app& a, std::string recipient, poller_result& r) {
  auto ex = co_await asio::this_coro::executor;
  connection c(ex, *a.recipient_ctx.at(recipient), a.opt.target_host, a.opt.target_port,
               std::chrono::milliseconds(static_cast<long>(a.opt.timeout_s * 1000) + a.opt.poll_wait_s * 1000));
  asio::steady_timer timer(ex);
  r.recipient = recipient;
  std::optional<std::uint64_t> after;  // first poll: from the cursor (what earlier runs acked is done)
  int failures = 0;
  for (;;) {
    bool done_before = a.senders_done.load();
    int wait = done_before ? 0 : a.opt.poll_wait_s;
    auto rep = co_await c.request(http::verb::get, outbox_target(after, a.opt.poll_max, wait), {}, {});
    ++r.polls;
    if (rep.status != 200) {
      r.error = rep.status ? "GET /v1/outbox: HTTP " + std::to_string(rep.status) : rep.error;
      if (++failures > 20 || a.stop.load()) break;
      timer.expires_after(std::chrono::milliseconds(200));
      co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    std::vector<batch_entry> entries;
    if (!parse_batch(rep.body, entries, r.error)) break;
    if (entries.empty()) {
      if (done_before || a.stop.load()) break;
      continue;
    }
    std::uint64_t last = entries.back().seq;
    auto ack = co_await c.request(http::verb::post, "/v1/outbox/ack?upto=" + std::to_string(last), {}, {});
    if (ack.status != 200 && ack.status != 204) {
      r.error = ack.status ? "POST /v1/outbox/ack: HTTP " + std::to_string(ack.status) : ack.error;
      if (++failures > 20) break;
      continue;  // not acked: the same entries come again
    }
    failures = 0;
    a.delivered.fetch_add(entries.size(), std::memory_order_relaxed);
    for (auto& e : entries) r.delivered.push_back(std::move(e));
    after = last;
    r.acked_upto = last;
  }
  r.error = r.error.empty() ? std::string{} : recipient + ": " + r.error;
  c.close();
}

// A long poll that is only held open (the idle-connections benchmark), re-issued when it returns.
// Starts are spread at 500 a second so that the handshakes are not one burst; each poll waits at
// most 20 s, so the tool ends at most that long after the senders.
asio::awaitable<void> idle_poll(app& a, std::string recipient, int index) {
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer t(ex);
  t.expires_after(std::chrono::milliseconds(index * 2));
  co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
  connection c(ex, *a.recipient_ctx.at(recipient), a.opt.target_host, a.opt.target_port, std::chrono::seconds(60));
  bool counted = false;
  while (!a.senders_done.load() && !a.stop.load()) {
    // after=2^62: nothing ever qualifies, so the poll always waits the full time
    auto rep = co_await c.request(http::verb::get, outbox_target(std::uint64_t{1} << 62, 1, 20), {}, {});
    if (rep.status != 200) {
      a.idle_failed.fetch_add(1);
      if (a.idle_failed.load() <= 3)
        std::cerr << "jubes-bench: idle poll: " << (rep.status ? "HTTP " + std::to_string(rep.status) : rep.error)
                  << '\n';
      break;
    }
    if (!counted) {
      counted = true;
      a.idle_open.fetch_add(1);
    }
  }
  c.close();
}

// ---- verification ---------------------------------------------------------------------------

struct verify_report {
  bool ok = true;
  std::vector<std::string> problems;
  std::uint64_t checked_entries = 0, expected_entries = 0;
  void fail(std::string s) {
    ok = false;
    if (problems.size() < 20) problems.push_back(std::move(s));
  }
};

// Reads every entry of `recipient`'s outbox, acknowledged or not (entries stay until retention
// purges them), without acking: the whole history of what was delivered to it.
asio::awaitable<void> read_all(app& a, std::string recipient, std::vector<batch_entry>& out, std::string& error) {
  std::uint64_t after = 0;
  auto ex = co_await asio::this_coro::executor;
  connection c(ex, *a.recipient_ctx.at(recipient), a.opt.target_host, a.opt.target_port,
               std::chrono::milliseconds(static_cast<long>(a.opt.timeout_s * 1000)));
  for (;;) {
    auto rep = co_await c.request(http::verb::get, outbox_target(after, 1000, 0), {}, {});
    if (rep.status != 200) {
      error = recipient + ": GET /v1/outbox: " + (rep.status ? "HTTP " + std::to_string(rep.status) : rep.error);
      break;
    }
    std::vector<batch_entry> entries;
    if (!parse_batch(rep.body, entries, error)) {
      error = recipient + ": " + error;
      break;
    }
    if (entries.empty()) break;
    if (entries.back().seq <= after) {
      error = recipient + ": outbox returned seq " + std::to_string(entries.back().seq) +
              " <= after=" + std::to_string(after);
      break;
    }
    after = entries.back().seq;
    for (auto& e : entries) out.push_back(std::move(e));
  }
  c.close();
}

verify_report verify(app& a, const std::vector<outcome>& outcomes) {
  verify_report rep;
  // What each referentienummer should look like in the outboxes.
  struct expect {
    std::string id;                       // empty: never acknowledged (may or may not be stored)
    std::vector<std::string> recipients;  // by construction (generator.hpp)
  };
  std::unordered_map<std::string, expect> by_ref;
  for (const auto& o : outcomes) {
    auto [it, fresh] = by_ref.try_emplace(o.referentienummer);
    if (fresh) it->second.recipients = a.gen.make(source_index(o.party), o.slot).recipients;
    if (!o.message_id.empty()) {
      if (!it->second.id.empty() && it->second.id != o.message_id)
        rep.fail(o.referentienummer + ": two receipts with different ids " + it->second.id + " and " + o.message_id);
      it->second.id = o.message_id;
    }
  }
  std::unordered_map<std::string, const std::string*> ref_of_id;
  for (const auto& [ref, e] : by_ref)
    if (!e.id.empty()) ref_of_id[e.id] = &ref;

  // Entries seen: each known recipient's whole outbox (what pollers delivered and acked included).
  std::map<std::string, std::vector<batch_entry>> seen;
  std::map<std::string, std::string> errors;
  for (const auto& r : known_recipients()) {
    seen[r];
    errors[r];
  }
  a.ioc.restart();
  for (const auto& r : known_recipients())
    asio::co_spawn(asio::make_strand(a.ioc), read_all(a, r, seen[r], errors[r]), asio::detached);
  a.ioc.run();
  for (const auto& [r, e] : errors)
    if (!e.empty()) rep.fail("verify: " + e);

  std::map<std::pair<std::string, std::string>, int> count;  // (recipient, ref) -> times seen
  for (const auto& [r, entries] : seen) {
    for (const auto& e : entries) {
      ++rep.checked_entries;
      const std::string* ref = nullptr;
      if (auto it = ref_of_id.find(e.id); it != ref_of_id.end()) ref = it->second;
      if (!ref && !e.referentienummer.empty() && by_ref.count(e.referentienummer) &&
          by_ref[e.referentienummer].id.empty())
        ref = &by_ref.find(e.referentienummer)->first;  // a message whose reply was lost
      if (!ref) {
        rep.fail(r + ": unexpected entry seq " + std::to_string(e.seq) + " id " + e.id +
                 (e.referentienummer.empty() ? "" : " (" + e.referentienummer + ")") + ": not sent by this run");
        continue;
      }
      const auto& ex = by_ref[*ref];
      if (!std::binary_search(ex.recipients.begin(), ex.recipients.end(), r)) {
        rep.fail(r + ": " + *ref + " (id " + e.id + ") is in this outbox but routing should not send it here");
        continue;
      }
      ++count[{r, *ref}];
    }
  }
  const auto& known = known_recipients();
  for (const auto& [ref, ex] : by_ref) {
    int present = 0, expected = 0;
    for (const auto& r : ex.recipients) {
      if (std::find(known.begin(), known.end(), r) == known.end()) continue;  // no certificate to look
      ++expected;
      int n = 0;
      if (auto it = count.find({r, ref}); it != count.end()) n = it->second;
      if (n > 1) rep.fail(r + ": " + ref + " appears " + std::to_string(n) + " times");
      if (n >= 1) ++present;
      if (!ex.id.empty()) {
        ++rep.expected_entries;
        if (n == 0) rep.fail(r + ": " + ref + " (id " + ex.id + ") was acknowledged but is not in this outbox");
      }
    }
    if (ex.id.empty() && present != 0 && present != expected)
      rep.fail(ref + ": reply lost, and the message is in only " + std::to_string(present) + " of its " +
               std::to_string(expected) + " outboxes (not atomic)");
  }
  return rep;
}

// ---- ops figures ----------------------------------------------------------------------------

void print_ops(app& a) {
  // A plain-HTTP GET of /metrics; only a few lines of interest are echoed to stderr.
  try {
    asio::io_context io;
    tcp::resolver res(io);
    beast::tcp_stream s(io);
    s.expires_after(std::chrono::seconds(5));
    s.connect(res.resolve(a.opt.ops_host, a.opt.ops_port));
    http::request<http::empty_body> req{http::verb::get, "/metrics", 11};
    req.set(http::field::host, a.opt.ops_host);
    http::write(s, req);
    beast::flat_buffer b;
    http::response<http::string_body> resp;
    http::read(s, b, resp);
    std::string_view body = resp.body();
    while (!body.empty()) {
      auto nl = body.find('\n');
      auto line = body.substr(0, nl);
      body = nl == std::string_view::npos ? std::string_view{} : body.substr(nl + 1);
      if (line.starts_with("#")) continue;
      if (line.find("group_commit") != std::string_view::npos || line.find("ingest") != std::string_view::npos ||
          line.find("parked") != std::string_view::npos || line.find("store_") != std::string_view::npos)
        if (line.find("_bucket") == std::string_view::npos) std::cerr << "jubes-bench ops: " << line << '\n';
    }
  } catch (const std::exception& e) {
    std::cerr << "jubes-bench: --ops " << a.opt.ops_host << ":" << a.opt.ops_port << ": " << e.what() << '\n';
  }
}

// ---- trivial server -------------------------------------------------------------------------

// A mutual-TLS HTTP endpoint that does no work: the ceiling of the TLS/HTTP stack on these cores,
// the baseline of docs/BENCHMARKS.md. Replies 201 with a fixed receipt; GET gets an empty batch.
asio::awaitable<void> trivial_session(tcp::socket sock, ssl::context& ctx, std::atomic<std::uint64_t>& ids) {
  // Asio's SSL stream writes the header and the body as two TLS records; without TCP_NODELAY
  // Nagle may hold the second until the client's delayed ACK.
  beast::error_code nd;
  sock.set_option(tcp::no_delay(true), nd);
  tls_stream_t s(tcp_stream_t(std::move(sock)), ctx);
  auto& l = beast::get_lowest_layer(s);
  l.expires_after(std::chrono::seconds(10));
  auto [hec] = co_await s.async_handshake(ssl::stream_base::server);
  if (hec) co_return;
  beast::flat_buffer buf;
  for (;;) {
    http::request_parser<http::string_body> p;
    p.body_limit(16u * 1024 * 1024);
    l.expires_after(std::chrono::seconds(60));
    auto [rec, rn] = co_await http::async_read(s, buf, p);
    (void)rn;
    if (rec) break;
    auto& req = p.get();
    http::response<http::string_body> res;
    res.version(11);
    res.keep_alive(req.keep_alive());
    res.set(http::field::content_type, "application/xml; charset=utf-8");
    if (req.method() == http::verb::post && req.target() == "/v1/messages") {
      std::string id = "t" + std::to_string(ids.fetch_add(1));
      res.result(http::status::created);
      res.set(http::field::location, "/v1/messages/" + id);
      res.body() =
          "<Bv03Bericht><stuurgegevens><referentienummer>" + id + "</referentienummer></stuurgegevens></Bv03Bericht>";
    } else {
      res.result(http::status::ok);
      res.body() = "<batch/>";
    }
    res.prepare_payload();
    l.expires_after(std::chrono::seconds(10));
    auto [wec, wn] = co_await http::async_write(s, res);
    (void)wn;
    if (wec || !res.keep_alive()) break;
  }
  beast::error_code ec;
  l.socket().close(ec);
}

asio::awaitable<void> trivial_accept(tcp::acceptor& acc, ssl::context& ctx, std::atomic<std::uint64_t>& ids) {
  for (;;) {
    auto strand = asio::make_strand(acc.get_executor());
    auto [ec, sock] = co_await acc.async_accept(strand, asio::as_tuple(asio::use_awaitable));
    if (ec == asio::error::operation_aborted) co_return;
    if (ec) continue;
    asio::co_spawn(strand, trivial_session(std::move(sock), ctx, ids), asio::detached);
  }
}

int serve_trivial(const options& o) {
  std::string host, port;
  auto c = o.serve_trivial.rfind(':');
  host = o.serve_trivial.substr(0, c);
  port = o.serve_trivial.substr(c + 1);
  ssl::context ctx(ssl::context::tls_server);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  beast::error_code ec;
  auto pki = std::filesystem::path(o.pki);
  ctx.use_certificate_chain_file((pki / "server.crt").string(), ec);
  if (!ec) ctx.use_private_key_file((pki / "server.key").string(), ssl::context::pem, ec);
  if (!ec) ctx.load_verify_file((pki / "ca.crt").string(), ec);
  if (ec) {
    std::cerr << "jubes-bench: --pki " << o.pki << ": " << ec.message() << '\n';
    return 2;
  }
  ctx.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  asio::io_context io(o.threads);
  tcp::acceptor acc(io);
  tcp::endpoint ep(asio::ip::make_address(host, ec), static_cast<unsigned short>(std::stoi(port)));
  if (ec) {
    std::cerr << "jubes-bench: --serve-trivial: bad address " << host << '\n';
    return 2;
  }
  acc.open(ep.protocol(), ec);
  if (!ec) acc.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acc.bind(ep, ec);
  if (!ec) acc.listen(1024, ec);
  if (ec) {
    std::cerr << "jubes-bench: --serve-trivial " << o.serve_trivial << ": " << ec.message() << '\n';
    return 2;
  }
  std::atomic<std::uint64_t> ids{1};
  auto bound = acc.local_endpoint();
  std::cout << "jubes-bench: serving trivial mTLS on " << bound.address().to_string() << ":" << bound.port()
            << std::endl;
  asio::signal_set sigs(io, SIGINT, SIGTERM);
  sigs.async_wait([&](auto, int) {
    beast::error_code e;
    acc.close(e);
    io.stop();
  });
  asio::co_spawn(io, trivial_accept(acc, ctx, ids), asio::detached);
  std::vector<std::thread> ts;
  for (int i = 1; i < o.threads; ++i) ts.emplace_back([&] { io.run(); });
  io.run();
  for (auto& t : ts) t.join();
  return 0;
}

// ---- progress and the run ------------------------------------------------------------------

asio::awaitable<void> progress(app& a, std::atomic<int>& live) {
  asio::steady_timer t(co_await asio::this_coro::executor);
  std::uint64_t last = 0;
  auto next = clock_t_::now();
  for (int s = 1; live.load() > 0; ++s) {
    next += std::chrono::seconds(1);
    // Wake often enough to notice the end promptly, print once a second.
    while (live.load() > 0 && clock_t_::now() < next) {
      t.expires_after(std::chrono::milliseconds(20));
      co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    if (live.load() == 0) break;
    std::uint64_t sent = a.sent.load();
    if (!a.opt.quiet)
      std::cerr << "jubes-bench: t=" << s << "s sent=" << sent << " accepted=" << a.accepted.load()
                << " duplicates=" << a.duplicates.load() << " errors=" << a.errors.load()
                << " retries=" << a.retries.load() << " delivered=" << a.delivered.load() << " last_s=" << sent - last
                << '\n';
    last = sent;
  }
}

// Runs a task and counts it down when it ends, so the run knows when everything is finished.
asio::awaitable<void> counted(asio::awaitable<void> task, std::atomic<int>& live) {
  co_await std::move(task);
  live.fetch_sub(1);
}

int run(options& o) {
  app a;
  if (!o.seed_set) o.seed = static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
  a.opt = o;
  record_file verify_only;
  const bool sending = o.count || o.duration_s > 0 || !o.replay.empty();
  const bool verify_from_record = o.verify && !sending && !o.record.empty();
  std::string err;
  generator_options go{o.seed, o.plan_fraction, o.size};
  if (!o.replay.empty()) {
    if (!read_record(o.replay, a.replayed, err)) {
      std::cerr << "jubes-bench: --replay " << err << '\n';
      return 2;
    }
    go = a.replayed.options;
    for (std::size_t i = 0; i < a.replayed.outcomes.size(); ++i) {
      const auto& r = a.replayed.outcomes[i];
      a.replay_queue[static_cast<std::size_t>(source_index(r.party))].push_back(i);
      if (!r.message_id.empty() && !a.replay_receipt.count(r.referentienummer))
        a.replay_receipt[r.referentienummer] = {r.message_id, r.receipt};
    }
    // Compare with the receipt of the first acknowledgement (the 201, if there was one).
    for (const auto& r : a.replayed.outcomes)
      if (r.status == 201) a.replay_receipt[r.referentienummer] = {r.message_id, r.receipt};
  }
  if (verify_from_record) {
    if (!read_record(o.record, verify_only, err)) {
      std::cerr << "jubes-bench: --record " << err << '\n';
      return 2;
    }
    go = verify_only.options;
  }
  a.gen = generator(go);
  a.keep_outcomes = o.verify;

  auto ca = (std::filesystem::path(o.pki) / "ca.crt").string();
  if (sending) {
    for (int p = 0; p < 4; ++p) {
      std::string party(sources()[static_cast<std::size_t>(p)].id);
      a.source_ctx[p] = client_context(ca, cert_path(a, party, ".crt"), cert_path(a, party, ".key"), err);
      if (!a.source_ctx[p]) {
        std::cerr << "jubes-bench: --pki: " << err << '\n';
        return 2;
      }
    }
  }
  if (o.poll || o.verify || o.idle_polls) {
    for (const auto& r : known_recipients()) {
      a.recipient_ctx[r] = client_context(ca, cert_path(a, r, ".crt"), cert_path(a, r, ".key"), err);
      if (!a.recipient_ctx[r]) {
        std::cerr << "jubes-bench: --pki: " << err << '\n';
        return 2;
      }
    }
  }
  if (!o.record.empty() && !verify_from_record && !a.rec.open(o.record, go, err)) {
    std::cerr << "jubes-bench: --record " << err << '\n';
    return 2;
  }
  if (!o.quiet)
    std::cerr << "jubes-bench: target=" << o.target_host << ":" << o.target_port << " seed=" << go.seed
              << " connections=" << (sending ? o.connections : 0) << " threads=" << o.threads << '\n';

  // Connections per party: tulp-gw twice as many as each other source (it carries the most
  // traffic). With --replay, only the parties in the record, each at least once.
  std::vector<int> party_of;
  static constexpr int pattern[] = {0, 1, 3, 2, 0};
  if (sending) {
    for (int k = 0; static_cast<int>(party_of.size()) < o.connections && k < 5 * o.connections + 10; ++k) {
      int p = pattern[k % 5];
      if (!o.replay.empty() && a.replay_queue[static_cast<std::size_t>(p)].empty()) continue;
      party_of.push_back(p);
    }
    for (int p = 0; p < 4 && !o.replay.empty(); ++p)
      if (!a.replay_queue[static_cast<std::size_t>(p)].empty() &&
          std::find(party_of.begin(), party_of.end(), p) == party_of.end())
        party_of.push_back(p);
  }

  std::atomic<int> live{0};
  a.start = clock_t_::now();
  a.deadline = a.start + std::chrono::milliseconds(static_cast<long>(o.duration_s * 1000));
  a.senders_running = static_cast<int>(party_of.size());
  a.send_end = a.start;
  if (party_of.empty()) a.senders_done = true;
  auto spawn = [&](asio::awaitable<void> task) {
    live.fetch_add(1);
    asio::co_spawn(asio::make_strand(a.ioc), counted(std::move(task), live), asio::detached);
  };
  for (std::size_t i = 0; i < party_of.size(); ++i) {
    a.senders.push_back(std::make_unique<sender_result>());
    spawn(sender(a, party_of[i], static_cast<int>(i), *a.senders.back()));
  }
  if (o.poll) {
    for (const auto& r : known_recipients()) {
      a.pollers.push_back(std::make_unique<poller_result>());
      spawn(poller(a, r, *a.pollers.back()));
    }
  }
  for (int i = 0; i < o.idle_polls; ++i)
    spawn(idle_poll(a, known_recipients()[static_cast<std::size_t>(i) % known_recipients().size()], i));

  asio::signal_set sigs(a.ioc, SIGINT, SIGTERM);
  sigs.async_wait([&](auto ec, int) {
    if (!ec) {
      std::cerr << "jubes-bench: interrupted; finishing the requests in flight\n";
      a.stop = true;
    }
  });
  // The signal set would keep run() alive: cancel it when the last task has ended.
  asio::co_spawn(
      a.ioc,
      [&]() -> asio::awaitable<void> {
        co_await progress(a, live);
        sigs.cancel();
      },
      asio::detached);
  {
    std::vector<std::thread> ts;
    for (int i = 1; i < o.threads; ++i) ts.emplace_back([&] { a.ioc.run(); });
    a.ioc.run();
    for (auto& t : ts) t.join();
  }
  const auto end = clock_t_::now();

  // Merge the per-connection results.
  histogram hist;
  std::vector<outcome> outcomes;
  std::map<int, std::uint64_t> errors_by_status;
  std::vector<std::string> replay_failures;
  std::string last_error;
  for (auto& r : a.senders) {
    hist.merge(r->hist);
    for (auto& x : r->outcomes) outcomes.push_back(std::move(x));
    for (auto [s, n] : r->errors_by_status) errors_by_status[s] += n;
    for (auto& f : r->replay_failures) replay_failures.push_back(std::move(f));
    if (!r->last_error.empty()) last_error = r->last_error;
  }
  int rc = 0;
  if (!errors_by_status.empty()) {
    std::cerr << "jubes-bench: errors by status:";
    for (auto [s, n] : errors_by_status) std::cerr << ' ' << (s ? std::to_string(s) : "no-reply") << '=' << n;
    std::cerr << "; last: " << last_error << '\n';
  }
  if (!replay_failures.empty()) {
    std::cerr << "jubes-bench: replay: " << replay_failures.size() << " messages did not come back as expected:\n";
    for (std::size_t i = 0; i < replay_failures.size() && i < 20; ++i) std::cerr << "  " << replay_failures[i] << '\n';
    rc = 1;
  } else if (!o.replay.empty()) {
    std::cerr << "jubes-bench: replay: all " << a.replayed.outcomes.size()
              << " recorded messages came back as expected\n";
  }
  if (o.poll) {
    std::uint64_t delivered = 0, polls = 0;
    for (auto& p : a.pollers) {
      delivered += p->delivered.size();
      polls += p->polls;
      if (!p->error.empty()) {
        std::cerr << "jubes-bench: poll: " << p->error << '\n';
        rc = rc ? rc : 1;
      }
    }
    double secs = std::chrono::duration<double>(end - a.start).count();
    char b[64];
    std::snprintf(b, sizeof b, "%.1f", secs > 0 ? static_cast<double>(delivered) / secs : 0.0);
    std::cerr << "jubes-bench poll: delivered=" << delivered << " polls=" << polls << " delivered_per_s=" << b
              << " seconds=" << secs << '\n';
  }
  if (o.verify) {
    const auto& list = verify_from_record ? verify_only.outcomes : outcomes;
    auto vr = verify(a, list);
    if (vr.ok) {
      std::cerr << "jubes-bench: verify: ok: " << vr.expected_entries
                << " expected outbox entries present exactly once, " << vr.checked_entries
                << " entries checked, nothing unexpected\n";
    } else {
      std::cerr << "jubes-bench: verify: FAILED:\n";
      for (auto& p : vr.problems) std::cerr << "  " << p << '\n';
      rc = 1;
    }
  }
  if (o.idle_polls)
    std::cerr << "jubes-bench idle: polls=" << o.idle_polls << " held_a_full_wait=" << a.idle_open.load()
              << " failed=" << a.idle_failed.load() << '\n';
  if (!o.ops_host.empty()) print_ops(a);

  double secs = std::chrono::duration<double>((sending ? a.send_end : end) - a.start).count();
  std::uint64_t ok = a.accepted.load() + a.duplicates.load();
  char rate[32];
  std::snprintf(rate, sizeof rate, "%.1f", secs > 0 ? static_cast<double>(ok) / secs : 0.0);
  std::cout << "jubes-bench: sent=" << a.sent.load() << " accepted=" << a.accepted.load()
            << " duplicates=" << a.duplicates.load() << " errors=" << a.errors.load() << " msgs_per_s=" << rate
            << " p50_ms=" << fmt_ms(hist.quantile(0.5)) << " p99_ms=" << fmt_ms(hist.quantile(0.99))
            << " p999_ms=" << fmt_ms(hist.quantile(0.999)) << std::endl;
  if (rc == 0 && a.errors.load() > 0) rc = 3;
  return rc;
}

}  // namespace
}  // namespace jubes::bench

int main(int argc, char** argv) {
  using namespace jubes::bench;
  options o;
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string err = parse_options(args, o);
  if (err == "help") {
    std::cout << usage();
    return 0;
  }
  if (!err.empty()) {
    std::cerr << "jubes-bench: " << err << '\n' << usage();
    return 64;
  }
  try {
    if (!o.serve_trivial.empty()) return serve_trivial(o);
    return run(o);
  } catch (const std::exception& e) {
    // Only start-up can throw (e.g. resources); the request path reports errors as values.
    std::cerr << "jubes-bench: " << e.what() << '\n';
    return 2;
  }
}
