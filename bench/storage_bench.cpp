// SPDX-License-Identifier: EUPL-1.2
// Storage benchmarks: the store's durable group-commit ingest and its poll reads, each beside raw
// LMDB doing the same work in the naive three-database layout (one value per message body), in the
// same binary, on the same disk. Run (Release build):
//   storage_bench --benchmark_counters_tabular=true
// JUBES_BENCH_DIR selects the directory (default: the system temp dir); it must be on the disk
// whose durability you want to measure (tmpfs makes fsync free and the numbers meaningless).
// JUBES_BENCH_PG (a libpq connection string) runs the closed loop on the PostgreSQL backend too.
#include <benchmark/benchmark.h>
#include <lmdb.h>
#include <openssl/evp.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "generator.hpp"
#include "pgstore/pgstore.hpp"
#include "storage/body_codec.hpp"
#include "storage/store.hpp"

namespace {

namespace fs = std::filesystem;
using jubes::storage::ingest_outcome;
using jubes::storage::ingest_request;
using jubes::storage::ingest_result;
using jubes::storage::options;
using jubes::storage::store;

constexpr std::size_t body_size = 2048;
constexpr std::size_t per_iter = 4096;  // messages per benchmark iteration

fs::path bench_dir(const std::string& name) {
  const char* env = std::getenv("JUBES_BENCH_DIR");
  fs::path base = env ? fs::path(env) : fs::temp_directory_path();
  auto p = base / ("jubes-storage-bench-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

/// Options of a store that ingests batches of per_iter messages in groups of up to `max_group`,
/// in `dir`, with retention off (it would compete for the writer).
options ingest_options(const fs::path& dir, std::size_t max_group, bool durable) {
  options o;
  o.dir = dir;
  o.map_size_initial = 1ull << 30;
  o.max_group = max_group;
  o.queue_capacity = per_iter * 2;
  o.retention_interval = std::chrono::milliseconds(0);
  o.durable = durable;
  return o;
}

/// A 2 KiB XML-ish body that differs per message (so nothing deduplicates or compresses trivially).
std::string make_body(std::uint64_t n) {
  std::string b =
      "<dti:piBeeindiging xmlns:dti=\"http://www.justid.nl/jubes/detentie/0100\"><n>" + std::to_string(n) + "</n><pad>";
  std::mt19937_64 rng(n);
  while (b.size() < body_size - 32) b.push_back(static_cast<char>('a' + rng() % 26));
  b += "</pad></dti:piBeeindiging>";
  b.resize(body_size, ' ');
  return b;
}

std::vector<std::string> recipients(int n) {
  std::vector<std::string> all{"gemeente:0363", "rvdk", "idv"};
  all.resize(static_cast<std::size_t>(n));
  return all;
}

/// Bytes this process has caused to be written to storage (/proc/self/io write_bytes): the figure
/// that a bandwidth-bound disk turns into time. 0 if unavailable.
double write_bytes() {
  std::FILE* f = std::fopen("/proc/self/io", "r");
  if (!f) return 0;
  char line[128];
  double v = 0;
  while (std::fgets(line, sizeof line, f))
    if (std::sscanf(line, "write_bytes: %lf", &v) == 1) break;
  std::fclose(f);
  return v;
}

std::unique_ptr<store> open_or_die(const options& o) {
  auto r = store::open(o);
  if (!r) {
    std::fprintf(stderr, "storage_bench: cannot open %s: %s\n", o.dir.c_str(), r.error().message().c_str());
    std::exit(1);
  }
  return std::move(r.value());
}

/// Waits for a number of completions from the writer thread.
struct countdown {
  std::mutex mu;
  std::condition_variable cv;
  std::size_t left = 0;
  void done() {
    std::lock_guard lk(mu);
    if (--left == 0) cv.notify_all();
  }
  void wait() {
    std::unique_lock lk(mu);
    cv.wait(lk, [&] { return left == 0; });
  }
};

/// Submits one ingest; counts it in `bad` unless it was accepted. A refusal (queue full) completes
/// at once with an error, like any failure: counted as bad.
void submit_counted(store& s, ingest_request r, std::atomic<std::uint64_t>& bad, countdown& cd) {
  s.submit(std::move(r), [&](jubes::result<ingest_result> x) {
    if (!x || x->outcome != ingest_outcome::accepted) ++bad;
    cd.done();
  });
}

// ---- the store ------------------------------------------------------------------------------------

void BM_store_ingest(benchmark::State& state) {
  const int nrcpt = static_cast<int>(state.range(0));
  auto dir = bench_dir("store");
  auto o = ingest_options(dir, static_cast<std::size_t>(state.range(1)), state.range(2) != 0);
  if (state.range(3) > 0) o.blob_bytes = static_cast<std::size_t>(state.range(3)) << 10;
  auto s = open_or_die(o);
  std::vector<std::string> bodies;
  for (std::size_t i = 0; i < 64; ++i) bodies.push_back(make_body(i));
  const auto rc = recipients(nrcpt);
  std::uint64_t n = 0;
  std::atomic<std::uint64_t> bad{0};
  const double wb0 = write_bytes();
  for (auto _ : state) {
    countdown cd;
    cd.left = per_iter;
    for (std::size_t i = 0; i < per_iter; ++i, ++n) {
      ingest_request r;
      r.party = "tulp-gw";
      r.referentienummer = "ref-" + std::to_string(n);
      r.message_type = "piBeeindiging";
      r.body = bodies[n % bodies.size()];
      r.body.replace(0, 8, std::to_string(n + 10'000'000).substr(0, 8));  // unique content
      r.recipients = rc;
      submit_counted(*s, std::move(r), bad, cd);
    }
    cd.wait();
  }
  if (bad) state.SkipWithError("some ingests failed");
  auto m = s->metrics();
  state.SetItemsProcessed(static_cast<std::int64_t>(n));
  state.counters["msgs_per_s"] = benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsRate);
  state.counters["avg_group"] = m.commits ? static_cast<double>(m.group_size_sum) / static_cast<double>(m.commits) : 0;
  state.counters["MB_on_disk"] = static_cast<double>(m.map_used) / 1e6;
  state.counters["KB_written_per_msg"] = (write_bytes() - wb0) / 1e3 / static_cast<double>(n);
  s->close();
  fs::remove_all(dir);
}
BENCHMARK(BM_store_ingest)
    ->ArgsProduct({{1, 3}, {256, 1024}, {1}, {0}})
    ->Args({3, 256, 0, 0})
    ->ArgsProduct({{3}, {1024}, {1}, {8, 16, 256, 1024}})  // blob size sweep (KiB); 0 = default
    ->Args({3, 256, 1, 1})                                 // 1 KiB: every body a blob of its own (one overflow page)
    ->ArgNames({"rcpt", "group", "durable", "blob_kib"})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond)
    ->MinTime(3);

/// CPU seconds of the whole process (every thread: submitters, writer, sync thread).
double process_cpu_s() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

/// Durable ingest as the gateway's 64 closed-loop connections produce it: `clients` threads, each
/// with one message in flight (submit, wait for its completion, submit the next), so groups stay
/// small (about 9 per commit at 64 connections in the issue). Args: clients, group_linger in µs.
/// The closed loop on any backend (see BM_store_closed_loop).
void closed_loop(benchmark::State& state, jubes::storage::backend& s, std::size_t clients) {
  const std::string body = make_body(7);
  const auto rc = recipients(1);
  std::atomic<std::uint64_t> next{0}, bad{0};
  const double cpu0 = process_cpu_s();
  // Message numbers unique per call and process: a database kept between calls must not deduplicate.
  static std::atomic<std::uint64_t> calls{0};
  const std::uint64_t base = (static_cast<std::uint64_t>(::getpid()) * 1000 + calls++) * 1'000'000ull;
  for (auto _ : state) {
    std::vector<std::thread> ts;
    for (std::size_t c = 0; c < clients; ++c)
      ts.emplace_back([&] {
        for (std::size_t i = 0; i < per_iter / clients; ++i) {
          const std::uint64_t n = next++;
          ingest_request r;
          r.party = "tulp-gw";
          r.referentienummer = "ref-" + std::to_string(base + n);
          r.message_type = "piBeeindiging";
          r.body = body;
          r.body.replace(0, 8, std::to_string(n + 10'000'000).substr(0, 8));
          r.recipients = rc;
          countdown cd;
          cd.left = 1;
          s.submit(std::move(r), [&](jubes::result<ingest_result> x) {
            if (!x || x->outcome != ingest_outcome::accepted) ++bad;
            cd.done();
          });
          cd.wait();
        }
      });
    for (auto& t : ts) t.join();
  }
  const double n = static_cast<double>(next.load());
  if (bad) state.SkipWithError("some ingests failed");
  auto m = s.metrics();
  state.SetItemsProcessed(static_cast<std::int64_t>(n));
  state.counters["msgs_per_s"] = benchmark::Counter(n, benchmark::Counter::kIsRate);
  state.counters["avg_group"] = m.commits ? static_cast<double>(m.group_size_sum) / static_cast<double>(m.commits) : 0;
  // This process only: with PostgreSQL the server's CPU is not in it (docs/BENCHMARKS.md).
  state.counters["cpu_us_per_msg"] = (process_cpu_s() - cpu0) * 1e6 / n;
}

void BM_store_closed_loop(benchmark::State& state) {
  const auto clients = static_cast<std::size_t>(state.range(0));
  auto dir = bench_dir("closed");
  options o;
  o.dir = dir;
  o.map_size_initial = 1ull << 30;
  o.retention_interval = std::chrono::milliseconds(0);
  o.group_linger = std::chrono::microseconds(state.range(1));  // new-options
  auto s = open_or_die(o);
  closed_loop(state, *s, clients);
  s->close();
  fs::remove_all(dir);
}
BENCHMARK(BM_store_closed_loop)
    ->Args({64, 0})
    ->Args({64, 200})
    ->Args({64, 1000})
    ->ArgNames({"clients", "linger_us"})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond)
    ->MinTime(3);

/// The same closed loop on the PostgreSQL backend. JUBES_BENCH_PG names the database (a libpq
/// connection string; its schema is migrated, its data kept); without it the benchmark is skipped.
void BM_pgstore_closed_loop(benchmark::State& state) {
  const char* ci = std::getenv("JUBES_BENCH_PG");
  if (!ci) {
    state.SkipWithError("set JUBES_BENCH_PG to a libpq connection string of a scratch database");
    return;
  }
  if (auto m = jubes::pgstore::migrate(ci); !m) {
    state.SkipWithError(("migrate: " + m.error().message()).c_str());
    return;
  }
  jubes::pgstore::options o;
  o.conninfo = ci;
  o.max_group = static_cast<std::size_t>(state.range(1));
  o.retention_interval = std::chrono::milliseconds(0);
  auto s = jubes::pgstore::store::open(o);
  if (!s) {
    state.SkipWithError(("open: " + s.error().message()).c_str());
    return;
  }
  closed_loop(state, **s, static_cast<std::size_t>(state.range(0)));
  (*s)->close();
}
BENCHMARK(BM_pgstore_closed_loop)
    ->Args({64, 100})
    ->ArgNames({"clients", "max_group"})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond)
    ->MinTime(3);

// ---- raw LMDB, naive layout -----------------------------------------------------------------------

struct raw_env {
  MDB_env* env = nullptr;
  MDB_dbi messages = 0, dedup = 0, outbox = 0;
  explicit raw_env(const fs::path& dir, bool durable = true) {
    mdb_env_create(&env);
    mdb_env_set_maxdbs(env, 8);
    mdb_env_set_mapsize(env, 8ull << 30);
    // durable: LMDB's default flags, like the store; otherwise MDB_NOSYNC to expose CPU cost alone
    if (mdb_env_open(env, dir.c_str(), durable ? 0 : MDB_NOSYNC, 0600) != 0) std::abort();
    MDB_txn* t = nullptr;
    mdb_txn_begin(env, nullptr, 0, &t);
    mdb_dbi_open(t, "messages", MDB_CREATE, &messages);
    mdb_dbi_open(t, "dedup", MDB_CREATE, &dedup);
    mdb_dbi_open(t, "outbox", MDB_CREATE, &outbox);
    mdb_txn_commit(t);
  }
  ~raw_env() { mdb_env_close(env); }
  std::size_t used() const {
    MDB_envinfo info{};
    MDB_stat st{};
    mdb_env_info(env, &info);
    mdb_env_stat(env, &st);
    return (info.me_last_pgno + 1) * st.ms_psize;
  }
};

std::unique_ptr<raw_env> g_raw_poll;

void be64(std::uint64_t v, char* out) {
  for (int i = 7; i >= 0; --i, v >>= 8) out[i] = static_cast<char>(v & 0xff);
}

/// The same bytes as the store writes per message, one message record (metadata + 2 KiB body) per
/// value, a dedup record and one outbox entry per recipient, `group` messages per durable commit.
void raw_naive_put(raw_env& e, std::uint64_t& n, const std::vector<std::string>& bodies,
                   const std::vector<std::string>& rc, std::size_t group) {
  MDB_txn* t = nullptr;
  if (mdb_txn_begin(e.env, nullptr, 0, &t) != 0) std::abort();
  for (std::size_t i = 0; i < group; ++i, ++n) {
    std::string body = bodies[n % bodies.size()];
    body.replace(0, 8, std::to_string(n + 10'000'000).substr(0, 8));
    unsigned char sha[32];
    unsigned int len = 0;
    EVP_Digest(body.data(), body.size(), sha, &len, EVP_sha256(), nullptr);
    char key[8];
    be64(n + 1, key);
    std::string rec = "tulp-gw|ref-" + std::to_string(n) + "|piBeeindiging|v1|" + body;
    MDB_val k{8, key}, d{rec.size(), rec.data()};
    if (mdb_put(t, e.messages, &k, &d, MDB_APPEND) != 0) std::abort();
    std::string dk = "tulp-gw";
    dk.push_back('\0');
    dk += "ref-" + std::to_string(n);
    std::string dv(reinterpret_cast<char*>(sha), 32);
    dv.append(key, 8);
    MDB_val k2{dk.size(), dk.data()}, d2{dv.size(), dv.data()};
    if (mdb_put(t, e.dedup, &k2, &d2, MDB_NOOVERWRITE) != 0) std::abort();
    for (const auto& r : rc) {
      std::string ok = r;
      ok.push_back('\0');
      char seq[8];
      be64(n + 1, seq);
      ok.append(seq, 8);
      MDB_val k3{ok.size(), ok.data()}, d3{8, key};
      if (mdb_put(t, e.outbox, &k3, &d3, 0) != 0) std::abort();
    }
  }
  if (mdb_txn_commit(t) != 0) std::abort();
}

void BM_raw_lmdb_naive_ingest(benchmark::State& state) {
  const int nrcpt = static_cast<int>(state.range(0));
  const auto group = static_cast<std::size_t>(state.range(1));
  auto dir = bench_dir("raw");
  std::uint64_t n = 0;
  {
    raw_env e(dir, state.range(2) != 0);
    std::vector<std::string> bodies;
    for (std::size_t i = 0; i < 64; ++i) bodies.push_back(make_body(i));
    const auto rc = recipients(nrcpt);
    const double wb0 = write_bytes();
    for (auto _ : state) {
      for (std::size_t i = 0; i < per_iter / group; ++i) raw_naive_put(e, n, bodies, rc, group);
    }
    state.counters["MB_on_disk"] = static_cast<double>(e.used()) / 1e6;
    state.counters["KB_written_per_msg"] = (write_bytes() - wb0) / 1e3 / static_cast<double>(n);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(n));
  state.counters["msgs_per_s"] = benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsRate);
  fs::remove_all(dir);
}
BENCHMARK(BM_raw_lmdb_naive_ingest)
    ->ArgsProduct({{1, 3}, {256, 1024}, {1}})
    ->Args({1, 8, 1})  // the closed-loop case's group size, one writer thread, back-to-back commits
    ->Args({3, 256, 0})
    ->ArgNames({"rcpt", "group", "durable"})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond)
    ->MinTime(3);

// ---- poll reads -----------------------------------------------------------------------------------

constexpr std::uint64_t poll_fill = 20'000;
// Filled once on first use and removed in main(): the read benchmarks share their data set.
fs::path g_poll_dir, g_rawpoll_dir;
std::unique_ptr<store> g_poll_store;

void BM_store_read_outbox(benchmark::State& state) {
  const auto batch = static_cast<std::size_t>(state.range(0));
  auto& s = g_poll_store;
  if (!s) {
    g_poll_dir = bench_dir("poll");
    options o;
    o.dir = g_poll_dir;
    o.durable = false;  // filling only; reads do not sync
    o.retention_interval = std::chrono::milliseconds(0);
    s = open_or_die(o);
    countdown cd;
    cd.left = poll_fill;
    for (std::uint64_t n = 0; n < poll_fill; ++n) {
      ingest_request r;
      r.party = "tulp-gw";
      r.referentienummer = "ref-" + std::to_string(n);
      r.message_type = "piBeeindiging";
      r.body = make_body(n);
      r.recipients = {"rvdk"};
      // Overloaded is answered at once on this thread (before submit returns): retry after a yield.
      for (bool refused = true; refused;) {
        refused = false;
        s->submit(r, [&](jubes::result<ingest_result> x) {
          if (!x && x.error() == jubes::storage::errc::overloaded) {
            refused = true;
            return;
          }
          cd.done();
        });
        if (refused) std::this_thread::yield();
      }
    }
    cd.wait();
  }
  std::uint64_t after = 0, items = 0;
  for (auto _ : state) {
    auto v = s->read_outbox("rvdk", after, batch);
    if (!v || v->empty()) {
      state.SkipWithError("read failed");
      break;
    }
    items += v->size();
    after = v->back().seq % (poll_fill - batch);
    benchmark::DoNotOptimize(v->back().body.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(items));
}
BENCHMARK(BM_store_read_outbox)->Arg(10)->Arg(100)->Arg(1000)->ArgName("batch");

void BM_raw_lmdb_naive_read(benchmark::State& state) {
  const auto batch = static_cast<std::size_t>(state.range(0));
  auto& e = g_raw_poll;
  if (!e) {
    g_rawpoll_dir = bench_dir("rawpoll");
    e = std::make_unique<raw_env>(g_rawpoll_dir);
    std::vector<std::string> bodies;
    for (std::size_t i = 0; i < 64; ++i) bodies.push_back(make_body(i));
    std::uint64_t n = 0;
    while (n < poll_fill) raw_naive_put(*e, n, bodies, {"rvdk"}, 256);
  }
  std::uint64_t after = 0, items = 0;
  for (auto _ : state) {
    MDB_txn* t = nullptr;
    mdb_txn_begin(e->env, nullptr, MDB_RDONLY, &t);
    MDB_cursor* c = nullptr;
    mdb_cursor_open(t, e->outbox, &c);
    std::string k = "rvdk";
    k.push_back('\0');
    char seq[8];
    be64(after + 1, seq);
    k.append(seq, 8);
    MDB_val kv{k.size(), k.data()}, dv{};
    std::vector<std::string> out;
    int rc = mdb_cursor_get(c, &kv, &dv, MDB_SET_RANGE);
    while (rc == 0 && out.size() < batch) {
      MDB_val mk{8, dv.mv_data}, md{};
      if (mdb_get(t, e->messages, &mk, &md) != 0) std::abort();
      out.emplace_back(static_cast<char*>(md.mv_data), md.mv_size);
      rc = mdb_cursor_get(c, &kv, &dv, MDB_NEXT);
    }
    mdb_cursor_close(c);
    mdb_txn_abort(t);
    items += out.size();
    after = (after + out.size()) % (poll_fill - batch);
    benchmark::DoNotOptimize(out.back().data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(items));
}
BENCHMARK(BM_raw_lmdb_naive_read)->Arg(10)->Arg(100)->Arg(1000)->ArgName("batch");

// ---- bodies at rest ------------------------------------------------------------------------------

/// Ingest of the load tool's message mix (bench/load/generator.hpp: the four sources, every message
/// type, ~2 KiB) in the three layouts of docs/storage.md "Bodies at rest": 0 = plain (the layout
/// before), 1 = zstd, 2 = zstd + AES-256-GCM. Args: layout, durable. Same group size (1024) and
/// submitters as BM_store_ingest; the counters say what the layout costs and saves:
/// bytes_per_msg (the store file's used pages / messages) and cpu_us_per_msg (whole process).
void BM_store_at_rest(benchmark::State& state) {
  const int layout = static_cast<int>(state.range(0));
  auto dir = bench_dir("at-rest");
  auto o = ingest_options(dir, 1024, state.range(1) != 0);
  if (layout >= 1) o.at_rest.comp = jubes::storage::compression::zstd;
  if (layout >= 2) o.at_rest.kek = jubes::storage::random_key();
  auto s = open_or_die(o);
  jubes::bench::generator gen({});
  gen.prepare();
  std::vector<jubes::bench::message> mix;
  for (std::uint64_t slot = 0; slot < 1024; ++slot)
    for (int p = 0; p < static_cast<int>(jubes::bench::sources().size()); ++p) mix.push_back(gen.make(p, slot));
  std::uint64_t n = 0, body_bytes = 0;
  std::atomic<std::uint64_t> bad{0};
  const double cpu0 = process_cpu_s();
  for (auto _ : state) {
    countdown cd;
    cd.left = per_iter;
    for (std::size_t i = 0; i < per_iter; ++i, ++n) {
      const auto& m = mix[n % mix.size()];
      ingest_request r;
      r.party = m.party;
      r.referentienummer = "ref-" + std::to_string(n);
      r.message_type = m.type;
      r.body = m.body;
      r.recipients = m.recipients;
      body_bytes += r.body.size();
      submit_counted(*s, std::move(r), bad, cd);
    }
    cd.wait();
  }
  if (bad) state.SkipWithError("some ingests failed");
  auto m = s->metrics();
  const double dn = static_cast<double>(n);
  state.SetItemsProcessed(static_cast<std::int64_t>(n));
  state.counters["msgs_per_s"] = benchmark::Counter(dn, benchmark::Counter::kIsRate);
  state.counters["avg_group"] = m.commits ? static_cast<double>(m.group_size_sum) / static_cast<double>(m.commits) : 0;
  state.counters["body_bytes_per_msg"] = static_cast<double>(body_bytes) / dn;
  state.counters["bytes_per_msg"] = static_cast<double>(m.map_used) / dn;
  state.counters["cpu_us_per_msg"] = (process_cpu_s() - cpu0) * 1e6 / dn;
  s->close();
  fs::remove_all(dir);
}
BENCHMARK(BM_store_at_rest)
    ->ArgsProduct({{0, 1, 2}, {0, 1}})
    ->ArgNames({"layout", "durable"})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond)
    ->MinTime(3);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  if (g_poll_store) g_poll_store->close();
  g_poll_store.reset();
  g_raw_poll.reset();
  for (const auto& d : {g_poll_dir, g_rawpoll_dir})
    if (!d.empty()) fs::remove_all(d);
  return 0;
}
