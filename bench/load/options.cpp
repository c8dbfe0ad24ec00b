// SPDX-License-Identifier: EUPL-1.2
#include "options.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <type_traits>

namespace jubes::bench {

namespace {

bool split_host_port(const std::string& s, std::string& host, std::string& port) {
  auto c = s.rfind(':');
  if (c == std::string::npos || c == 0 || c + 1 == s.size()) return false;
  host = s.substr(0, c);
  port = s.substr(c + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  unsigned p = 0;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  return ec == std::errc{} && ptr == port.data() + port.size() && p <= 65535;
}

template <class T>
bool parse_num(const std::string& s, T& out) {
  if constexpr (std::is_floating_point_v<T>) {
    char* end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(v)) return false;
    out = static_cast<T>(v);
    return true;
  } else {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return !s.empty() && ec == std::errc{} && p == s.data() + s.size();
  }
}

// The options by the kind of value they take. Ranges and messages are part of the interface
// (docs/BENCHMARKS.md); the error names the option and quotes the value.
struct flag_option {
  std::string_view name;
  bool options::*field;
};
constexpr flag_option flag_options[] = {
    {"--verify", &options::verify}, {"--poll", &options::poll}, {"--quiet", &options::quiet}};

struct path_option {
  std::string_view name;
  std::string options::*field;
};
constexpr path_option path_options[] = {
    {"--pki", &options::pki}, {"--record", &options::record}, {"--replay", &options::replay}};

struct int_option {
  std::string_view name;
  int options::*field;
  int lo, hi;
  const char* range;
};
constexpr int_option int_options[] = {
    {"--connections", &options::connections, 1, 100000, "must be 1..100000"},
    {"--threads", &options::threads, 1, 64, "must be 1..64"},
    {"--poll-max", &options::poll_max, 1, 100000, "must be 1..100000"},
    {"--poll-wait", &options::poll_wait_s, 0, 3600, "must be 0..3600"},
    {"--idle-polls", &options::idle_polls, 0, 1000000, "must be 0..1000000"},
};

static_assert(std::is_same_v<std::size_t, std::uint64_t>, "--size is read as a count");
struct count_option {
  std::string_view name;
  std::uint64_t options::*field;
  std::uint64_t lo, hi;
  const char* range;
};
constexpr count_option count_options[] = {
    {"--count", &options::count, 1, UINT64_MAX, "must be at least 1"},
    {"--seed", &options::seed, 0, UINT64_MAX, ""},
    {"--size", &options::size, 512, 1048576, "must be 512..1048576"},
};

struct number_option {
  std::string_view name;
  double options::*field;
  bool positive;  // else a fraction 0..1
  const char* range;
};
constexpr number_option number_options[] = {
    {"--duration", &options::duration_s, true, "must be > 0 seconds"},
    {"--rate", &options::rate, true, "must be > 0 messages/s"},
    {"--timeout", &options::timeout_s, true, "must be > 0 seconds"},
    {"--duplicates", &options::duplicates, false, "must be a fraction 0..1"},
    {"--corrections", &options::corrections, false, "must be a fraction 0 <= F < 1"},
    {"--plan-fraction", &options::plan_fraction, false, "must be a fraction 0..1"},
};

template <class Table>
auto find_in(const Table& table, std::string_view name) -> decltype(&table[0]) {
  for (const auto& o : table)
    if (o.name == name) return &o;
  return nullptr;
}

// --target, --ops and --serve-trivial: HOST:PORT. @return nullptr, or what is wrong
const char* apply_endpoint(std::string_view name, const std::string& v, options& o) {
  std::string h, p;
  if (!split_host_port(v, h, p)) return "expects HOST:PORT with a port 0..65535";
  if (name == "--target") {
    for (const auto& t : o.targets)
      if (t.host == h && t.port == p) return "names the same node twice";
    if (o.targets.size() >= 64) return "at most 64 nodes";
    o.targets.push_back({h, p});
  } else if (name == "--ops") {
    o.ops_host = h;
    o.ops_port = p;
  } else {
    o.serve_trivial = v;
  }
  return nullptr;
}

// Reads the value of option `name` (not a flag) into `o`. @return nullptr, or what is wrong
const char* apply_value(std::string_view name, bool given, const std::string& v, options& o) {
  if (name == "--target" || name == "--ops" || name == "--serve-trivial")
    return given ? apply_endpoint(name, v, o) : "needs HOST:PORT";
  if (auto* p = find_in(path_options, name)) {
    if (!given || v.empty()) return "needs a path";
    o.*p->field = v;
  } else if (auto* i = find_in(int_options, name)) {
    int n = 0;
    if (!given || !parse_num(v, n)) return "needs an integer";
    if (n < i->lo || n > i->hi) return i->range;
    o.*i->field = n;
  } else if (auto* c = find_in(count_options, name)) {
    std::uint64_t n = 0;
    if (!given || !parse_num(v, n)) return "needs a non-negative integer";
    if (n < c->lo || n > c->hi) return c->range;
    o.*c->field = n;
    if (c->field == &options::seed) o.seed_set = true;
  } else if (auto* d = find_in(number_options, name)) {
    double x = 0;
    if (!given || !parse_num(v, x)) return "needs a number";
    if (d->positive ? x <= 0 : (x < 0 || x > 1)) return d->range;
    o.*d->field = x;
  }
  return nullptr;
}

bool takes_value(std::string_view name) {
  return name == "--target" || name == "--ops" || name == "--serve-trivial" || find_in(path_options, name) ||
         find_in(int_options, name) || find_in(count_options, name) || find_in(number_options, name);
}

// The options that only make sense together (or not at all). @return empty, or the error
std::string check_combination(const options& o) {
  if (o.pki.empty()) return "--pki: required (the development PKI directory, see scripts/dev-pki)";
  if (!o.serve_trivial.empty()) return {};
  if (o.targets.empty()) return "--target: required (HOST:PORT of the gateway's mTLS listener)";
  if (o.corrections >= 1) return "--corrections: must be a fraction 0 <= F < 1";
  if (o.count && o.duration_s > 0) return "--count and --duration: give one, not both";
  if (!o.replay.empty() && (o.count || o.duration_s > 0))
    return "--replay: sends exactly the recorded messages; do not combine with --count or --duration";
  if (!o.replay.empty() && o.replay == o.record) return "--record: must differ from the --replay file";
  bool sends = o.count || o.duration_s > 0 || !o.replay.empty();
  if (!sends && !o.poll && !(o.verify && !o.record.empty()))
    return "nothing to do: give --count N or --duration S, --replay FILE, --poll, or --verify --record FILE";
  return {};
}

}  // namespace

const char* usage() {
  return "usage: jubes-bench --target HOST:PORT [--target HOST:PORT]... --pki DIR [--connections C] [--count N | "
         "--duration S]\n"
         "                   [--rate R] [--seed S] [--duplicates F] [--corrections F] [--plan-fraction F]\n"
         "                   [--size BYTES] [--record FILE] [--replay FILE] [--verify] [--poll] [--poll-max N]\n"
         "                   [--poll-wait S] [--idle-polls N] [--ops HOST:PORT] [--threads T] [--timeout S] [--quiet]\n"
         "       jubes-bench --serve-trivial ADDR:PORT --pki DIR [--threads T]\n"
         "       jubes-bench --version | --help\n"
         "Sends generated jubes notices over mutual TLS (one client certificate per source party from\n"
         "DIR/clients/<party>.crt|key), optionally polls every outbox (--poll) and checks delivery (--verify).\n"
         "--corrections F: a share F of the fresh posts correct (mutatiesoort C) or withdraw (V), half each, a\n"
         "notice of the same source acknowledged earlier in the run, each notice at most once (crossRefnummer);\n"
         "--verify accepts per outbox either the marker (supersededBy/withdrawnBy) or the earlier notice, with\n"
         "the new one once with relatesTo. Either backend.\n"
         "Several --target nodes (one cluster): connections are spread round robin, a message that gets no\n"
         "reply is sent again (same bytes) on the next node, polls and --verify use any node that answers.\n"
         "Ends with one line on stdout:\n"
         "  jubes-bench: sent=N accepted=N duplicates=N errors=N msgs_per_s=X p50_ms=X p99_ms=X p999_ms=X\n"
         "               [server_cpu_us_per_msg=X] client_cpu_us_per_msg=X\n"
         "See docs/BENCHMARKS.md.\n";
}

std::string parse_options(const std::vector<std::string>& args, options& o) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& name = args[i];
    if (name == "--help" || name == "-h") return "help";
    if (name == "--version") return "version";
    if (auto* f = find_in(flag_options, name)) {
      o.*f->field = true;
      continue;
    }
    if (!takes_value(name)) return name + ": unknown option (see --help)";
    std::string v;
    const bool given = i + 1 < args.size();
    if (given) v = args[++i];
    if (const char* what = apply_value(name, given, v, o))
      return name + ": " + what + (v.empty() ? "" : " (got '" + v + "')");
  }
  return check_combination(o);
}

}  // namespace jubes::bench
