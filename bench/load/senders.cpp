// SPDX-License-Identifier: EUPL-1.2
// jubes-bench senders: one coroutine per --connections, bound to one source party and its
// certificate, sending generated (or replayed) notices and recording what came back.
#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <optional>

#include "app.hpp"

namespace jubes::bench {
namespace {

// What a sender sends next: a fresh or repeated (party, slot), or a recorded outcome to replay.
struct work {
  std::uint64_t slot = 0;
  bool repeat = false;                  // a deliberate duplicate
  std::int64_t replay_index = -1;       // index into the replayed record
  std::optional<amendment> amends;      // --corrections: a correction or withdrawal
  bench_clock::time_point scheduled{};  // with --rate: when it should be sent
};

bool next_replay(app& a, int party, work& w) {
  auto i = a.replay_next[party].fetch_add(1);
  auto& q = a.replay_queue[static_cast<std::size_t>(party)];
  if (i >= q.size()) return false;
  w.replay_index = static_cast<std::int64_t>(q[i]);
  w.slot = a.replayed.outcomes[q[i]].slot;
  w.amends = a.replayed.outcomes[q[i]].amends;
  return true;
}

bool next_generated(app& a, int party, std::uint64_t& rnd, amendment_planner& plan, work& w) {
  auto k = a.issued.fetch_add(1);
  if (a.opt.count && k >= a.opt.count) return false;
  if (a.opt.duration_s > 0 && bench_clock::now() >= a.deadline) return false;
  rnd = mix(rnd);
  double u = static_cast<double>(rnd >> 11) * (1.0 / 9007199254740992.0);
  std::uint64_t have = a.fresh[party].load();
  w.amends.reset();
  w.repeat = false;
  if (a.opt.duplicates > 0 && have > 0 && u < a.opt.duplicates) {
    w.repeat = true;
    w.slot = mix(rnd) % have;     // an earlier message of this party, perhaps still in flight
    if (a.opt.corrections > 0) {  // the same bytes: a repeated correction is that correction again
      std::lock_guard lk(a.amend_mu);
      const auto& m = a.amendments[party];
      if (auto it = m.find(w.slot); it != m.end()) w.amends = it->second;
    }
  } else if (auto am = plan.next()) {
    std::lock_guard lk(a.amend_mu);
    w.slot = a.fresh[party].fetch_add(1);
    a.amendments[party][w.slot] = *am;
    w.amends = am;
  } else {
    w.slot = a.fresh[party].fetch_add(1);
  }
  if (a.opt.rate > 0) {
    auto ns = static_cast<std::int64_t>(static_cast<double>(k) * 1e9 / a.opt.rate);
    w.scheduled = a.start + std::chrono::nanoseconds(ns);
  }
  return true;
}

bool next_work(app& a, int party, std::uint64_t& rnd, amendment_planner& plan, work& w) {
  if (a.stop.load(std::memory_order_relaxed)) return false;
  if (!a.opt.replay.empty()) return next_replay(a, party, w);
  return next_generated(a, party, rnd, plan, w);
}

asio::awaitable<void> sleep_for(asio::steady_timer& timer, std::chrono::milliseconds d) {
  timer.expires_after(d);
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

// Points `c` at the next node after `t` gave no reply. @return the new node
std::size_t fail_over(app& a, connection& c, std::size_t t, sender_result& r) {
  ++r.per_target[t].failovers;
  a.failovers.fetch_add(1, std::memory_order_relaxed);
  const std::size_t next = a.nodes.after_failure(t);
  c.retarget(a.target(next).host, a.target(next).port);
  return next;
}

// Posts one message. A real source retries 429/503 after Retry-After; so does the tool (a bounded
// number of times), and the dedup of the gateway absorbs any repeat. With several nodes, a message
// that gets no reply (the node died or the connection broke) is sent again, the same bytes, on the
// next node, as a client of a cluster does; `t` follows the node in use.
asio::awaitable<reply> post_with_retries(app& a, connection& c, asio::steady_timer& timer, const std::string& body,
                                         std::size_t& t, sender_result& r) {
  reply rep;
  int failovers = 0;
  for (int attempt = 0;; ++attempt) {
    rep = co_await c.request(http::verb::post, "/v1/messages", "application/xml; charset=utf-8", body);
    if ((rep.status == 503 || rep.status == 429) && attempt < 50 && !a.stop.load()) {
      a.retries.fetch_add(1, std::memory_order_relaxed);
      int wait_ms = rep.retry_after_s > 0 ? std::min(rep.retry_after_s * 1000, 1000) : 50;
      co_await sleep_for(timer, std::chrono::milliseconds(wait_ms));
      continue;
    }
    if (rep.status == 0 && failovers < a.nodes.failover_attempts() && !a.stop.load()) {
      t = fail_over(a, c, t, r);
      // Once round all nodes without a reply: give them a moment (a restart, a failover).
      if (++failovers % static_cast<int>(a.nodes.targets) == 0)
        co_await sleep_for(timer, std::chrono::milliseconds(200));
      continue;
    }
    co_return rep;
  }
}

// Counts a reply and, when the run keeps outcomes, fills `o`. @return true if the message was
// acknowledged (200/201)
bool record_reply(app& a, sender_result& r, const reply& rep, std::int64_t us, std::size_t t, outcome* o) {
  a.sent.fetch_add(1, std::memory_order_relaxed);
  auto& node = r.per_target[t];
  ++node.sent;
  if (o) {
    o->status = rep.status;
    o->target = a.target(t).str();
  }
  if (rep.status == 201 || rep.status == 200) {
    (rep.status == 201 ? a.accepted : a.duplicates).fetch_add(1, std::memory_order_relaxed);
    ++(rep.status == 201 ? node.accepted : node.duplicates);
    r.hist.record(static_cast<std::uint64_t>(us));
    node.hist.record(static_cast<std::uint64_t>(us));
    if (o) {
      o->message_id = receipt_id(rep.location, rep.body);
      o->receipt = fingerprint(rep.body);
    }
    return true;
  }
  a.errors.fetch_add(1, std::memory_order_relaxed);
  ++node.errors;
  ++r.errors_by_status[rep.status];
  r.last_error = rep.status == 0 ? rep.error : "HTTP " + std::to_string(rep.status) + ": " + rep.body.substr(0, 300);
  return false;
}

// --replay: a message acknowledged before must come back 200 with its original receipt; one never
// acknowledged must now be accepted.
void check_replayed(const app& a, const outcome& o, sender_result& r) {
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

outcome outcome_of(const generator& g, std::size_t gen, int party, std::uint64_t slot, const std::string& body,
                   const std::optional<amendment>& amends) {
  outcome o;
  o.amends = amends;
  o.party = std::string(sources()[static_cast<std::size_t>(party)].id);
  o.slot = slot;
  o.gen = gen;
  o.referentienummer = g.referentienummer(party, slot);
  o.body = fingerprint(body);
  return o;
}

}  // namespace

asio::awaitable<void> sender(app& a, int party, int index, sender_result& r) {
  auto ex = co_await asio::this_coro::executor;
  r.per_target.resize(a.opt.targets.size());
  std::size_t t = a.nodes.first(static_cast<std::size_t>(index));
  connection c(ex, *a.source_ctx[party], a.target(t).host, a.target(t).port, request_timeout(a));
  std::uint64_t rnd = mix(a.opt.seed ^ (0xabcdef12345ULL + static_cast<std::uint64_t>(index)));
  asio::steady_timer timer(ex);
  // Each sender corrects or withdraws only notices it saw acknowledged itself (--corrections).
  amendment_planner plan(a.opt.corrections, mix(a.opt.seed ^ (0x5eed0c0ffeeULL + static_cast<std::uint64_t>(index))));
  work w;
  std::string body;  // reused: its capacity outlives the requests
  int consecutive_failures = 0;
  while (next_work(a, party, rnd, plan, w)) {
    if (a.opt.rate > 0 && w.scheduled > bench_clock::now()) {
      timer.expires_at(w.scheduled);
      co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    // The body is a copy of a template made before the run; the outcome (fingerprints, receipt id)
    // only when something reads it: --verify, --record or --replay.
    const bool replaying = w.replay_index >= 0;
    const std::size_t gen = replaying ? a.replayed.outcomes[static_cast<std::size_t>(w.replay_index)].gen : 0;
    const amendment* am = w.amends ? &*w.amends : nullptr;
    a.gens.at(gen).body(party, w.slot, body, am);
    const bool keep = a.keep_outcomes || a.rec.is_open() || replaying;
    std::optional<outcome> o;
    if (keep) o = outcome_of(a.gens.at(gen), gen, party, w.slot, body, w.amends);
    if (replaying && a.replayed.outcomes[static_cast<std::size_t>(w.replay_index)].body != o->body) {
      r.replay_failures.push_back(o->referentienummer +
                                  ": the generator no longer builds the recorded bytes (body fingerprint differs)");
      continue;
    }
    const auto t0 = a.opt.rate > 0 ? w.scheduled : bench_clock::now();
    reply rep = co_await post_with_retries(a, c, timer, body, t, r);
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(bench_clock::now() - t0).count();
    if (record_reply(a, r, rep, us, t, o ? &*o : nullptr)) {
      consecutive_failures = 0;
      if (!replaying && !w.repeat && !w.amends) plan.acknowledged(w.slot);
    } else if (rep.status == 0 && ++consecutive_failures >= 3) {
      // The gateway is gone (e.g. a crash test): back off instead of spinning through the work.
      co_await sleep_for(timer, std::chrono::milliseconds(200));
    }
    if (!o) continue;
    if (replaying) check_replayed(a, *o, r);
    if (a.rec.is_open()) a.rec.write(*o, a.gens.at(gen).options());
    if (a.keep_outcomes) r.outcomes.push_back(std::move(*o));
  }
  c.close();
  if (--a.senders_running == 0) {
    a.send_end = bench_clock::now();
    a.senders_done = true;
  }
}

}  // namespace jubes::bench
