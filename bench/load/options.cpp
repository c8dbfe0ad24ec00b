#include "options.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>

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

}  // namespace

const char* usage() {
  return "usage: jubes-bench --target HOST:PORT --pki DIR [--connections C] [--count N | --duration S]\n"
         "                   [--rate R] [--seed S] [--duplicates F] [--plan-fraction F] [--size BYTES]\n"
         "                   [--record FILE] [--replay FILE] [--verify] [--poll] [--poll-max N] [--poll-wait S]\n"
         "                   [--idle-polls N] [--ops HOST:PORT] [--threads T] [--timeout S] [--quiet]\n"
         "       jubes-bench --serve-trivial ADDR:PORT --pki DIR [--threads T]\n"
         "Sends generated jubes notices over mutual TLS (one client certificate per source party from\n"
         "DIR/clients/<party>.crt|key), optionally polls every outbox (--poll) and checks delivery (--verify).\n"
         "Ends with one line on stdout:\n"
         "  jubes-bench: sent=N accepted=N duplicates=N errors=N msgs_per_s=X p50_ms=X p99_ms=X p999_ms=X\n"
         "See docs/BENCHMARKS.md.\n";
}

std::string parse_options(const std::vector<std::string>& args, options& o) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string& v) -> bool {
      if (i + 1 >= args.size()) return false;
      v = args[++i];
      return true;
    };
    std::string v;
    auto bad = [&](const char* what) { return a + ": " + what + (v.empty() ? "" : " (got '" + v + "')"); };
    if (a == "--verify") {
      o.verify = true;
    } else if (a == "--poll") {
      o.poll = true;
    } else if (a == "--quiet") {
      o.quiet = true;
    } else if (a == "--help" || a == "-h") {
      return "help";
    } else if (a == "--target" || a == "--ops" || a == "--serve-trivial") {
      if (!value(v)) return bad("needs HOST:PORT");
      std::string h, p;
      if (!split_host_port(v, h, p)) return bad("expects HOST:PORT with a port 0..65535");
      if (a == "--target") {
        o.target_host = h;
        o.target_port = p;
        o.target_set = true;
      } else if (a == "--ops") {
        o.ops_host = h;
        o.ops_port = p;
      } else {
        o.serve_trivial = v;
      }
    } else if (a == "--pki" || a == "--record" || a == "--replay") {
      if (!value(v) || v.empty()) return bad("needs a path");
      (a == "--pki" ? o.pki : a == "--record" ? o.record : o.replay) = v;
    } else if (a == "--connections" || a == "--threads" || a == "--poll-max" || a == "--poll-wait" ||
               a == "--idle-polls") {
      int n = 0;
      if (!value(v) || !parse_num(v, n)) return bad("needs an integer");
      if (a == "--connections") {
        if (n < 1 || n > 100000) return bad("must be 1..100000");
        o.connections = n;
      } else if (a == "--threads") {
        if (n < 1 || n > 64) return bad("must be 1..64");
        o.threads = n;
      } else if (a == "--poll-max") {
        if (n < 1 || n > 100000) return bad("must be 1..100000");
        o.poll_max = n;
      } else if (a == "--poll-wait") {
        if (n < 0 || n > 3600) return bad("must be 0..3600");
        o.poll_wait_s = n;
      } else {
        if (n < 0 || n > 1000000) return bad("must be 0..1000000");
        o.idle_polls = n;
      }
    } else if (a == "--count" || a == "--seed" || a == "--size") {
      std::uint64_t n = 0;
      if (!value(v) || !parse_num(v, n)) return bad("needs a non-negative integer");
      if (a == "--count") {
        if (n == 0) return bad("must be at least 1");
        o.count = n;
      } else if (a == "--seed") {
        o.seed = n;
        o.seed_set = true;
      } else {
        if (n < 512 || n > 1048576) return bad("must be 512..1048576");
        o.size = n;
      }
    } else if (a == "--duration" || a == "--rate" || a == "--duplicates" || a == "--plan-fraction" ||
               a == "--timeout") {
      double d = 0;
      if (!value(v) || !parse_num(v, d)) return bad("needs a number");
      if (a == "--duration") {
        if (d <= 0) return bad("must be > 0 seconds");
        o.duration_s = d;
      } else if (a == "--rate") {
        if (d <= 0) return bad("must be > 0 messages/s");
        o.rate = d;
      } else if (a == "--timeout") {
        if (d <= 0) return bad("must be > 0 seconds");
        o.timeout_s = d;
      } else {
        if (d < 0 || d > 1) return bad("must be a fraction 0..1");
        (a == "--duplicates" ? o.duplicates : o.plan_fraction) = d;
      }
    } else {
      return a + ": unknown option (see --help)";
    }
  }
  if (o.pki.empty()) return "--pki: required (the development PKI directory, see scripts/dev-pki)";
  if (!o.serve_trivial.empty()) return {};
  if (!o.target_set) return "--target: required (HOST:PORT of the gateway's mTLS listener)";
  if (o.count && o.duration_s > 0) return "--count and --duration: give one, not both";
  if (!o.replay.empty() && (o.count || o.duration_s > 0))
    return "--replay: sends exactly the recorded messages; do not combine with --count or --duration";
  if (!o.replay.empty() && o.replay == o.record) return "--record: must differ from the --replay file";
  bool sends = o.count || o.duration_s > 0 || !o.replay.empty();
  if (!sends && !o.poll && !(o.verify && !o.record.empty()))
    return "nothing to do: give --count N or --duration S, --replay FILE, --poll, or --verify --record FILE";
  return {};
}

}  // namespace jubes::bench
