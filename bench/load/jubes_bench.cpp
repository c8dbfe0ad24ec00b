// SPDX-License-Identifier: EUPL-1.2
// jubes-bench: the load tool of issue 7 (docs/BENCHMARKS.md). See options.cpp for the command line.
//
// Shape: one io_context run by --threads threads; every connection is a coroutine on its own strand
// (a sender per --connections, bound to one source party and its certificate; a poller per known
// recipient with --poll; idle long polls with --idle-polls). Counters are atomics; each coroutine
// keeps its own latency histogram and outcome list, merged after the io_context stops, so the hot
// path takes no lock (the record file takes one, per line).
//
// The roles live in their own files: senders.cpp, pollers.cpp, verify.cpp, report.cpp and
// trivial_server.cpp; this file reads the inputs, starts the roles and runs the io_context.
#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/signal_set.hpp>
#include <filesystem>
#include <iostream>
#include <thread>

#include "app.hpp"
#include "common/version.hpp"

namespace jubes::bench {
namespace {

// What kind of run the options ask for.
struct run_plan {
  bool sending = false;             // --count, --duration or --replay
  bool verify_from_record = false;  // --verify --record FILE and nothing to send: check an earlier run
  record_file verify_only;          // that record
};

// --replay: the recorded outcomes, queued per party, and the receipt each one must get back.
bool read_replay(app& a, std::string& err) {
  if (!read_record(a.opt.replay, a.replayed, err)) return false;
  for (std::size_t i = 0; i < a.replayed.outcomes.size(); ++i) {
    const auto& r = a.replayed.outcomes[i];
    a.replay_queue[static_cast<std::size_t>(source_index(r.party))].push_back(i);
    if (!r.message_id.empty() && !a.replay_receipt.count(r.referentienummer))
      a.replay_receipt[r.referentienummer] = {r.message_id, r.receipt};
  }
  // Compare with the receipt of the first acknowledgement (the 201, if there was one).
  for (const auto& r : a.replayed.outcomes)
    if (r.status == 201) a.replay_receipt[r.referentienummer] = {r.message_id, r.receipt};
  return true;
}

// Reads the records the run starts from and sets up the generator: a record brings its own seed,
// plan fraction and size. @return the generator's options, or nullopt after printing the error
std::optional<generator_options> load_inputs(app& a, run_plan& p) {
  const options& o = a.opt;
  std::string err;
  generator_options go{o.seed, o.plan_fraction, o.size};
  const std::vector<generator_options>* recorded = nullptr;
  if (!o.replay.empty()) {
    if (!read_replay(a, err)) {
      std::cerr << "jubes-bench: --replay " << err << '\n';
      return std::nullopt;
    }
    recorded = &a.replayed.generators;
  }
  if (p.verify_from_record) {
    if (!read_record(o.record, p.verify_only, err)) {
      std::cerr << "jubes-bench: --record " << err << '\n';
      return std::nullopt;
    }
    recorded = &p.verify_only.generators;
  }
  if (recorded) {
    go = recorded->front();  // read_record guarantees a header
    for (const auto& g : *recorded) a.gens.emplace_back(g);
  }
  a.gen = generator(go);
  if (!recorded) a.gens.push_back(a.gen);
  // Every body of the run is a copy of one of these (generator.hpp), built before the clock starts.
  if (p.sending)
    for (auto& g : a.gens) g.prepare();
  a.keep_outcomes = o.verify;
  return go;
}

// The client context of `party`, from <pki>/clients/<party>.crt|key; nullptr after printing the error.
std::unique_ptr<ssl::context> party_context(const app& a, const std::string& party) {
  const auto pki = std::filesystem::path(a.opt.pki);
  auto file = [&](const char* ext) { return (pki / "clients" / (party + ext)).string(); };
  std::string err;
  auto ctx = client_context((pki / "ca.crt").string(), file(".crt"), file(".key"), err);
  if (!ctx) std::cerr << "jubes-bench: --pki: " << err << '\n';
  return ctx;
}

// @return false after printing the error
bool load_contexts(app& a, bool sending) {
  if (sending) {
    for (int p = 0; p < 4; ++p) {
      a.source_ctx[p] = party_context(a, std::string(sources()[static_cast<std::size_t>(p)].id));
      if (!a.source_ctx[p]) return false;
    }
  }
  if (a.opt.poll || a.opt.verify || a.opt.idle_polls) {
    for (const auto& r : known_recipients()) {
      a.recipient_ctx[r] = party_context(a, r);
      if (!a.recipient_ctx[r]) return false;
    }
  }
  return true;
}

// The source party of each connection: tulp-gw twice as many as each other source (it carries
// the most traffic). With --replay, only the parties in the record, each at least once.
std::vector<int> connection_parties(const app& a, bool sending) {
  std::vector<int> party_of;
  static constexpr int pattern[] = {0, 1, 3, 2, 0};
  if (!sending) return party_of;
  const int connections = a.opt.connections;
  const bool replay = !a.opt.replay.empty();
  for (int k = 0; static_cast<int>(party_of.size()) < connections && k < 5 * connections + 10; ++k) {
    int p = pattern[k % 5];
    if (replay && a.replay_queue[static_cast<std::size_t>(p)].empty()) continue;
    party_of.push_back(p);
  }
  for (int p = 0; p < 4 && replay; ++p)
    if (!a.replay_queue[static_cast<std::size_t>(p)].empty() &&
        std::find(party_of.begin(), party_of.end(), p) == party_of.end())
      party_of.push_back(p);
  return party_of;
}

// The --target nodes, comma-separated.
std::string targets_text(const options& o) {
  std::string s;
  for (const auto& t : o.targets) s += (s.empty() ? "" : ",") + t.str();
  return s;
}

// Runs a task and counts it down when it ends, so the run knows when everything is finished.
asio::awaitable<void> counted(asio::awaitable<void> task, std::atomic<int>& live) {
  co_await std::move(task);
  live.fetch_sub(1);
}

// Starts the senders, pollers and idle polls, and runs the io_context until they have all ended.
void run_tasks(app& a, const std::vector<int>& party_of) {
  const options& o = a.opt;
  std::atomic<int> live{0};
  a.cpu_start_s = process_cpu_seconds();
  a.start = bench_clock::now();
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
      a.pollers.back()->index = a.pollers.size() - 1;
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
  std::vector<std::thread> ts;
  for (int i = 1; i < o.threads; ++i) ts.emplace_back([&] { a.ioc.run(); });
  a.ioc.run();
  for (auto& t : ts) t.join();
}

int run(options& o) {
  app a;
  if (!o.seed_set) o.seed = static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
  a.opt = o;
  a.nodes.targets = o.targets.size();
  run_plan p;
  p.sending = o.count || o.duration_s > 0 || !o.replay.empty();
  p.verify_from_record = o.verify && !p.sending && !o.record.empty();
  const auto go = load_inputs(a, p);
  if (!go || !load_contexts(a, p.sending)) return 2;
  std::string err;
  if (!o.record.empty() && !p.verify_from_record && !a.rec.open(o.record, *go, err)) {
    std::cerr << "jubes-bench: --record " << err << '\n';
    return 2;
  }
  if (!o.quiet)
    std::cerr << "jubes-bench: target=" << targets_text(o) << " seed=" << go->seed
              << " connections=" << (p.sending ? o.connections : 0) << " threads=" << o.threads << '\n';
  if (!o.ops_host.empty())
    if (auto m = fetch_ops_metrics(o)) {
      a.ops_cpu_before = cpu_seconds_of(*m);
      a.ops_before = std::move(*m);
    }
  run_tasks(a, connection_parties(a, p.sending));
  const auto end = bench_clock::now();
  return report(a, p.verify_from_record ? &p.verify_only : nullptr, end, p.sending);
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
  if (err == "version") {
    std::cout << jubes::version_line("jubes-bench") << '\n';
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
